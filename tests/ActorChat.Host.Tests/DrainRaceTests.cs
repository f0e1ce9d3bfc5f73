using System.Net;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorChat.Host.Tests;

/// <summary>Connections that arrive while the server drains, and a connect the gateway never answers.</summary>
public sealed class DrainRaceTests
{
    [Fact]
    public async Task A_connection_made_after_the_gateway_started_draining_is_closed_with_1001_at_once()
    {
        // CloseTimeout is long so that a close lost before the accept (the bug) would show as a
        // dropped connection only after it, not as the 1001 this expects.
        await using var server = await TestServer.StartAsync("--ActorChat:CloseTimeout=00:00:30");
        var registry = server.App.Services.GetRequiredService<ActorRegistry>();
        var gateway = await registry.GetAsync<ChatGateway>();

        // The gateway drains while the gate still admits: the window between the two on shutdown.
        gateway.Tell(new ChatGateway.Drain(TimeSpan.Zero));
        await server.WaitForRoomAsync(_ => true, "the gateway handled the drain");

        // Whether the gateway's close reaches the connection before or after its accept is a race;
        // many connections at once take both sides of it.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await using var late = await server.ConnectAsync();
            Assert.Equal("server shutting down", await late.ExpectCloseAsync(1001));
        }));
    }

    [Fact]
    public async Task The_drain_reaches_the_gateway_even_when_no_connection_is_counted_yet()
    {
        using var system = ActorSystem.Create("drain-test");
        var inbox = Inbox.Create(system);
        var options = Options.Create(new ChatServerOptions { DrainTimeout = TimeSpan.Zero });
        using var gate = new ConnectionGate(options);
        var drain = new DrainService(gate, new FixedGateway(inbox.Receiver), options, new ServiceCollection().BuildServiceProvider(), NullLogger<DrainService>.Instance);

        // A connection admitted a moment ago may not be counted yet: the gateway must hear of the
        // drain anyway, since it is what closes connections made afterwards.
        await drain.StoppingAsync(CancellationToken.None);

        var message = await inbox.ReceiveAsync(TestServer.Timeout);
        Assert.IsType<ChatGateway.Drain>(message);
        Assert.True(gate.IsDraining);
    }

    [Fact]
    public async Task A_connect_the_gateway_does_not_answer_in_time_is_refused_with_503()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:CloseTimeout=00:00:00.300");
        var system = server.App.Services.GetRequiredService<ActorSystem>();
        var registry = server.App.Services.GetRequiredService<ActorRegistry>();

        // Before the first connection resolves the gateway: every connect now goes unanswered.
        registry.Register<ChatGateway>(system.ActorOf(Props.Create(() => new Unresponsive()), "unresponsive"), overwrite: true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatClient.ConnectRefusedAsync(server.WebSocket));
    }

    private sealed class FixedGateway(IActorRef room) : IRequiredActor<ChatGateway>
    {
        public IActorRef ActorRef => room;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(room);
    }

    private sealed class Unresponsive : ReceiveActor
    {
        public Unresponsive() => ReceiveAny(_ => { });
    }
}
