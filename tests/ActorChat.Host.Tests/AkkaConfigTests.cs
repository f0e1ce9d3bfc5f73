using System.Collections.Concurrent;
using System.Net;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace ActorChat.Host.Tests;

/// <summary>The actor system runs with hocon/actorchat.hocon: the supervision and shutdown decisions hold.</summary>
public sealed class AkkaConfigTests
{
    [Fact]
    public async Task The_hocon_file_is_loaded()
    {
        await using var server = await TestServer.StartAsync();
        var config = server.App.Services.GetRequiredService<ActorSystem>().Settings.Config;

        Assert.Equal("Akka.Actor.StoppingSupervisorStrategy", config.GetString("akka.actor.guardian-supervisor-strategy"));
        Assert.False(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.Equal(100, config.GetInt("akka.actor.default-dispatcher.throughput"));
    }

    /// <summary>
    /// README: "a ConnectionActor that throws is stopped, never restarted: its socket is closed with
    /// 1011 and the room, which watches it, announces its leave". Checked on the server's own actor
    /// system and HOCON, by making bob's real connection actor throw.
    /// </summary>
    /// <remarks>
    /// Under a restarting strategy the restart would close the socket too (the default PreRestart
    /// runs PostStop), but the actor would live on until its socket ended: the room would announce
    /// nothing until then. bob never answers the close (nor a ping), and the close timeout and
    /// keepalive are longer than every wait here, so only a stop gets the leave and the Terminated
    /// through in time. A restart also runs PreStart again, which counts a connection as opened:
    /// none may be.
    /// </remarks>
    [Fact]
    public async Task A_connection_actor_that_throws_is_stopped_not_restarted_its_socket_closed_with_1011_and_its_leave_announced()
    {
        await using var server = await TestServer.StartAsync(TestServer.LongTimerSettings);
        var opened = new ConcurrentQueue<long>();
        using var metrics = server.ListenToMetrics((name, value) =>
        {
            if (name == "actorchat.connections.open" && value > 0)
            {
                opened.Enqueue(value);
            }
        });
        await using var alice = await server.JoinAsync("alice");
        await using var carol = await server.JoinAsync("carol");
        await alice.ExpectAsync("chat-join");
        var others = await server.ConnectionActorsAsync();

        using var bob = await RawWebSocket.ConnectAsync(server.Port);
        await bob.SendTextAsync("""{"type":"chat-join","payload":{"username":"bob"}}""");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());
        Assert.Equal("bob", (await carol.ExpectAsync("chat-join")).Username());
        var bobActor = Assert.Single((await server.ConnectionActorsAsync()).Except(others));
        Assert.StartsWith("connection-", bobActor.Path.Name, StringComparison.Ordinal);
        Assert.Equal(3, opened.Count);

        using var watching = new CancellationTokenSource(TestServer.Timeout);
        var terminated = bobActor.WatchAsync(watching.Token);

        // A Deliver without a frame list: OnDeliver throws a NullReferenceException.
        bobActor.Tell(new ConnectionActor.Deliver((IReadOnlyList<ReadOnlyMemory<byte>>)null!));

        // bob's socket gets 1011 (what it sent before is packets: its join echo and user list).
        var frames = await bob.ReadFramesUntilCloseAsync(TestServer.Timeout);
        Assert.All(frames.SkipLast(1), f => Assert.Equal(0x1, f.Opcode));
        Assert.Equal((1011, "internal error"), RawWebSocket.CloseOf(frames[^1].Payload));

        // The room announces the leave while bob's close is still unanswered, so the actor stopped
        // by itself rather than with its socket.
        Assert.Equal("bob", (await alice.ExpectAsync("chat-leave")).Username());
        Assert.Equal("bob", (await carol.ExpectAsync("chat-leave")).Username());
        Assert.True(await terminated, "bob's connection actor did not stop.");
        var identity = await server.App.Services.GetRequiredService<ActorSystem>()
            .ActorSelection(bobActor.Path).Ask<ActorIdentity>(new Identify(null), TestServer.Timeout);
        Assert.Null(identity.Subject);
        Assert.True(opened.Count == 3, $"A connection actor started again after the failure (a restart): {opened.Count} starts for 3 connections.");

        // bob completes the close; his connection ends cleanly.
        await bob.SendFrameAsync(0x8, [0x03, 0xE8]);
        Assert.True(await bob.ReadToEndAsync(TestServer.Timeout), "bob's connection did not end after he answered the close.");

        // The server goes on: the others still talk, bob's name is free, the room is ready.
        await server.WaitForRoomAsync(m => m.Connections == 2, "bob's connection detached");
        await alice.SayAsync("alice", "still here");
        await alice.ExpectMessageAsync("alice", "still here");
        await carol.ExpectMessageAsync("alice", "still here");
        await using var bob2 = await server.JoinAsync("bob");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());
        using var http = server.CreateHttpClient();
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>
    /// A message that reaches no actor (here, one told to an actor that has stopped: what a hand-over
    /// can lose) is logged through the host's logging with its type, as configured (bounded:
    /// <c>akka.log-dead-letters</c>, then quiet for <c>log-dead-letters-suspend-duration</c>). A
    /// frame for a connection that has just closed is expected and not logged.
    /// </summary>
    [Fact]
    public async Task A_message_to_a_stopped_actor_is_logged_and_a_frame_for_a_closed_connection_is_not()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(logs);
        var system = server.App.Services.GetRequiredService<ActorSystem>();
        Assert.Equal(10, system.Settings.LogDeadLetters);

        var gone = system.ActorOf(Props.Empty, "gone");
        using var watching = new CancellationTokenSource(TestServer.Timeout);
        var stopped = gone.WatchAsync(watching.Token);
        system.Stop(gone);
        Assert.True(await stopped);

        gone.Tell(new ConnectionActor.Deliver(new byte[] { 0x7b, 0x7d }));
        // What the journal and snapshot store confirm to an entity that ended without waiting.
        gone.Tell(new DeleteMessagesSuccess(3));
        gone.Tell(new DeleteSnapshotsSuccess(new SnapshotSelectionCriteria(3)));
        gone.Tell(new LostInHandOver("general"));
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (!logs.Entries.Any(e => e.EventId == 2007))
        {
            Assert.True(DateTime.UtcNow < deadline, "The dead letter was not logged (2007).");
            await Task.Delay(20);
        }

        // The Deliver and the confirmations went first: had they been logged, they would be there already.
        var logged = Assert.Single(logs.Entries, e => e.EventId == 2007);
        Assert.Equal(nameof(LostInHandOver), logged.State["Type"]);
        Assert.EndsWith("/user/gone", (string)logged.State["Recipient"]!, StringComparison.Ordinal);
    }

    private sealed record LostInHandOver(string Room);
}
