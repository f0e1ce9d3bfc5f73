using System.Net;
using System.Net.WebSockets;

namespace ActorChat.Host.Tests;

/// <summary>
/// README ("Handshake"): a client over an admission limit is accepted and closed at once with 1013
/// and a reason, but past 256 such refusals in progress at once further ones get a plain HTTP
/// status, which costs the server nothing to hold: 503 when the server is full, 429 when the
/// client's address is over its limits. The bound is on refusals in flight, not a count.
/// </summary>
public sealed class RefusalBoundTests
{
    private const int InFlightBound = 256;

    [Fact]
    public async Task Past_256_refusals_in_flight_a_full_server_answers_plain_503_and_once_one_ends_1013_again() =>
        await AssertBoundAsync(["--ActorChat:MaxConnections=1"], HttpStatusCode.ServiceUnavailable, "server is full");

    [Fact]
    public async Task Past_256_refusals_in_flight_an_address_over_its_limit_gets_plain_429_and_once_one_ends_1013_again() =>
        await AssertBoundAsync(
            ["--ActorChat:MaxConnectionsPerAddress=1", "--ActorChat:ConnectionBurstPerAddress=100000"],
            HttpStatusCode.TooManyRequests,
            "too many connections from your address");

    /// <summary>
    /// One admitted connection fills the limit <paramref name="settings"/> set; then 256 clients are
    /// refused with 1013 and never answer the close, so each refusal stays in flight (the close
    /// timeout is pushed out of the way); the next handshake gets <paramref name="plain"/>. When one
    /// of the 256 goes away, a refusal is readable by a browser again.
    /// </summary>
    private static async Task AssertBoundAsync(string[] settings, HttpStatusCode plain, string reason)
    {
        await using var server = await TestServer.StartAsync([TestServer.LongTimerSetting("CloseTimeout"), .. settings]);
        await using var admitted = await server.ConnectAsync();
        var held = new List<ClientWebSocket>();
        try
        {
            // Connected, and the server's close frame left unread and unanswered.
            for (var batch = 0; batch < InFlightBound; batch += 32)
            {
                held.AddRange(await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => OpenAsync(server.WebSocket))));
            }

            Assert.Equal(plain, await ChatClient.ConnectRefusedAsync(server.WebSocket));
            Assert.Equal(plain, await ChatClient.ConnectRefusedAsync(server.WebSocket));

            // The first of them reads its close (1013 and the reason) and answers it: that refusal ends.
            var first = held[0];
            var buffer = new byte[256];
            using (var cts = new CancellationTokenSource(TestServer.Timeout))
            {
                Assert.Equal(WebSocketMessageType.Close, (await first.ReceiveAsync(buffer, cts.Token)).MessageType);
                Assert.Equal(((WebSocketCloseStatus)1013, reason), (first.CloseStatus, first.CloseStatusDescription));
                await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }

            // Its slot is freed once the server has finished with it: a refusal by close frame again.
            var deadline = DateTime.UtcNow + TestServer.Timeout;
            while (true)
            {
                var next = new ClientWebSocket();
                next.Options.AddSubProtocol(ChatClient.SubProtocol);
                next.Options.CollectHttpResponseDetails = true;
                try
                {
                    using var cts = new CancellationTokenSource(TestServer.Timeout);
                    await next.ConnectAsync(server.WebSocket, cts.Token);
                    Assert.Equal(WebSocketMessageType.Close, (await next.ReceiveAsync(buffer, cts.Token)).MessageType);
                    Assert.Equal(((WebSocketCloseStatus)1013, reason), (next.CloseStatus, next.CloseStatusDescription));
                    next.Dispose();
                    break;
                }
                catch (WebSocketException) when (next.HttpStatusCode == plain && DateTime.UtcNow < deadline)
                {
                    next.Dispose();
                    await Task.Delay(20);
                }
            }
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    private static async Task<ClientWebSocket> OpenAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(ChatClient.SubProtocol);
        try
        {
            using var cts = new CancellationTokenSource(TestServer.Timeout);
            await socket.ConnectAsync(uri, cts.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
