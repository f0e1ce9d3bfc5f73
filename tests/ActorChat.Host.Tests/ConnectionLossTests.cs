namespace ActorChat.Host.Tests;

/// <summary>Connections that end without a close handshake are noticed, and their leave announced once.</summary>
public sealed class ConnectionLossTests
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
    public async Task A_half_open_peer_that_never_answers_pings_is_dropped_and_its_leave_announced()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:KeepAliveInterval=00:00:01",
            "--ActorChat:KeepAliveTimeout=00:00:01");
        await using var alice = await server.JoinAsync("alice");

        // Completes the handshake, joins, then never reads again (so never answers a ping).
        using var silent = await RawWebSocket.ConnectAsync(server.Port);
        await silent.SendTextAsync("""{"type":"chat-join","payload":{"username":"silent"}}""");
        Assert.Equal("silent", (await alice.ExpectAsync("chat-join")).Username());

        // alice keeps reading, so she answers the server's pings and stays.
        Assert.Equal("silent", (await alice.ExpectAsync("chat-leave", TimeSpan.FromSeconds(20))).Username());
        Assert.True(await silent.ReadToEndAsync(TestServer.Timeout), "The server should have ended the silent peer's TCP connection.");
        await AssertNoMoreLeavesAsync(server, alice);
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
