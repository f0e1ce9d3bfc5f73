namespace ActorChat.Host.Tests;

/// <summary>Connections that end without a close handshake are noticed, and their leave announced once.</summary>
public sealed class ConnectionLossTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task An_aborted_client_leaves_exactly_once()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        bob.Abort();

        Assert.Equal("bob", (await alice.ExpectAsync("chat-leave")).Username());
        await AssertNoMoreLeavesAsync(server, alice);
    }

    [Fact]
    public async Task A_TCP_reset_of_a_joined_client_is_a_leave_exactly_once()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var carol = await server.JoinAsync("carol");
        await alice.ExpectAsync("chat-join");
        using var bob = await RawWebSocket.ConnectAsync(server.Port);
        await bob.SendTextAsync("""{"type":"chat-join","payload":{"username":"bob"}}""");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());
        Assert.Equal("bob", (await carol.ExpectAsync("chat-join")).Username());

        bob.Reset();

        Assert.Equal("bob", (await alice.ExpectAsync("chat-leave")).Username());
        Assert.Equal("bob", (await carol.ExpectAsync("chat-leave")).Username());
        await AssertNoMoreLeavesAsync(server, alice, carol);
    }

    [Fact]
    public async Task A_TCP_reset_in_the_middle_of_a_frame_is_a_leave_exactly_once()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        using var bob = await RawWebSocket.ConnectAsync(server.Port);
        await bob.SendTextAsync("""{"type":"chat-join","payload":{"username":"bob"}}""");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());

        await bob.SendFrameAsync(0x1, "{\"type\":\"chat-mess"u8.ToArray(), fin: false);
        bob.Reset();

        Assert.Equal("bob", (await alice.ExpectAsync("chat-leave")).Username());
        await AssertNoMoreLeavesAsync(server, alice);
    }

    [Fact]
    public async Task A_half_open_peer_is_dropped_within_interval_plus_timeout_of_its_last_frame()
    {
        var interval = TimeSpan.FromSeconds(3);
        var timeout = TimeSpan.FromSeconds(3);
        await using var server = await TestServer.StartAsync(
            $"--ActorChat:KeepAliveInterval={interval}",
            $"--ActorChat:KeepAliveTimeout={timeout}");
        await using var alice = await server.JoinAsync("alice");

        // Completes the handshake, joins, then never reads again (so never answers a ping).
        using var silent = await RawWebSocket.ConnectAsync(server.Port);
        var lastFrame = System.Diagnostics.Stopwatch.StartNew();
        await silent.SendTextAsync("""{"type":"chat-join","payload":{"username":"silent"}}""");
        Assert.Equal("silent", (await alice.ExpectAsync("chat-join")).Username());

        // alice keeps reading, so she answers the server's pings and stays.
        Assert.Equal("silent", (await alice.ExpectAsync("chat-leave", TestTime.Scale((interval + timeout) * 3))).Username());
        var detected = lastFrame.Elapsed;
        output.WriteLine($"silent peer dropped {detected.TotalSeconds:F2} s after its last frame (KeepAliveInterval {interval}, KeepAliveTimeout {timeout})");

        // The documented bound: a dead peer is dropped within KeepAliveInterval + KeepAliveTimeout
        // of the last frame received from it, and never before KeepAliveInterval of silence.
        Assert.True(detected <= interval + timeout, $"Dropped {detected.TotalSeconds:F2} s after its last frame; the bound is {(interval + timeout).TotalSeconds} s.");
        Assert.True(detected >= interval, $"Dropped after only {detected.TotalSeconds:F2} s of silence.");
        Assert.True(await silent.ReadToEndAsync(TestServer.Timeout), "The server should have ended the silent peer's TCP connection.");
        await AssertNoMoreLeavesAsync(server, alice);
    }

    [Theory]
    [InlineData(15, 15)]
    [InlineData(1, 1)]
    [InlineData(30, 5)]
    [InlineData(5, 60)]
    public void The_framework_keepalive_is_scaled_so_its_worst_case_fits_the_documented_bound(int intervalSeconds, int timeoutSeconds)
    {
        var interval = TimeSpan.FromSeconds(intervalSeconds);
        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var (i, t) = KeepAlive.Effective(interval, timeout);

        // The framework pings at the first heartbeat after i of silence and gives up at the first
        // heartbeat after t more; heartbeats are min(i, t) / 4 apart.
        var heartbeat = TimeSpan.FromTicks(Math.Min(i.Ticks, t.Ticks) / 4);
        var worstCase = i + t + (2 * heartbeat);
        Assert.True(worstCase <= (interval + timeout) * KeepAlive.Budget * 1.0001, $"worst case {worstCase} over the budget of {interval + timeout}");
        Assert.True(i <= interval && t <= timeout);
    }

    /// <summary>The room is consistent again and nothing further was announced: the next packet is a fresh message.</summary>
    private static async Task AssertNoMoreLeavesAsync(TestServer server, params ChatClient[] clients)
    {
        await server.WaitForRoomAsync(m => m.Connections == clients.Length, "the lost connection detached");
        await clients[0].SayAsync("alice", "still here");
        foreach (var client in clients)
        {
            await client.ExpectMessageAsync("alice", "still here");
        }
    }
}
