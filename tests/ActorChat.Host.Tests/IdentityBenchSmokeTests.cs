using ActorChat.LoadGen.Identity;

namespace ActorChat.Host.Tests;

/// <summary>
/// The identity benchmarks' load-generator modes (bench/connect-rate.sh, bench/moderation-fanout.sh)
/// against a real server in <c>Auth:Mode optional</c>, a few clients each: every connect signs in
/// (with its token, anonymously, and as a returning user) and every act reaches every member. Proves
/// the harness works, not speed.
/// </summary>
public sealed class IdentityBenchSmokeTests
{
    private const string Audience = "actorchat-bench-tests";
    private const string Admin = "bench-admin";

    private readonly string _secret = TestTokens.NewSecret();

    [Fact]
    public async Task Connect_rate_signs_every_connection_in_with_a_token_anonymously_and_again()
    {
        await using var server = await StartAsync();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ConnectRate.RunAsync(
            ["--url", server.WebSocket.ToString(), "--audience", Audience, "--connections", "6", "--concurrency", "3", "--rounds", "1", "--warmup", "0", "--returning", "1", "--timeout", Seconds()],
            output,
            error,
            _secret);

        Assert.True(code == 0, $"exit {code}: {output}{error}");
        var text = output.ToString();
        Assert.Contains("round 0 token    : 6 connects", text, StringComparison.Ordinal);
        Assert.Contains("round 1 anonymous: 6 connects", text, StringComparison.Ordinal);
        Assert.Contains("round 2 returning: 6 connects", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_rate_counts_a_refused_token_as_a_failed_connect()
    {
        await using var server = await StartAsync();
        var output = new StringWriter();

        var code = await ConnectRate.RunAsync(
            ["--url", server.WebSocket.ToString(), "--audience", "another-app", "--connections", "2", "--concurrency", "2", "--rounds", "1", "--warmup", "0", "--timeout", Seconds()],
            output,
            new StringWriter(),
            _secret);

        Assert.Equal(1, code);
        Assert.Contains("round 0 token    : 0 connects", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("failed 2 (server answered error invalid-token", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Moderation_fanout_times_acts_that_reach_every_member()
    {
        await using var server = await StartAsync();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ModerationFanout.RunAsync(
            ["--url", server.WebSocket.ToString(), "--audience", Audience, "--admin", Admin, "--members", "12", "--acts", "3", "--warmup", "1", "--concurrency", "4", "--timeout", Seconds()],
            output,
            error,
            _secret);

        Assert.True(code == 0, $"exit {code}: {output}{error}");
        Assert.Contains("12 anonymous members and one admin joined", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("3 acts (configure topic, after 1 unrecorded), each reaching all 12 members", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Moderation_fanout_fails_when_the_actor_is_not_allowed_to_act()
    {
        await using var server = await StartAsync();
        var error = new StringWriter();

        // not in Auth:Admins, and the admin-to-be joins the room after the members' first one made it
        var code = await ModerationFanout.RunAsync(
            ["--url", server.WebSocket.ToString(), "--audience", Audience, "--admin", "not-an-admin", "--room", "lobby", "--members", "2", "--acts", "1", "--warmup", "0", "--timeout", Seconds()],
            new StringWriter(),
            error,
            _secret);

        Assert.Equal(1, code);
        Assert.Contains("forbidden", error.ToString(), StringComparison.Ordinal);
    }

    private static string Seconds() => Math.Ceiling(TestServer.Timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task<TestServer> StartAsync() => TestServer.StartAsync(
        "--ActorChat:Auth:Mode=optional",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
        $"--ActorChat:Auth:Admins:0={Admin}",
        "--ActorChat:ConnectionsPerSecondPerAddress=1000000",
        "--ActorChat:ConnectionBurstPerAddress=1000000");
}
