using Akka.Actor;
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
}
