using System.Net;
using System.Net.WebSockets;

namespace ActorChat.Host.Tests;

/// <summary>
/// README (<c>KnownProxies</c>): a known proxy's <c>X-Forwarded-Proto</c> is trusted, anyone else's
/// ignored. The scheme is what the page's own origin is made of: behind a proxy that ends TLS, the
/// page is <c>https://</c> while the request reaches the server as plain http.
/// </summary>
public sealed class ForwardedProtoTests
{
    [Fact]
    public async Task From_a_known_proxy_X_Forwarded_Proto_https_makes_the_https_page_the_servers_own_origin()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:KnownProxies:0=127.0.0.1");
        var https = $"https://127.0.0.1:{server.Port}";

        using (var socket = await ConnectAsync(server, https, "https"))
        {
            Assert.Equal(WebSocketState.Open, socket.State);
        }

        // Without the header the request is plain http: an https page is another origin.
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(server, https, proto: null));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(server, server.Origin, "https"));
    }

    [Fact]
    public async Task From_a_peer_that_is_not_a_known_proxy_X_Forwarded_Proto_is_ignored()
    {
        // 127.0.0.2 is a proxy, but the tests connect from 127.0.0.1; and a server with none.
        foreach (var settings in new[] { new[] { "--ActorChat:KnownProxies:0=127.0.0.2" }, [] })
        {
            await using var server = await TestServer.StartAsync(settings);
            Assert.Equal(HttpStatusCode.Forbidden, await RefusedAsync(server, $"https://127.0.0.1:{server.Port}", "https"));
            using var socket = await ConnectAsync(server, server.Origin, "https");
            Assert.Equal(WebSocketState.Open, socket.State);
        }
    }

    private static ClientWebSocket Create(string origin, string? proto)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(ChatClient.SubProtocol);
        socket.Options.SetRequestHeader("Origin", origin);
        socket.Options.SetRequestHeader("X-Forwarded-For", "203.0.113.7");
        if (proto is not null)
        {
            socket.Options.SetRequestHeader("X-Forwarded-Proto", proto);
        }

        return socket;
    }

    private static async Task<ClientWebSocket> ConnectAsync(TestServer server, string origin, string? proto)
    {
        var socket = Create(origin, proto);
        try
        {
            using var cts = new CancellationTokenSource(TestServer.Timeout);
            await socket.ConnectAsync(server.WebSocket, cts.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<HttpStatusCode> RefusedAsync(TestServer server, string origin, string? proto)
    {
        using var socket = Create(origin, proto);
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocket, cts.Token));
        return socket.HttpStatusCode;
    }
}
