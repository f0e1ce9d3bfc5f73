using System.Net.WebSockets;

namespace ActorChat.Host.Tests;

/// <summary>
/// Admission limits are enforced at the handshake and every refusal is readable by a browser: the
/// handshake is accepted and closed at once with 1013 and a reason. A freed slot can be used again.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task A_hundred_clients_behind_one_address_all_get_in_with_the_default_limits()
    {
        await using var server = await TestServer.StartAsync();
        var clients = new List<ChatClient>();
        try
        {
            // Like a page load in a hundred offices' browsers behind one NAT address, at once.
            clients.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => server.ConnectAsync())));
            await server.WaitForRoomAsync(m => m.Connections == 100, "all 100 connections attached");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_are_closed_with_1013_and_a_reason()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnectionsPerAddress=2");
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();

        await using (var refused = await server.ConnectAsync())
        {
            Assert.Equal("too many connections from your address", await refused.ExpectCloseAsync(1013));
        }

        await first.CloseAsync();
        await using var third = await ConnectWhenAdmittedAsync(server);
        await third.SayAsync("third", "hi");
        await third.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task Connections_over_the_total_limit_are_closed_with_1013_server_is_full()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnections=2");
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();

        await using (var refused = await server.ConnectAsync())
        {
            Assert.Equal("server is full", await refused.ExpectCloseAsync(1013));
        }

        first.Abort();
        await using var third = await ConnectWhenAdmittedAsync(server);
        await third.SayAsync("third", "hi");
        await third.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task New_connections_from_one_address_over_the_rate_are_closed_with_1013_and_a_reason()
    {
        // A burst of 3 and a refill so slow that none comes back during the test.
        await using var server = await TestServer.StartAsync(
            "--ActorChat:ConnectionBurstPerAddress=3",
            "--ActorChat:ConnectionsPerSecondPerAddress=0.001");
        for (var i = 0; i < 3; i++)
        {
            await using var client = await server.ConnectAsync();
            await client.CloseAsync();
        }

        // Closing them did not give the tokens back: the rate counts attempts, not open connections.
        await using var refused = await server.ConnectAsync();
        Assert.Equal("too many new connections from your address", await refused.ExpectCloseAsync(1013));
    }

    [Fact]
    public async Task A_refused_connection_is_never_attached_to_the_room()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnections=1");
        await using var alice = await server.JoinAsync("alice");
        await using (var refused = await server.ConnectAsync())
        {
            Assert.Equal("server is full", await refused.ExpectCloseAsync(1013));
        }

        await alice.SayAsync("alice", "still alone");
        await alice.ExpectMessageAsync("alice", "still alone");
        var members = await server.MembersAsync();
        Assert.Equal(1, members.Connections);
    }

    [Fact]
    public async Task Refused_handshakes_do_not_use_up_a_slot()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnections=1");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, await ChatClient.ConnectRefusedAsync(server.WebSocket, protocols: []));
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(server.WebSocket, "http://evil.example"));
        }

        await using (var holder = await server.ConnectAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await using var refused = await server.ConnectAsync();
                Assert.Equal("server is full", await refused.ExpectCloseAsync(1013));
            }

            await holder.CloseAsync();
        }

        await using var client = await ConnectWhenAdmittedAsync(server);
        await client.SayAsync("x", "hi");
        await client.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_untrusted_peer_cannot_dodge_the_per_address_limit()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnectionsPerAddress=1");
        using var first = await ConnectForwardedAsync(server.WebSocket, "203.0.113.1");
        using var second = await ConnectForwardedAsync(server.WebSocket, "203.0.113.2");

        Assert.Equal(1013, await CloseCodeAsync(second));
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_known_proxy_gives_each_client_its_own_address()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:MaxConnectionsPerAddress=1",
            "--ActorChat:KnownProxies:0=127.0.0.1");
        using var first = await ConnectForwardedAsync(server.WebSocket, "203.0.113.1");
        using var second = await ConnectForwardedAsync(server.WebSocket, "203.0.113.2");
        using var third = await ConnectForwardedAsync(server.WebSocket, "203.0.113.1");

        Assert.Equal(1013, await CloseCodeAsync(third));
        Assert.Equal(WebSocketState.Open, first.State);
        Assert.Equal(WebSocketState.Open, second.State);
    }

    private static async Task<ClientWebSocket> ConnectForwardedAsync(Uri uri, string address)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(ChatClient.SubProtocol);
        socket.Options.SetRequestHeader("X-Forwarded-For", address);
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await socket.ConnectAsync(uri, cts.Token);
        return socket;
    }

    /// <summary>Reads until the server closes <paramref name="socket"/>; its close code.</summary>
    private static async Task<int?> CloseCodeAsync(ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        var buffer = new byte[1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (int?)socket.CloseStatus;
            }
        }
    }

    /// <summary>A slot is freed once the server has finished with the old connection; retries until then.</summary>
    private static async Task<ChatClient> ConnectWhenAdmittedAsync(TestServer server)
    {
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (true)
        {
            var client = await server.ConnectAsync();
            await client.SayAsync("probe", "?");
            var answer = await client.ReceiveOrCloseAsync();
            if (answer is { } packet)
            {
                Assert.Equal("chat-error", packet.Type());
                return client;
            }

            await client.DisposeAsync();
            Assert.True(DateTime.UtcNow < deadline, "No slot was freed in time.");
            await Task.Delay(50);
        }
    }
}
