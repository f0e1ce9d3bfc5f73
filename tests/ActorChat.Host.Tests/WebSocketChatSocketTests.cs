using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace ActorChat.Host.Tests;

/// <summary>The socket adapter over a real WebSocket pair on loopback TCP.</summary>
public sealed class WebSocketChatSocketTests
{
    [Fact]
    public async Task A_close_requested_before_the_accept_is_sent_once_the_socket_is_accepted()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        using (var chat = new WebSocketChatSocket(TimeSpan.FromSeconds(30)))
        {
            // The room drains while this connection is still being accepted.
            chat.Close(1001, "server shutting down");
            Assert.False(chat.Closed.IsCompleted);

            chat.Accepted(server);

            using var cts = new CancellationTokenSource(TestServer.Timeout);
            var result = await client.ReceiveAsync(new byte[256], cts.Token);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
            Assert.Equal(1001, (int?)client.CloseStatus);
            Assert.Equal("server shutting down", client.CloseStatusDescription);
            await chat.Closed.WaitAsync(TestServer.Timeout);
            Assert.Equal((1001, "server shutting down", "server"), chat.Outcome(server));
        }
    }

    [Fact]
    public async Task A_close_requested_before_a_handshake_that_fails_completes_without_a_socket()
    {
        using var chat = new WebSocketChatSocket(TimeSpan.FromSeconds(30));
        chat.Close(1001, "server shutting down");
        chat.EndAccepting();
        await chat.Closed.WaitAsync(TestServer.Timeout);
    }

    [Fact]
    public async Task Frames_sent_before_the_accept_go_out_before_a_close_requested_after_them()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        using (var chat = new WebSocketChatSocket(TimeSpan.FromSeconds(30)))
        {
            var send = chat.SendAsync(Encoding.UTF8.GetBytes("first"));
            chat.Accepted(server);
            await send;
            chat.Close(1000, "done");

            using var cts = new CancellationTokenSource(TestServer.Timeout);
            var buffer = new byte[256];
            var text = await client.ReceiveAsync(buffer, cts.Token);
            Assert.Equal("first", Encoding.UTF8.GetString(buffer, 0, text.Count));
            var close = await client.ReceiveAsync(buffer, cts.Token);
            Assert.Equal(WebSocketMessageType.Close, close.MessageType);
            Assert.Equal(1000, (int?)client.CloseStatus);
        }
    }

    /// <summary>
    /// The actor closes (here with 4001) on its thread just as the middleware's receive loop sees the
    /// peer's close on another: whichever wins, what the middleware awaits is that close, so once it
    /// completes the close frame has gone out and <see cref="WebSocketChatSocket.Outcome"/> names
    /// the close that was sent. Racing the two threads many times catches a close that was started
    /// but not yet visible to the middleware (it would see no close, and log and dispose the socket
    /// while the actor's close was still being sent).
    /// </summary>
    [Fact]
    public async Task The_middleware_waits_for_the_close_the_actor_started_even_as_the_peer_closes()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var (server, client) = await PairAsync();
            using (server)
            using (client)
            using (var chat = new WebSocketChatSocket(TimeSpan.FromSeconds(30)))
            {
                chat.Accepted(server);
                var go = 0;
                var actor = Task.Run(() =>
                {
                    Interlocked.Increment(ref go);
                    while (Volatile.Read(ref go) < 2)
                    {
                        Thread.SpinWait(1);
                    }

                    chat.Close(4001, "session taken over");
                });
                Interlocked.Increment(ref go);
                while (Volatile.Read(ref go) < 2)
                {
                    Thread.SpinWait(1);
                }

                chat.PeerClosed(1000);
                await chat.Closed.WaitAsync(TestServer.Timeout);
                var outcome = chat.Outcome(server);
                Assert.True(server.State != WebSocketState.Open, $"round {round}: Closed completed before a close frame was sent ({outcome})");
                if (outcome.ClosedBy == "server")
                {
                    Assert.Equal((4001, "session taken over"), (outcome.Code, outcome.Reason));
                }

                await actor.WaitAsync(TestServer.Timeout);
            }
        }
    }

    private const int Rounds = 1000;

    /// <summary>A server and a client WebSocket joined by a real TCP connection on 127.0.0.1.</summary>
    private static async Task<(WebSocket Server, WebSocket Client)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = await listener.AcceptTcpClientAsync();
        return (
            WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true }),
            WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false }));
    }
}
