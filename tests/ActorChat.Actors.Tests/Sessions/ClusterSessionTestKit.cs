using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>
/// The cluster's sessions inside one TestKit: the actor system is a one-node cluster (remoting on
/// 127.0.0.1, port 0, joined to itself) with the names' and sessions' shard regions as the host
/// starts them, an in-memory journal and snapshot store, and every message serialized on every
/// send (<c>serialize-messages</c>), so each one that would cross nodes round-trips here. Rooms are a
/// probe; the clock of the sessions' time-to-live is a <see cref="FakeTimeProvider"/>.
/// </summary>
public abstract class ClusterSessionTestKit : ActorChatTestKit
{
    protected static readonly TimeSpan Ttl = TimeSpan.FromMinutes(2);

    protected const int Shards = 10;

    /// <param name="extra">Settings over <see cref="ClusterConfig"/>.</param>
    /// <param name="nameIdleAfter">How long a name entity stays in memory unasked (null: the default).</param>
    protected ClusterSessionTestKit(Config? extra = null, TimeSpan? nameIdleAfter = null)
        : base(extra is null ? ClusterConfig : extra.WithFallback(ClusterConfig))
    {
        Rooms = CreateTestProbe();
        (Names, Sessions, Front) = StartNode(Sys, Rooms.Ref, Time, nameIdleAfter);
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, null, PollInterval);
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero));

    protected TestProbe Rooms { get; }

    protected IActorRef Names { get; }

    protected IActorRef Sessions { get; }

    protected IActorRef Front { get; }

    /// <summary>A cluster of one (<see cref="OneNodeCluster"/>) with every message serialized and in-memory stores.</summary>
    public static Config ClusterConfig { get; } = ConfigurationFactory.ParseString(
        """
        akka.actor.serialize-messages = on
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """)
        .WithFallback(OneNodeCluster.Config);

    /// <summary>Starts the two regions (as <see cref="ChatNode"/> does) and a front on <paramref name="system"/>.</summary>
    protected static (IActorRef Names, IActorRef Sessions, IActorRef Front) StartNode(ActorSystem system, IActorRef rooms, TimeProvider time, TimeSpan? nameIdleAfter = null)
    {
        var names = ChatNode.StartNames(system, Shards, key => NameEntity.Props(key, NullLogger.Instance, nameIdleAfter), EntitySupervision.Default, NullLogger.Instance);
        var sessions = ChatNode.StartSessions(
            system,
            Shards,
            id => SessionEntity.Props(id, SessionEntitySettings.For(Ttl), names, rooms, NullLogger.Instance, time),
            EntitySupervision.Default,
            NullLogger.Instance);
        return (names, sessions, system.ActorOf(SessionFront.Props(sessions, 32, Shards)));
    }

    protected SessionContract.Welcomed Hello(TestProbe connection, string name, string? token = null, bool resumable = true, IActorRef? front = null)
    {
        (front ?? Front).Tell(new SessionContract.Hello(token, name, resumable), connection.Ref);
        return connection.ExpectMsg<SessionContract.Welcomed>();
    }

    protected SessionContract.HelloRefused Refused(TestProbe connection, string name)
    {
        Front.Tell(new SessionContract.Hello(null, name, true), connection.Ref);
        return connection.ExpectMsg<SessionContract.HelloRefused>();
    }

    protected SessionEntity.StateReply State(string sessionId)
    {
        var probe = CreateTestProbe();
        Sessions.Tell(new SessionEntity.GetState(sessionId), probe.Ref);
        return probe.ExpectMsg<SessionEntity.StateReply>();
    }

    /// <summary>Tells the session, from the connection (as the connection's front does), that it joined <paramref name="room"/>, and waits until it is stored.</summary>
    protected void Join(TestProbe connection, string sessionId, string room)
    {
        Front.Tell(new SessionContract.JoinedRoom(sessionId, room), connection.Ref);
        AwaitAssert(() => Assert.Contains(room, State(sessionId).Rooms), null, PollInterval);
    }

    /// <summary>Asks the session to check its time-to-live now (what its timer does).</summary>
    protected void CheckExpiry(string sessionId) => Sessions.Tell(new SessionEntity.CheckExpiry(sessionId), TestActor);
}
