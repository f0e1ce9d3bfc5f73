using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ActorChat.Tests;

/// <summary>
/// A test client around <see cref="ClientWebSocket"/> speaking <c>actorchat.v1</c>. It reads all the
/// time on its own (so it answers pings and the server never sees it as slow), keeps every frame it
/// received in order, and checks each against the envelope of the contract: a JSON object with a
/// string <c>type</c>, an optional string <c>ref</c> and an object <c>payload</c>. Requests go out with
/// a fresh <c>ref</c> and the test awaits the reply to that <c>ref</c>; events (no <c>ref</c>) are read
/// from <see cref="Received"/> by condition. Tests read the JSON here with <see cref="JsonDocument"/>;
/// the product's JSON stays in src/ActorChat.Protocol.
/// </summary>
public sealed partial class V1Client : IAsyncDisposable
{
    public const string SubProtocol = "actorchat.v1";

    private const int MaxIncoming = 4 * 1024 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;
    private readonly Socket _tcp;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<JsonElement> _received = [];
    private readonly HashSet<int> _taken = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextRef;
    private string? _endedBecause;

    private V1Client(ClientWebSocket socket, HttpMessageInvoker invoker, Socket tcp, string label)
    {
        _socket = socket;
        _invoker = invoker;
        _tcp = tcp;
        Label = label;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>A name for failure messages (the name the client said hello with, once it did).</summary>
    public string Label { get; private set; }

    /// <summary>The subprotocol the server selected.</summary>
    public string? SubProtocolSelected => _socket.SubProtocol;

    /// <summary>The token of the last <c>welcome</c> (to resume with).</summary>
    public string? Session { get; private set; }

    /// <summary>The name of the last <c>welcome</c> or <c>renamed</c>.</summary>
    public string? Name { get; private set; }

    /// <summary>The close code the server sent, once a close frame arrived; null before, or when the connection dropped without one.</summary>
    public int? CloseStatus { get; private set; }

    /// <summary>The reason of the server's close frame.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Every frame received so far, in order.</summary>
    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>True once the connection ended (close frame, drop, or <see cref="Reset"/>).</summary>
    public bool Ended => _ended.Task.IsCompleted;

    /// <summary>Completes when the connection ends, with no bound (for a client that reconnects whenever that happens).</summary>
    public Task Completion => _ended.Task;

    /// <summary>
    /// Connects offering <paramref name="protocols"/> (default: <c>actorchat.v1</c> alone). The TCP
    /// socket is kept, so <see cref="Reset"/> can end the connection with a real reset.
    /// </summary>
    public static async Task<V1Client> ConnectAsync(Uri uri, string label = "client", string[]? protocols = null, string? origin = null)
    {
        Socket? tcp = null;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancel);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                tcp = socket;
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var client = new ClientWebSocket();
        foreach (var protocol in protocols ?? [SubProtocol])
        {
            client.Options.AddSubProtocol(protocol);
        }

        if (origin is not null)
        {
            client.Options.SetRequestHeader("Origin", origin);
        }

        try
        {
            using var cts = new CancellationTokenSource(TestTime.Timeout);
            await client.ConnectAsync(uri, invoker, cts.Token);
            Assert.NotNull(tcp);
            return new V1Client(client, invoker, tcp, label);
        }
        catch
        {
            client.Dispose();
            invoker.Dispose();
            throw;
        }
    }

    /// <summary>Connects, says <c>hello</c> as <paramref name="name"/> and checks the <c>welcome</c> of a new session.</summary>
    public static async Task<V1Client> HelloAsync(Uri uri, string name)
    {
        var client = await ConnectAsync(uri, name);
        try
        {
            var welcome = await client.HelloAsync(name);
            Assert.False(welcome.Payload().GetProperty("resumed").GetBoolean(), $"A new session was taken as resumed: {welcome.GetRawText()}");
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    // ---- Ending ----

    /// <summary>Waits until the connection ended; returns the server's close code (null: no close frame).</summary>
    public async Task<int?> WaitForEndAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _ended.Task.WaitAsync(timeout ?? TestTime.Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Label}: the connection did not end in time. Received:\n{HistoryText()}");
        }

        return CloseStatus;
    }

    /// <summary>Waits for the server to close the connection with <paramref name="code"/>; returns the reason.</summary>
    public async Task<string?> ExpectCloseAsync(int code, TimeSpan? timeout = null)
    {
        var status = await WaitForEndAsync(timeout);
        Assert.True(status == code, $"{Label}: expected close {code}, got {EndText()}. Received:\n{HistoryText()}");
        return CloseReason;
    }

    /// <summary>A normal close (1000) from this side, waiting for the server's answer.</summary>
    public async Task CloseAsync()
    {
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        await _sendLock.WaitAsync(cts.Token);
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        }
        finally
        {
            _sendLock.Release();
        }

        await WaitForEndAsync();
    }

    /// <summary>Ends the connection with a TCP reset (SO_LINGER 0): no close frame, nothing more read or sent.</summary>
    public void Reset()
    {
        try
        {
            _tcp.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }

        _tcp.Close();
        _socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        try
        {
            await _reader.WaitAsync(TestTime.Timeout);
        }
        catch (TimeoutException)
        {
            // The reader ends with the aborted socket; nothing to wait for past the bound.
        }

        _socket.Dispose();
        _invoker.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = (int?)_socket.CloseStatus;
                    CloseReason = _socket.CloseStatusDescription;
                    await AnswerCloseAsync();
                    End("closed");
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (message.Length > MaxIncoming)
                {
                    End($"the server sent a message over {MaxIncoming} bytes");
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    End("the server sent a binary frame");
                    return;
                }

                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                message.SetLength(0);
                if (Check(text) is { } problem)
                {
                    End(problem);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            End($"dropped ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private async Task AnswerCloseAsync()
    {
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        try
        {
            await _sendLock.WaitAsync(cts.Token);
            try
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server may already have dropped the TCP connection after its close frame.
        }
    }

    /// <summary>Parses and records one frame; a problem with its envelope ends the client (and fails the waiting test).</summary>
    private string? Check(string text)
    {
        JsonElement frame;
        try
        {
            using var document = JsonDocument.Parse(text);
            frame = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return $"the server sent invalid JSON ({ex.Message}): {text}";
        }

        if (frame.ValueKind != JsonValueKind.Object
            || !frame.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !frame.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object
            || (frame.TryGetProperty("ref", out var r) && r.ValueKind != JsonValueKind.String))
        {
            return $"the server sent a frame that is not {{type: string, ref?: string, payload: object}}: {text}";
        }

        lock (_gate)
        {
            _received.Add(frame);
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }

        return null;
    }

    private void End(string why)
    {
        lock (_gate)
        {
            _endedBecause ??= why;
            _ended.TrySetResult();
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }
    }

    private string EndText() =>
        CloseStatus is { } code ? $"close {code} \"{CloseReason}\"" : _endedBecause ?? "still open";

    private string HistoryText()
    {
        lock (_gate)
        {
            return _received.Count == 0 ? "(nothing)" : string.Join('\n', _received.TakeLast(30).Select(f => f.GetRawText()));
        }
    }

    private static string Json(object? payload) => payload is null ? "(no payload)" : JsonSerializer.Serialize(payload);
}
