using System.Net;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorChat.Host.Tests;

/// <summary>Connections that arrive while the server drains, and an attach the room never answers.</summary>
public sealed class DrainRaceTests
{
    [Fact]
    public async Task A_connection_attached_after_the_room_started_draining_is_closed_with_1001_at_once()
    {
        // CloseTimeout is long so that a close lost before the accept (the bug) would show as a
        // dropped connection only after it, not as the 1001 this expects.
        await using var server = await TestServer.StartAsync("--ActorChat:CloseTimeout=00:00:30");
        var registry = server.App.Services.GetRequiredService<ActorRegistry>();
        var room = await registry.GetAsync<RoomActor>();

        // The room drains while the gate still admits: the window between the two on shutdown.
        room.Tell(new RoomActor.Drain(TimeSpan.Zero));
        await server.WaitForRoomAsync(_ => true, "the room handled the drain");

        // Whether the room's close reaches the connection before or after its accept is a race;
        // many connections at once take both sides of it.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await using var late = await server.ConnectAsync();
            Assert.Equal("server shutting down", await late.ExpectCloseAsync(1001));
        }));
    }

    [Fact]
    public async Task The_drain_reaches_the_room_even_when_no_connection_is_counted_yet()
    {
        using var system = ActorSystem.Create("drain-test");
        var inbox = Inbox.Create(system);
        var options = Options.Create(new ChatServerOptions { DrainTimeout = TimeSpan.Zero });
        using var gate = new ConnectionGate(options);
        var drain = new DrainService(gate, new FixedRoom(inbox.Receiver), options, NullLogger<DrainService>.Instance);

        // A connection admitted a moment ago may not be counted yet: the room must hear of the
        // drain anyway, since it is what refuses connections attached afterwards.
        await drain.StoppingAsync(CancellationToken.None);

        var message = await inbox.ReceiveAsync(TestServer.Timeout);
        Assert.IsType<RoomActor.Drain>(message);
        Assert.True(gate.IsDraining);
    }

    [Fact]
    public async Task An_attach_the_room_does_not_answer_in_time_is_refused_with_503()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:CloseTimeout=00:00:00.300");
        var system = server.App.Services.GetRequiredService<ActorSystem>();
        var registry = server.App.Services.GetRequiredService<ActorRegistry>();

        // Before the first connection resolves the room: every attach now goes unanswered.
        registry.Register<RoomActor>(system.ActorOf(Props.Create(() => new Unresponsive()), "unresponsive"), overwrite: true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatClient.ConnectRefusedAsync(server.WebSocket));
    }

    private sealed class FixedRoom(IActorRef room) : IRequiredActor<RoomActor>
    {
        public IActorRef ActorRef => room;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(room);
    }

    private sealed class Unresponsive : ReceiveActor
    {
        public Unresponsive() => ReceiveAny(_ => { });
    }
}
