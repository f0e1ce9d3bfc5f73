using System.Net;
using System.Net.WebSockets;

namespace ActorChat.Host.Tests;

/// <summary>Admission limits are enforced at the handshake, and a freed slot can be used again.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_over_the_per_address_limit_are_refused_with_429()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnectionsPerAddress=2");
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, await ChatClient.ConnectRefusedAsync(server.WebSocket));

        await first.CloseAsync();
        await using var third = await ConnectWhenAdmittedAsync(server);
        await third.SayAsync("third", "hi");
        await third.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task Connections_over_the_total_limit_are_refused_with_503()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnections=2");
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatClient.ConnectRefusedAsync(server.WebSocket));

        first.Abort();
        await using var third = await ConnectWhenAdmittedAsync(server);
        await third.SayAsync("third", "hi");
        await third.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task Refused_handshakes_do_not_use_up_a_slot()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnections=1");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await ChatClient.ConnectRefusedAsync(server.WebSocket, protocols: []));
            Assert.Equal(HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(server.WebSocket, "http://evil.example"));
        }

        await using var client = await server.ConnectAsync();
        await client.SayAsync("x", "hi");
        await client.ExpectErrorAsync("not-joined");
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_untrusted_peer_cannot_dodge_the_per_address_limit()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:MaxConnectionsPerAddress=1");
        using var first = await ConnectForwardedAsync(server.WebSocket, "203.0.113.1");

        var second = CreateForwarded("203.0.113.2");
        second.Options.CollectHttpResponseDetails = true;
        using (second)
        {
            using var cts = new CancellationTokenSource(TestServer.Timeout);
            await Assert.ThrowsAsync<WebSocketException>(() => second.ConnectAsync(server.WebSocket, cts.Token));
            Assert.Equal(HttpStatusCode.TooManyRequests, second.HttpStatusCode);
        }
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_known_proxy_gives_each_client_its_own_address()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:MaxConnectionsPerAddress=1",
            "--ActorChat:KnownProxies:0=127.0.0.1");
        using var first = await ConnectForwardedAsync(server.WebSocket, "203.0.113.1");
        using var second = await ConnectForwardedAsync(server.WebSocket, "203.0.113.2");

        var third = CreateForwarded("203.0.113.1");
        third.Options.CollectHttpResponseDetails = true;
        using (third)
        {
            using var cts = new CancellationTokenSource(TestServer.Timeout);
            await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(server.WebSocket, cts.Token));
            Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);
        }
    }

    private static ClientWebSocket CreateForwarded(string address)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(ChatClient.SubProtocol);
        socket.Options.SetRequestHeader("X-Forwarded-For", address);
        return socket;
    }

    private static async Task<ClientWebSocket> ConnectForwardedAsync(Uri uri, string address)
    {
        var socket = CreateForwarded(address);
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await socket.ConnectAsync(uri, cts.Token);
        return socket;
    }

    /// <summary>A slot is freed once the server has finished with the old connection; retries until then.</summary>
    private static async Task<ChatClient> ConnectWhenAdmittedAsync(TestServer server)
    {
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (true)
        {
            try
            {
                return await server.ConnectAsync();
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
