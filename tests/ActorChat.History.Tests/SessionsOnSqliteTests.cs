using ActorChat.Actors;
using ActorChat.Actors.Serialization;
using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.History.Tests;

/// <summary>
/// The cluster's sessions and names on the SQL journal (SQLite here; the same plugin and the same
/// choice of serializer as PostgreSQL) under the server's own HOCON: their events are stored with
/// the sessions' serializer, not the history's default one, the remembered sessions' shard events
/// with Akka's sharding serializer, and a session resumes in a new actor system on the same file.
/// </summary>
public sealed class SessionsOnSqliteTests : IDisposable
{
    private const int Shards = 10;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sessions_and_names_persist_with_their_serializer_and_resume_in_a_new_actor_system()
    {
        var options = _folder.Sqlite();
        var path = Path.Combine(_folder.Path, "history.db");
        SessionContract.Welcomed welcome;
        await using (var first = await StartAsync(options))
        {
            var connection = Inbox.Create(first.System);
            first.Front.Tell(new SessionContract.Hello(null, "alice", true), connection.Receiver);
            welcome = Assert.IsType<SessionContract.Welcomed>(await connection.ReceiveAsync(HistoryHost.Timeout));
            first.Front.Tell(new SessionContract.JoinedRoom(welcome.SessionId, "general"), connection.Receiver);
            var other = Inbox.Create(first.System);
            first.Front.Tell(new SessionContract.Hello(null, "ALICE", true), other.Receiver);
            Assert.IsType<SessionContract.HelloRefused>(await other.ReceiveAsync(HistoryHost.Timeout));
            await WaitForRowAsync($"session-{welcome.SessionId}", "sev3.join");
        }

        Assert.Equal(2, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'session-%' AND identifier = $id", ("$id", SessionMessagesSerializer.SerializerId)));
        Assert.Equal(2, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'name-%' AND identifier = $id AND manifest = 'sev3.nameheld'", ("$id", SessionMessagesSerializer.SerializerId)));
        Assert.Equal(0, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id NOT LIKE 'room-%' AND identifier = $id", ("$id", HistorySerializer.SerializerId)));
        Assert.True(TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE '%sessionShard%'") > 0, "the remembered sessions' shard events");

        await using var second = await StartAsync(options);
        var again = Inbox.Create(second.System);
        second.Front.Tell(new SessionContract.Hello(welcome.Token, "x", true), again.Receiver);
        var resumed = Assert.IsType<SessionContract.Welcomed>(await again.ReceiveAsync(HistoryHost.Timeout));
        Assert.Equal(("alice", true), (resumed.Name, resumed.Resumed));
        Assert.Equal(["general"], resumed.Rooms);

        async Task WaitForRowAsync(string persistenceId, string manifest)
        {
            using var cts = new CancellationTokenSource(HistoryHost.Timeout);
            while (TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = $p AND manifest = $m", ("$p", persistenceId), ("$m", manifest)) == 0)
            {
                await Task.Delay(20, cts.Token);
            }
        }
    }

    /// <summary>A one-node cluster with the server's HOCON over the history's SQL settings, and the sessions' regions and front.</summary>
    internal static async Task<Node> StartAsync(HistoryOptions options)
    {
        var config = ConfigurationFactory.ParseString(
            """
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.sharding.state-store-mode = ddata
            akka.cluster.sharding.remember-entities-store = eventsourced
            akka.cluster.sharding.distributed-data.durable.keys = []
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            """)
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(ServerHocon())))
            .WithFallback(ChatHistory.Config(ChatHistory.Open(options)))
            .WithFallback(ClusterSharding.DefaultConfig());
        var system = ActorSystem.Create("sessions-test", config);
        // The regions as every server starts them (ChatNode), rooms left out.
        var names = ChatNode.StartNames(system, Shards, key => NameEntity.Props(key, NullLogger.Instance), EntitySupervision.Default, NullLogger.Instance);
        var sessions = ChatNode.StartSessions(
            system,
            Shards,
            id => SessionEntity.Props(id, SessionEntitySettings.For(TimeSpan.FromMinutes(2)), names, ActorRefs.Nobody, NullLogger.Instance),
            EntitySupervision.Default,
            NullLogger.Instance);
        var cluster = Cluster.Get(system);
        await cluster.JoinAsync(cluster.SelfAddress).WaitAsync(HistoryHost.Timeout);
        return new Node(system, system.ActorOf(SessionFront.Props(sessions, 32, Shards)));
    }

    /// <summary>hocon/actorchat.hocon of this checkout (the tests run from its bin folder).</summary>
    private static string ServerHocon()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "hocon", "actorchat.hocon");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("hocon/actorchat.hocon above the test's folder");
    }

    internal sealed record Node(ActorSystem System, IActorRef Front) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await System.Terminate().WaitAsync(HistoryHost.Timeout);
    }
}
