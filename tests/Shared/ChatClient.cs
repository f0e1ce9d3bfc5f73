using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ActorChat.Tests;

/// <summary>
/// A test client around <see cref="ClientWebSocket"/> speaking <c>beej-chat-protocol</c>. Every
/// packet it receives is checked against the protocol's invariant: a JSON object with a string
/// <c>type</c> and an object <c>payload</c> carrying a string <c>username</c>.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    public const string SubProtocol = "beej-chat-protocol";

    private const int MaxIncoming = 1024 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[16 * 1024];

    private ChatClient(ClientWebSocket socket) => _socket = socket;

    public WebSocket Socket => _socket;

    public string? SubProtocolSelected => _socket.SubProtocol;

    /// <summary>Every packet received so far, in order (for failure messages).</summary>
    public List<string> Received { get; } = [];

    /// <summary>Connects; throws <see cref="WebSocketException"/> when the handshake is refused.</summary>
    public static async Task<ChatClient> ConnectAsync(Uri uri, string? origin = null, string[]? protocols = null)
    {
        var socket = CreateSocket(origin, protocols ?? [SubProtocol]);
        try
        {
            using var cts = new CancellationTokenSource(TestTime.Timeout);
            await socket.ConnectAsync(uri, cts.Token);
            return new ChatClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Attempts a handshake that must be refused; returns the HTTP status the server answered.</summary>
    public static async Task<HttpStatusCode> ConnectRefusedAsync(Uri uri, string? origin = null, string[]? protocols = null)
    {
        using var socket = CreateSocket(origin, protocols ?? [SubProtocol]);
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, cts.Token));
        return socket.HttpStatusCode;
    }

    private static ClientWebSocket CreateSocket(string? origin, string[] protocols)
    {
        var socket = new ClientWebSocket();
        foreach (var protocol in protocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        return socket;
    }

    public Task JoinAsync(string username) =>
        SendPacketAsync("chat-join", new Dictionary<string, object?> { ["username"] = username });

    public Task SayAsync(string username, string message) =>
        SendPacketAsync("chat-message", new Dictionary<string, object?> { ["username"] = username, ["message"] = message });

    public Task SendPacketAsync(string type, Dictionary<string, object?> payload) =>
        SendTextAsync(JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = type, ["payload"] = payload }));

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, WebSocketMessageType type, bool endOfMessage = true)
    {
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        await _socket.SendAsync(bytes, type, endOfMessage, cts.Token);
    }

    /// <summary>The next packet; fails if the connection closes or nothing arrives within the timeout.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        var frame = await ReceiveFrameAsync(timeout ?? TestTime.Timeout);
        Assert.True(
            frame.Type == WebSocketMessageType.Text,
            $"Expected a packet, got {frame.Type} (close {(int?)_socket.CloseStatus} \"{_socket.CloseStatusDescription}\"). Received so far:\n{History()}");
        return Parse(frame.Text!);
    }

    /// <summary>The next packet, or null when the server closed the connection (the close is answered).</summary>
    public async Task<JsonElement?> ReceiveOrCloseAsync(TimeSpan? timeout = null)
    {
        var frame = await ReceiveFrameAsync(timeout ?? TestTime.Timeout);
        if (frame.Type == WebSocketMessageType.Close)
        {
            await CompleteCloseAsync();
            return null;
        }

        Assert.True(frame.Type == WebSocketMessageType.Text, $"Expected a text frame, got {frame.Type}.");
        return Parse(frame.Text!);
    }

    /// <summary>The close code the server sent, once a close was received.</summary>
    public int? CloseStatus => (int?)_socket.CloseStatus;

    /// <summary>The next packet, which must have the given type.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? timeout = null)
    {
        var packet = await ReceiveAsync(timeout);
        Assert.True(packet.Type() == type, $"Expected {type}, got {packet.GetRawText()}. Received so far:\n{History()}");
        return packet;
    }

    /// <summary>The next packet, which must be a <c>chat-message</c> from <paramref name="username"/> saying <paramref name="message"/>.</summary>
    public async Task ExpectMessageAsync(string username, string message)
    {
        var packet = await ExpectAsync("chat-message");
        Assert.Equal(username, packet.Username());
        Assert.Equal(message, packet.Payload().GetProperty("message").GetString());
    }

    /// <summary>The next packet, which must be a <c>chat-error</c> with <paramref name="code"/> addressed to <paramref name="username"/>.</summary>
    public async Task<JsonElement> ExpectErrorAsync(string code, string username = "")
    {
        var packet = await ExpectAsync("chat-error");
        Assert.Equal(code, packet.Payload().GetProperty("code").GetString());
        Assert.Equal(username, packet.Username());
        Assert.False(string.IsNullOrWhiteSpace(packet.Payload().GetProperty("message").GetString()), "chat-error needs a human message");
        return packet;
    }

    /// <summary>The next frame must be a close with <paramref name="code"/>; answers it so the handshake completes.</summary>
    public async Task<string?> ExpectCloseAsync(int code, TimeSpan? timeout = null)
    {
        (WebSocketMessageType Type, string? Text) frame;
        try
        {
            frame = await ReceiveFrameAsync(timeout ?? TestTime.Timeout);
        }
        catch (WebSocketException ex)
        {
            Assert.Fail($"Expected close {code}, but the connection ended without a close frame ({ex.Message} {ex.InnerException?.Message}). Received so far:\n{History()}");
            throw;
        }

        Assert.True(
            frame.Type == WebSocketMessageType.Close,
            $"Expected close {code}, got {frame.Type}: {frame.Text}. Received so far:\n{History()}");
        Assert.Equal(code, (int?)_socket.CloseStatus);
        await CompleteCloseAsync();
        return _socket.CloseStatusDescription;
    }

    /// <summary>
    /// Reads until the connection ends and returns the close code, or null when the connection
    /// was dropped without a close frame. Packets before the end are checked and recorded.
    /// </summary>
    public async Task<int?> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTime.Timeout);
        try
        {
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, $"The connection did not end in time. Received so far:\n{History()}");
                var frame = await ReceiveFrameAsync(left);
                if (frame.Type == WebSocketMessageType.Close)
                {
                    await CompleteCloseAsync();
                    return (int?)_socket.CloseStatus;
                }

                Parse(frame.Text!);
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>A normal close from the client side (1000), waiting for the server's answer.</summary>
    public async Task CloseAsync()
    {
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
    }

    /// <summary>Drops the connection without a close handshake.</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task CompleteCloseAsync()
    {
        if (_socket.State == WebSocketState.CloseReceived)
        {
            using var cts = new CancellationTokenSource(TestTime.Timeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (WebSocketException)
            {
                // The server may already have dropped the TCP connection after its close frame.
            }
        }
    }

    private async Task<(WebSocketMessageType Type, string? Text)> ReceiveFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(_buffer.AsMemory(), cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (WebSocketMessageType.Close, null);
                }

                message.Write(_buffer, 0, result.Count);
                Assert.True(message.Length <= MaxIncoming, "The server sent an oversized message.");
                if (result.EndOfMessage)
                {
                    if (result.MessageType != WebSocketMessageType.Text)
                    {
                        return (result.MessageType, null);
                    }

                    var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                    return (WebSocketMessageType.Text, text);
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"Nothing arrived within {timeout.TotalSeconds} s. Received so far:\n{History()}");
            throw;
        }
    }

    private JsonElement Parse(string text)
    {
        Received.Add(text);
        JsonElement packet;
        try
        {
            using var document = JsonDocument.Parse(text);
            packet = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            Assert.Fail($"The server sent invalid JSON ({ex.Message}): {text}");
            throw;
        }

        Assert.True(packet.ValueKind == JsonValueKind.Object, $"A packet must be a JSON object: {text}");
        Assert.True(packet.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String, $"A packet needs a string type: {text}");
        Assert.True(packet.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object, $"A packet needs an object payload: {text}");
        Assert.True(payload.TryGetProperty("username", out var username) && username.ValueKind == JsonValueKind.String, $"Every packet carries a string payload.username: {text}");
        return packet;
    }

    private string History() => Received.Count == 0 ? "(nothing)" : string.Join('\n', Received.TakeLast(20));
}

/// <summary>Shorthands for reading packets.</summary>
public static class PacketExtensions
{
    public static string Type(this JsonElement packet) => packet.GetProperty("type").GetString()!;

    public static JsonElement Payload(this JsonElement packet) => packet.GetProperty("payload");

    public static string Username(this JsonElement packet) => packet.Payload().GetProperty("username").GetString()!;

    public static string? Field(this JsonElement packet, string name) =>
        packet.Payload().TryGetProperty(name, out var value) ? value.GetString() : null;
}
