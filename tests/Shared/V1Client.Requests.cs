using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ActorChat.Tests;

/// <summary><see cref="V1Client"/>: sending requests and the shorthands for each packet type.</summary>
public sealed partial class V1Client
{
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
}
