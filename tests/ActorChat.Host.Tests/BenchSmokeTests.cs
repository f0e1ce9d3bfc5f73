using ActorChat.LoadGen.Scenarios;

namespace ActorChat.Host.Tests;

/// <summary>
/// The benchmark harness's smoke check (bench/ActorChat.LoadGen) against a real server: a few
/// clients for a few seconds, every message to every client, in order. Proves the harness works,
/// not speed; it stays under the server's default rate limits.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Load_generator_smoke_run_delivers_every_message_to_every_client()
    {
        await using var server = await TestServer.StartAsync();
        using var timeout = new CancellationTokenSource(TestServer.Timeout * 6);

        var result = await SmokeScenario.RunAsync(server.WebSocket, TimeSpan.FromSeconds(2), timeout.Token);

        Assert.True(result.Messages > 0, "no message was sent");
        Assert.Equal(result.Messages * result.Clients, result.Expected);
        Assert.Equal(result.Expected, result.Delivered);
        Assert.Equal(0, result.Loss);
        Assert.Equal(0, result.Reordered);
        Assert.Empty(result.Errors);
        Assert.True(result.Passed);
    }
}
