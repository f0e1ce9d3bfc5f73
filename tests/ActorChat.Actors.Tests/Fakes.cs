using System.Collections.Concurrent;
using System.Text.Json;
using ActorChat.Actors;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Tests;

/// <summary>An <see cref="IChatSocket"/> that records what the actor writes; sends can be held pending.</summary>
internal sealed class FakeSocket : IChatSocket
{
    private readonly ConcurrentQueue<TaskCompletionSource> _pending = new();
    private volatile bool _holdSends;
    private int _concurrentSends;

    public ConcurrentQueue<string> Sent { get; } = new();

    public ConcurrentQueue<(int Code, string Reason)> Closes { get; } = new();

    /// <summary>Set when two sends overlapped (the actor must never do that).</summary>
    public bool Overlapped { get; private set; }

    /// <summary>While true, sends do not complete until <see cref="ReleaseOne"/>.</summary>
    public bool HoldSends
    {
        get => _holdSends;
        set => _holdSends = value;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> utf8Text)
    {
        if (Interlocked.Increment(ref _concurrentSends) > 1)
        {
            Overlapped = true;
        }

        Sent.Enqueue(System.Text.Encoding.UTF8.GetString(utf8Text.Span));
        if (!_holdSends)
        {
            Interlocked.Decrement(ref _concurrentSends);
            return ValueTask.CompletedTask;
        }

        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Enqueue(tcs);
        return new ValueTask(tcs.Task.ContinueWith(_ => Interlocked.Decrement(ref _concurrentSends), TaskScheduler.Default));
    }

    public bool ReleaseOne()
    {
        if (!_pending.TryDequeue(out var tcs))
        {
            return false;
        }

        tcs.SetResult();
        return true;
    }

    public void Close(int code, string reason) => Closes.Enqueue((code, reason));
}

/// <summary>An <see cref="ILogger"/> that keeps what is logged, for tests that check an event was logged.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception), exception));
}

internal static class Packets
{
    public static string Join(string username) =>
        JsonSerializer.Serialize(new { type = "chat-join", payload = new { username } });

    public static string Message(string username, string message) =>
        JsonSerializer.Serialize(new { type = "chat-message", payload = new { username, message } });

    public static ConnectionActor.FrameReceived Frame(string json) => new(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a frame the server sent; every server packet must carry a string payload.username.</summary>
    public static (string Type, JsonElement Payload) Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var type = doc.RootElement.GetProperty("type").GetString()!;
        var payload = doc.RootElement.GetProperty("payload").Clone();
        Assert.Equal(JsonValueKind.String, payload.GetProperty("username").ValueKind);
        return (type, payload);
    }

    public static (string Type, JsonElement Payload) Read(ConnectionActor.Deliver deliver) =>
        Read(System.Text.Encoding.UTF8.GetString(Assert.Single(deliver.Frames).Span));

    public static string Str(this JsonElement payload, string name) => payload.GetProperty(name).GetString()!;
}
