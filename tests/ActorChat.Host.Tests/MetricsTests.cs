namespace ActorChat.Host.Tests;

/// <summary>The server's meters, as an operator scrapes them from <c>/metrics</c> (Prometheus text format).</summary>
[Collection(RunsAlone.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_connections_joins_messages_and_rejections()
    {
        await using var server = await TestServer.StartAsync();
        var alice = await server.JoinAsync("alice");
        await alice.SayAsync("alice", "one");
        await alice.ExpectMessageAsync("alice", "one");
        await alice.SendTextAsync("not json");
        await alice.ExpectErrorAsync("invalid-json", "alice");

        using var http = server.CreateHttpClient();
        var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Matches(@"(?m)^actorchat_connections_open\{[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^actorchat_joins_total\{[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^actorchat_messages_in_total\{[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^actorchat_packets_rejected_total\{[^}]*code=""invalid-json""[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^actorchat_broadcast_fanout_duration_seconds_count\{[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^actorchat_frames_out_total\{[^}]*\} [1-9]", text);
        await alice.DisposeAsync();
    }
}
