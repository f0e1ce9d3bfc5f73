using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorChat.Browser.Tests;

/// <summary>
/// A bare <c>actorchat.v1</c> client for what a page would take too long to do: posting many
/// messages into a room before a page looks at its history. The server under test needs
/// rate limits raised for it (<see cref="FastSettings"/>).
/// </summary>
internal sealed class V1Client : IAsyncDisposable
{
    /// <summary>Server settings that let one connection post hundreds of messages at once.</summary>
    public static readonly string[] FastSettings =
    [
        "--ActorChat:Limits:PacketsPerSecond=100000", "--ActorChat:Limits:PacketBurst=100000",
    ];

    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private V1Client(ClientWebSocket socket) => _socket = socket;

    /// <summary>The payload of the server's <c>welcome</c>.</summary>
    public JsonElement Welcome { get; private set; }

    /// <summary>
    /// Connects to <paramref name="page"/>'s server and says hello as <paramref name="name"/>,
    /// resuming <paramref name="session"/> when given.
    /// </summary>
    public static async Task<V1Client> ConnectAsync(Uri page, string name, string? session = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("actorchat.v1");
        var uri = new UriBuilder(page) { Scheme = "ws" }.Uri;
        using (var cts = new CancellationTokenSource(BrowserFixture.Timeout))
        {
            await socket.ConnectAsync(uri, cts.Token);
        }

        var client = new V1Client(socket);
        var hello = new JsonObject { ["name"] = name };
        if (session is not null)
        {
            hello["session"] = session;
        }

        await client.SendAsync("hello", hello);
        client.Welcome = await client.ReceiveAsync("welcome");
        return client;
    }

    public async Task JoinAsync(string room)
    {
        await SendAsync("join", new JsonObject { ["room"] = room });
        await ReceiveAsync("joined");
    }

    /// <summary>Posts <paramref name="texts"/> to <paramref name="room"/> in order and waits for every ack.</summary>
    public async Task PostAsync(string room, IEnumerable<string> texts)
    {
        var count = 0;
        foreach (var text in texts)
        {
            await SendAsync("send", new JsonObject { ["room"] = room, ["text"] = text });
            count++;
        }

        for (var acked = 0; acked < count; acked++)
        {
            await ReceiveAsync("ack");
        }
    }

    private async Task SendAsync(string type, JsonObject payload)
    {
        var packet = new JsonObject { ["type"] = type, ["payload"] = payload };
        using var cts = new CancellationTokenSource(BrowserFixture.Timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(packet.ToJsonString()), WebSocketMessageType.Text, true, cts.Token);
    }

    /// <summary>Reads until a packet of <paramref name="type"/> and returns its payload; an error packet fails the test.</summary>
    private async Task<JsonElement> ReceiveAsync(string type)
    {
        using var cts = new CancellationTokenSource(BrowserFixture.Timeout);
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(_buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"The server closed the connection ({result.CloseStatus} {result.CloseStatusDescription}) while the client waited for {type}.");
                }

                frame.Write(_buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            using var json = JsonDocument.Parse(frame.ToArray());
            var received = json.RootElement.GetProperty("type").GetString();
            if (received == "error")
            {
                throw new InvalidOperationException($"The server answered with an error while the client waited for {type}: {json.RootElement}");
            }

            if (received == type)
            {
                return json.RootElement.TryGetProperty("payload", out var payload) ? payload.Clone() : default;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(BrowserFixture.Timeout);
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (WebSocketException)
            {
                // The server went first; nothing to close.
            }
        }

        _socket.Dispose();
    }
}
