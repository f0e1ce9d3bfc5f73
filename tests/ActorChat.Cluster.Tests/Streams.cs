using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// One sender streaming into one room the way a careful client does: one <c>send</c> at a time,
/// each with a <c>cid</c>; a send that gets no answer within <c>retryAfter</c> (its node died with
/// it) is sent again with the same <c>cid</c>, which the room acks once. Every ack is kept with the
/// time it came, so a test can check that each acked message is in history and measure outages.
/// </summary>
public sealed class RoomSender(ResumingClient sender, string room, string prefix, TimeSpan retryAfter, Stopwatch clock)
{
    private readonly List<Acked> _acks = [];
    private readonly List<string> _problems = [];
    private TaskCompletionSource _acked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _running;
    private int _retries;

    /// <summary>How long a careful client waits for the answer to a request before it sends it again (a send with its cid, a join, a hello on a new connection).</summary>
    public static readonly TimeSpan RetryAfterDefault = TestTime.Seconds(3);

    /// <summary>How long the sender may take to resume after losing its connection.</summary>
    public static readonly TimeSpan ResumeBound = TestTime.Seconds(60);

    /// <summary>The pause after each ack before the next send.</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(20);

    public string Room { get; } = room;

    /// <summary>Sends given no answer in time and sent again with their cid.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>The acks so far, in order.</summary>
    public IReadOnlyList<Acked> Acks
    {
        get
        {
            lock (_acks)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Replies other than <c>ack</c>, and sends retried, as text for the test's output.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_acks)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>Starts streaming until <paramref name="stop"/> is cancelled (a send under way finishes first).</summary>
    public void Start(CancellationToken stop) => _running = Task.Run(() => RunAsync(stop), CancellationToken.None);

    /// <summary>The stream's end (after <see cref="Start"/>'s token was cancelled); rethrows what failed it.</summary>
    public Task Completion => _running ?? Task.CompletedTask;

    /// <summary>Waits until <paramref name="count"/> sends were acked in all (or the stream failed).</summary>
    public Task WaitForAcksAsync(int count, TimeSpan bound) => WaitForAsync(acks => acks.Count >= count, $"{count} acks in {Room}", bound);

    /// <summary>Waits until <paramref name="condition"/> holds over the acks so far.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<Acked>, bool> condition, string what, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task acked;
            lock (_acks)
            {
                if (condition(_acks))
                {
                    return;
                }

                acked = _acked.Task;
            }

            if (_running is { IsCompleted: true } running)
            {
                await running;
                Assert.Fail($"The stream into {Room} ended before {what}.");
            }

            var left = bound - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"{what}: not within {bound} ({Acks.Count} acks, {Retries} retries; problems: {string.Join("; ", Problems)}).");
            }

            try
            {
                await acked.WaitAsync(left > TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : left);
            }
            catch (TimeoutException)
            {
                // Look again (the stream may have ended).
            }
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        for (var i = 1; !stop.IsCancellationRequested; i++)
        {
            var cid = $"{prefix}-{i.ToString(CultureInfo.InvariantCulture)}";
            var text = $"{prefix} {i.ToString(CultureInfo.InvariantCulture)}";
            var sentAt = clock.Elapsed;
            for (var attempt = 1; ; attempt++)
            {
                // After a lost connection: the client resumes and rejoins first, then sends again with the same cid.
                await sender.WhenReadyAsync(ResumeBound);
                var connection = sender.Current;
                JsonElement? reply = null;
                if (!connection.Ended)
                {
                    try
                    {
                        var requestRef = await connection.PostAsync("send", V1Client.Payload(("room", Room), ("text", text), ("cid", cid)));
                        reply = await connection.TryReplyAsync(requestRef, retryAfter);
                    }
                    catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // The connection went while sending: resume, then send again.
                    }
                }

                if (reply is { } r && r.Type() == "ack")
                {
                    var payload = r.Payload();
                    Assert.True(payload.Str("room") == Room, $"An ack for another room: {r.GetRawText()}");
                    lock (_acks)
                    {
                        _acks.Add(new Acked(payload.GetProperty("offset").GetInt64(), cid, text, sentAt, clock.Elapsed, attempt));
                        var acked = _acked;
                        _acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        acked.SetResult();
                    }

                    // A steady stream, not a flood: at most ~50 sends a second per room keeps the
                    // histories and the clients' views small enough to check whole.
                    await Task.Delay(Pace, CancellationToken.None);
                    break;
                }

                Interlocked.Increment(ref _retries);
                lock (_acks)
                {
                    _problems.Add(reply is { } e
                        ? $"{clock.Elapsed.TotalSeconds:F3}s {cid}: {e.GetRawText()}"
                        : connection.Ended
                            ? $"{clock.Elapsed.TotalSeconds:F3}s {cid}: the connection ended ({connection.CloseStatus?.ToString(CultureInfo.InvariantCulture) ?? "no close frame"}); sent again after resuming"
                            : $"{clock.Elapsed.TotalSeconds:F3}s {cid}: no reply within {retryAfter.TotalSeconds} s, sent again");
                }

                // A refusal the client may retry (the room is moving); anything else is a failure.
                Assert.True(reply is null || reply.Value.Payload().Str("code") == "unavailable", $"{cid} into {Room} refused: {reply?.GetRawText()}");
                if (reply is not null || connection.Ended)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }

    /// <summary>One acked send: its offset and cid, when it was first sent and when its ack came (on the cluster's clock), and after how many attempts.</summary>
    public sealed record Acked(long Offset, string Cid, string Text, TimeSpan SentAt, TimeSpan AckedAt, int Attempts);
}

/// <summary>What a client saw of a room, as offsets and messages.</summary>
public static class Timeline
{
    /// <summary>
    /// Every message of <paramref name="room"/> the connection was given after its first
    /// <c>joined</c> of the room: <c>message</c> events, and the messages of a <c>joined</c> without a
    /// ref (the room restarted — on another node — and sends what came since). In arrival order.
    /// </summary>
    public static List<JsonElement> Of(IReadOnlyList<JsonElement> frames, string room)
    {
        var messages = new List<JsonElement>();
        foreach (var frame in frames)
        {
            if (frame.Payload().Str("room") != room || frame.Ref() is not null)
            {
                continue;
            }

            if (frame.Type() == "message")
            {
                messages.Add(frame.Payload());
            }
            else if (frame.Type() == "joined")
            {
                messages.AddRange(frame.Payload().GetProperty("messages").EnumerateArray());
            }
        }

        return messages;
    }

    /// <summary><see cref="Of(IReadOnlyList{JsonElement}, string)"/> for what <paramref name="client"/> received so far.</summary>
    public static List<JsonElement> Of(V1Client client, string room) => Of(client.Received, room);

    /// <summary>The last offset of <paramref name="room"/> the client holds (from a ref'd <c>joined</c> or any later message), 0 when none.</summary>
    public static long LastOffset(V1Client client, string room)
    {
        long last = 0;
        foreach (var frame in client.Received)
        {
            if (frame.Payload().Str("room") != room)
            {
                continue;
            }

            if (frame.Type() == "message" && frame.Ref() is null)
            {
                last = Math.Max(last, frame.Payload().Offset());
            }
            else if (frame.Type() == "joined")
            {
                last = Math.Max(last, frame.Payload().GetProperty("offset").GetInt64());
            }
        }

        return last;
    }

    /// <summary>Waits until the client's timeline of <paramref name="room"/> reaches <paramref name="offset"/>.</summary>
    public static Task WaitForOffsetAsync(V1Client client, string room, long offset, TimeSpan bound) =>
        client.WaitAsync(frames => Of(frames, room).Any(m => m.Offset() >= offset), $"offset {offset} of {room}", bound);

    /// <summary>Reads the whole history of <paramref name="room"/> (the client must have joined it), oldest first.</summary>
    public static Task<List<JsonElement>> HistoryAsync(V1Client client, string room) => client.WholeHistoryAsync(room);
}

/// <summary>Numbers for the test output.</summary>
public static class Stats
{
    /// <summary>"n=…, p50=… ms, p99=… ms, max=… ms" over <paramref name="samples"/>.</summary>
    public static string Describe(IReadOnlyCollection<TimeSpan> samples)
    {
        if (samples.Count == 0)
        {
            return "n=0";
        }

        var sorted = samples.Select(s => s.TotalMilliseconds).Order().ToList();
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"n={sorted.Count}, p50={At(0.5):F1} ms, p99={At(0.99):F1} ms, max={sorted[^1]:F1} ms");
    }
}
