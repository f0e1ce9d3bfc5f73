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
public sealed class V1Client : IAsyncDisposable
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

    // ---- Requests ----

    /// <summary>A fresh <c>ref</c> for a request.</summary>
    public string NextRef() => "r" + Interlocked.Increment(ref _nextRef).ToString(CultureInfo.InvariantCulture);

    /// <summary>Sends <c>{type, ref, payload}</c> and returns the reply to its ref (any type, <c>error</c> included).</summary>
    public async Task<JsonElement> RequestAsync(string type, object? payload = null, TimeSpan? timeout = null)
    {
        var requestRef = await PostAsync(type, payload);
        return await ReplyAsync(requestRef, timeout);
    }

    /// <summary>Sends <c>{type, ref, payload}</c> without waiting; returns the ref.</summary>
    public async Task<string> PostAsync(string type, object? payload = null)
    {
        var requestRef = NextRef();
        await PostAsync(requestRef, type, payload);
        return requestRef;
    }

    /// <summary>Sends <c>{type, ref, payload}</c> with the given <paramref name="requestRef"/>, without waiting.</summary>
    public Task PostAsync(string requestRef, string type, object? payload) => SendTextAsync(Envelope(type, requestRef, payload));

    /// <summary>Sends a request and checks that its reply has <paramref name="replyType"/> (and the same ref).</summary>
    public async Task<JsonElement> ExpectReplyAsync(string type, object? payload, string replyType, TimeSpan? timeout = null)
    {
        var reply = await RequestAsync(type, payload, timeout);
        Assert.True(reply.Type() == replyType, $"{Label}: {type} {Json(payload)} expected {replyType}, got {reply.GetRawText()}");
        return reply;
    }

    /// <summary>Sends a request and checks that it is refused with <c>error {code}</c> carrying its ref and a human message.</summary>
    public async Task<JsonElement> ExpectErrorAsync(string type, object? payload, string code)
    {
        var reply = await RequestAsync(type, payload);
        AssertError(reply, code, $"{type} {Json(payload)}");
        return reply;
    }

    /// <summary>Checks that <paramref name="reply"/> is <c>error {code, message}</c> with a non-empty message.</summary>
    public void AssertError(JsonElement reply, string code, string what)
    {
        Assert.True(
            reply.Type() == "error" && reply.Payload().TryGetProperty("code", out var c) && c.GetString() == code,
            $"{Label}: {what} expected error {code}, got {reply.GetRawText()}");
        Assert.True(
            reply.Payload().TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(message.GetString()),
            $"An error needs a human message: {reply.GetRawText()}");
    }

    /// <summary><c>hello {name, session?}</c> → <c>welcome</c>; remembers the session token and name.</summary>
    public async Task<JsonElement> HelloAsync(string name, string? session = null, TimeSpan? timeout = null)
    {
        var welcome = await ExpectReplyAsync("hello", Payload(("name", name), ("session", session)), "welcome", timeout);
        var payload = welcome.Payload();
        Session = payload.GetProperty("session").GetString();
        Name = payload.GetProperty("name").GetString();
        Label = Name ?? Label;
        Assert.False(string.IsNullOrEmpty(Session), $"welcome needs a session token: {welcome.GetRawText()}");
        Assert.Equal(JsonValueKind.Array, payload.GetProperty("rooms").ValueKind);
        return welcome;
    }

    /// <summary><c>join {room, since?, limit?}</c> → <c>joined</c>.</summary>
    public Task<JsonElement> JoinAsync(string room, (string Epoch, long Offset)? since = null, int? limit = null) =>
        ExpectReplyAsync("join", JoinPayload(room, since, limit), "joined");

    /// <summary>The payload of a <c>join</c>.</summary>
    public static Dictionary<string, object?> JoinPayload(string room, (string Epoch, long Offset)? since = null, int? limit = null) =>
        Payload(("room", room), ("since", since is { } s ? new Dictionary<string, object?> { ["epoch"] = s.Epoch, ["offset"] = s.Offset } : null), ("limit", limit));

    /// <summary><c>send {room, text, cid?}</c> → <c>ack</c>; returns the acked offset.</summary>
    public async Task<long> SendAsync(string room, string text, string? cid = null)
    {
        var ack = await ExpectReplyAsync("send", Payload(("room", room), ("text", text), ("cid", cid)), "ack");
        Assert.Equal(room, ack.Payload().GetProperty("room").GetString());
        return ack.Payload().GetProperty("offset").GetInt64();
    }

    /// <summary><c>leave {room}</c> → <c>left</c>.</summary>
    public Task<JsonElement> LeaveAsync(string room) => ExpectReplyAsync("leave", Payload(("room", room)), "left");

    /// <summary><c>history {room, before?, limit?}</c> → <c>history</c>.</summary>
    public Task<JsonElement> HistoryAsync(string room, long? before = null, int? limit = null) =>
        ExpectReplyAsync("history", Payload(("room", room), ("before", before), ("limit", limit)), "history");

    /// <summary>Reads the whole history of <paramref name="room"/> page by page (the room joined), oldest first.</summary>
    public async Task<List<JsonElement>> WholeHistoryAsync(string room)
    {
        var history = new List<JsonElement>();
        long? before = null;
        bool more;
        do
        {
            var page = (await HistoryAsync(room, before, limit: 100)).Payload();
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            history.InsertRange(0, messages);
            more = page.GetProperty("more").GetBoolean();
            before = messages.Count > 0 ? messages[0].Offset() : 0;
            Assert.True(messages.Count > 0 || !more, "An empty history page said there is more.");
        }
        while (more);

        return history;
    }

    /// <summary><c>rooms {}</c> → <c>rooms</c>: each room's member count.</summary>
    public async Task<Dictionary<string, int>> RoomsAsync()
    {
        var reply = await ExpectReplyAsync("rooms", new Dictionary<string, object?>(), "rooms");
        return reply.Payload().GetProperty("rooms").EnumerateArray()
            .ToDictionary(r => r.GetProperty("room").GetString()!, r => r.GetProperty("members").GetInt32());
    }

    /// <summary><c>rename {name}</c> → <c>renamed</c>.</summary>
    public async Task<JsonElement> RenameAsync(string name)
    {
        var renamed = await ExpectReplyAsync("rename", Payload(("name", name)), "renamed");
        Name = renamed.Payload().GetProperty("name").GetString();
        Label = Name ?? Label;
        return renamed;
    }

    /// <summary>The payload object of a request, leaving out members whose value is null.</summary>
    public static Dictionary<string, object?> Payload(params (string Name, object? Value)[] members)
    {
        var payload = new Dictionary<string, object?>();
        foreach (var (name, value) in members)
        {
            if (value is not null)
            {
                payload[name] = value;
            }
        }

        return payload;
    }

    /// <summary>The frame text of a request; <paramref name="payload"/> null: no payload member.</summary>
    public static string Envelope(string type, string? requestRef, object? payload)
    {
        var envelope = new Dictionary<string, object?> { ["type"] = type };
        if (requestRef is not null)
        {
            envelope["ref"] = requestRef;
        }

        if (payload is not null)
        {
            envelope["payload"] = payload;
        }

        return JsonSerializer.Serialize(envelope);
    }

    /// <summary>Sends one text frame as it is.</summary>
    public async Task SendTextAsync(string text)
    {
        using var cts = new CancellationTokenSource(TestTime.Timeout);
        await _sendLock.WaitAsync(cts.Token);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    // ---- Waiting for frames ----

    /// <summary>The reply to <paramref name="requestRef"/> (the first frame carrying it).</summary>
    public Task<JsonElement> ReplyAsync(string requestRef, TimeSpan? timeout = null) =>
        NextAsync(f => f.Ref() == requestRef, $"the reply to ref {requestRef}", timeout);

    /// <summary>
    /// The reply to <paramref name="requestRef"/>, or null when none came within
    /// <paramref name="timeout"/> or the connection ended first: for a client that retries (with the
    /// same <c>cid</c>) rather than fails.
    /// </summary>
    public async Task<JsonElement?> TryReplyAsync(string requestRef, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                // From the newest: a reply is among the last frames.
                for (var i = _received.Count - 1; i >= 0; i--)
                {
                    if (_received[i].Ref() == requestRef)
                    {
                        return _received[i];
                    }
                }

                if (_ended.Task.IsCompleted)
                {
                    return null;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Looked at once more above, then given up.
            }
        }
    }

    /// <summary>
    /// The first frame, in arrival order, that matches and was not taken by an earlier call: it is
    /// taken now. Fails when the connection ends first or nothing matches within the timeout.
    /// </summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null)
    {
        JsonElement found = default;
        await WaitAsync(
            frames =>
            {
                for (var i = 0; i < frames.Count; i++)
                {
                    if (!_taken.Contains(i) && match(frames[i]))
                    {
                        _taken.Add(i);
                        found = frames[i];
                        return true;
                    }
                }

                return false;
            },
            what,
            timeout);
        return found;
    }

    /// <summary>The next event (a frame with no ref) of <paramref name="type"/> matching <paramref name="match"/>, taken.</summary>
    public Task<JsonElement> NextEventAsync(string type, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        NextAsync(f => f.Ref() is null && f.Type() == type && (match?.Invoke(f) ?? true), $"a {type} event", timeout);

    /// <summary>Waits until <paramref name="condition"/> holds over every frame received so far (it runs under the client's lock).</summary>
    public async Task WaitAsync(Func<IReadOnlyList<JsonElement>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTime.Timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_received))
                {
                    return;
                }

                if (_ended.Task.IsCompleted)
                {
                    Assert.Fail($"{Label}: the connection ended ({EndText()}) while waiting for {what}. Received:\n{HistoryText()}");
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"{Label}: timed out waiting for {what}. Received:\n{HistoryText()}");
            }

            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more above, then failed.
            }
        }
    }

    /// <summary>Every <c>message</c> event of <paramref name="room"/> received so far, in order.</summary>
    public List<JsonElement> Messages(string room)
    {
        lock (_gate)
        {
            return [.. _received.Where(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room).Select(f => f.Payload())];
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> <c>message</c> events of <paramref name="room"/> arrived; returns them all.</summary>
    public async Task<List<JsonElement>> WaitForMessagesAsync(string room, int count, TimeSpan? timeout = null)
    {
        await WaitAsync(
            frames => frames.Count(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room) >= count,
            $"{count} messages in {room}",
            timeout);
        return Messages(room);
    }

    /// <summary>Waits until a <c>message</c> event of <paramref name="room"/> matching <paramref name="match"/> (a payload) arrived.</summary>
    public Task WaitForMessageAsync(string room, Func<JsonElement, bool> match, string what, TimeSpan? timeout = null) =>
        WaitAsync(
            frames => frames.Any(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room && match(f.Payload())),
            what,
            timeout);

    /// <summary>Every <c>presence</c> event of <paramref name="room"/> received so far, in order (payloads).</summary>
    public List<JsonElement> Presence(string room)
    {
        lock (_gate)
        {
            return [.. _received.Where(f => f.Type() == "presence" && f.Ref() is null && f.Payload().Str("room") == room).Select(f => f.Payload())];
        }
    }

    /// <summary>
    /// The members of <paramref name="room"/> as this client must see them: the last <c>joined</c> of
    /// the room, then every <c>presence</c> diff after it applied as leaves, renames, joins.
    /// </summary>
    public HashSet<string> Members(string room)
    {
        lock (_gate)
        {
            return MembersOf(_received, room);
        }
    }

    /// <summary>Waits until <see cref="Members"/> of <paramref name="room"/> is exactly <paramref name="names"/>.</summary>
    public Task WaitForMembersAsync(string room, params string[] names) => WaitForMembersAsync(TestTime.Timeout, room, names);

    /// <summary>Waits up to <paramref name="timeout"/> until <see cref="Members"/> of <paramref name="room"/> is exactly <paramref name="names"/>.</summary>
    public Task WaitForMembersAsync(TimeSpan timeout, string room, params string[] names) =>
        WaitAsync(frames => MembersOf(frames, room).SetEquals(names), $"members of {room} = [{string.Join(", ", names)}]", timeout);

    private static HashSet<string> MembersOf(IReadOnlyList<JsonElement> frames, string room)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            var payload = frame.Payload();
            if (payload.Str("room") != room)
            {
                continue;
            }

            if (frame.Type() == "left")
            {
                members.Clear();
            }
            else if (frame.Type() == "joined")
            {
                members = [.. payload.GetProperty("members").EnumerateArray().Select(m => m.GetString()!)];
            }
            else if (frame.Type() == "presence")
            {
                foreach (var leave in payload.GetProperty("leaves").EnumerateArray())
                {
                    members.Remove(leave.GetString()!);
                }

                if (payload.TryGetProperty("renames", out var renames))
                {
                    foreach (var rename in renames.EnumerateArray())
                    {
                        members.Remove(rename.Str("from")!);
                        members.Add(rename.Str("to")!);
                    }
                }

                foreach (var join in payload.GetProperty("joins").EnumerateArray())
                {
                    members.Add(join.GetString()!);
                }
            }
        }

        return members;
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

/// <summary>Shorthands for reading <c>actorchat.v1</c> frames and payloads.</summary>
public static class V1Frames
{
    /// <summary>The frame's <c>ref</c>, or null when it has none.</summary>
    public static string? Ref(this JsonElement frame) =>
        frame.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;

    /// <summary>A string member, or null when it is absent or not a string.</summary>
    public static string? Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A message payload's offset.</summary>
    public static long Offset(this JsonElement message) => message.GetProperty("offset").GetInt64();

    /// <summary>The offsets of message payloads, in order.</summary>
    public static List<long> Offsets(this IEnumerable<JsonElement> messages) => [.. messages.Select(m => m.Offset())];

    /// <summary>The <c>messages</c> array of a <c>joined</c> or <c>history</c> reply, as payloads.</summary>
    public static List<JsonElement> MessageList(this JsonElement reply) =>
        [.. reply.Payload().GetProperty("messages").EnumerateArray()];

    /// <summary>A <c>joined</c> reply's position: its epoch and last offset.</summary>
    public static (string Epoch, long Offset) Position(this JsonElement joined) =>
        (joined.Payload().GetProperty("epoch").GetString()!, joined.Payload().GetProperty("offset").GetInt64());

    /// <summary>
    /// Checks that <paramref name="message"/> has the shape of a <c>message</c> payload: room, offset ≥ 1,
    /// from, text, an RFC 3339 UTC time with milliseconds, and a string cid if any.
    /// </summary>
    public static void AssertMessageShape(JsonElement message)
    {
        var text = message.GetRawText();
        Assert.True(message.Str("room") is not null, $"message.room: {text}");
        Assert.True(message.TryGetProperty("offset", out var offset) && offset.ValueKind == JsonValueKind.Number && offset.GetInt64() >= 1, $"message.offset: {text}");
        Assert.True(message.Str("from") is not null, $"message.from: {text}");
        Assert.True(message.Str("text") is not null, $"message.text: {text}");
        Assert.True(
            message.Str("at") is { } at && DateTime.TryParseExact(at, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _),
            $"message.at must be RFC 3339 UTC with milliseconds: {text}");
        Assert.True(!message.TryGetProperty("cid", out var cid) || cid.ValueKind == JsonValueKind.String, $"message.cid: {text}");
    }

    /// <summary>Checks that offsets run <paramref name="first"/>, first+1, … with no gap and no repeat.</summary>
    public static void AssertContiguous(IReadOnlyList<long> offsets, long first, string what)
    {
        for (var i = 0; i < offsets.Count; i++)
        {
            if (offsets[i] != first + i)
            {
                Assert.Fail($"{what}: expected offset {first + i} at position {i}, got {offsets[i]} (offsets {Describe(offsets)})");
            }
        }
    }

    /// <summary>Offsets as ranges, e.g. <c>1-40, 42, 42, 43-50</c>, for failure messages.</summary>
    public static string Describe(IReadOnlyList<long> offsets)
    {
        var parts = new List<string>();
        var i = 0;
        while (i < offsets.Count)
        {
            var j = i;
            while (j + 1 < offsets.Count && offsets[j + 1] == offsets[j] + 1)
            {
                j++;
            }

            parts.Add(i == j ? offsets[i].ToString(CultureInfo.InvariantCulture) : $"{offsets[i]}-{offsets[j]}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }
}

/// <summary>Server settings the <c>actorchat.v1</c> tests share.</summary>
public static class V1Settings
{
    /// <summary>
    /// Lifts the per-connection packet rate (10/s, burst 20 by default): these tests send far more
    /// than a person would, and none of them is about the rate limit.
    /// </summary>
    public static string[] Unthrottled =>
    [
        "--ActorChat:Limits:PacketsPerSecond=1000000",
        "--ActorChat:Limits:PacketBurst=1000000",
        "--ActorChat:Limits:NameChangeBurst=1000",
    ];

    /// <summary><see cref="Unthrottled"/> and <paramref name="more"/>.</summary>
    public static string[] With(params string[] more) => [.. Unthrottled, .. more];
}
