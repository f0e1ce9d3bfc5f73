using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.WebSockets;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>Ordering under volume, rate limits, and slow consumers.</summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private static readonly string[] HighRateLimits =
    [
        "--ActorChat:Limits:PacketsPerSecond=100000",
        "--ActorChat:Limits:PacketBurst=100000",
    ];

    [Fact]
    public async Task A_thousand_messages_arrive_in_order_and_none_is_lost()
    {
        const int Count = 1000;
        await using var server = await TestServer.StartAsync(HighRateLimits);
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");
        var expected = Enumerable.Range(0, Count).Select(i => $"message {i:D4}").ToList();

        var aliceReads = ReadMessagesAsync(alice, "alice", Count);
        var bobReads = ReadMessagesAsync(bob, "alice", Count);
        foreach (var message in expected)
        {
            await alice.SayAsync("alice", message);
        }

        Assert.Equal(expected, await bobReads);
        Assert.Equal(expected, await aliceReads);
    }

    [Fact]
    public async Task A_burst_over_the_default_rate_is_answered_rate_limited_and_the_excess_dropped()
    {
        const int Count = 100;
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");
        var sent = Enumerable.Range(0, Count).Select(i => $"m{i:D3}").ToList();

        await SendIgnoringCloseAsync(alice, sent);

        // alice: each packet is her own message echoed or a rate-limited error, until all are
        // accounted for, or until she is closed (the defaults may treat this burst as a flood).
        var echoed = new List<string>();
        var limited = 0;
        while (echoed.Count + limited < Count && await alice.ReceiveOrCloseAsync() is { } packet)
        {
            if (packet.Type() == "chat-error")
            {
                Assert.Equal("rate-limited", packet.Field("code"));
                Assert.Equal("alice", packet.Username());
                limited++;
                continue;
            }

            Assert.Equal("chat-message", packet.Type());
            Assert.Equal("alice", packet.Username());
            echoed.Add(packet.Field("message")!);
        }

        // bob: alice's accepted messages in order, then her leave if she was closed.
        var delivered = new List<string>();
        while (alice.CloseStatus is not null || delivered.Count < echoed.Count)
        {
            var packet = await bob.ReceiveAsync();
            Assert.Equal("alice", packet.Username());
            if (packet.Type() == "chat-leave")
            {
                Assert.NotNull(alice.CloseStatus);
                break;
            }

            Assert.Equal("chat-message", packet.Type());
            delivered.Add(packet.Field("message")!);
        }

        output.WriteLine($"{Count} sent: {delivered.Count} delivered, {limited} answered rate-limited, alice closed with {alice.CloseStatus?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}");
        Assert.True(limited >= 1, "Some packets should have been answered rate-limited.");
        // The default burst is 20 packets, the join being the first of them.
        Assert.InRange(delivered.Count, 19, Count - 1);
        AssertSubsequence(sent, delivered);
        Assert.Equal(echoed, delivered.Take(echoed.Count));
        if (alice.CloseStatus is null)
        {
            Assert.Equal(Count, echoed.Count + limited);
        }
    }

    [Fact]
    public async Task A_connection_that_keeps_flooding_after_being_limited_is_closed_with_1008()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:Limits:FloodTolerance=5");
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await SendIgnoringCloseAsync(alice, Enumerable.Range(0, 100).Select(i => $"m{i:D3}"));

        var limited = 0;
        while (await alice.ReceiveOrCloseAsync() is { } packet)
        {
            if (packet.Type() == "chat-error")
            {
                Assert.Equal("rate-limited", packet.Field("code"));
                limited++;
            }
            else
            {
                Assert.Equal("chat-message", packet.Type());
            }
        }

        Assert.Equal(1008, alice.CloseStatus);
        Assert.True(limited >= 1, "The flood should have been warned with rate-limited before the close.");

        // bob: some of alice's messages, then her leave; the room goes on.
        while ((await bob.ReceiveAsync()) is var packet && packet.Type() != "chat-leave")
        {
            Assert.Equal("chat-message", packet.Type());
            Assert.Equal("alice", packet.Username());
        }

        await bob.SayAsync("bob", "quiet now");
        await bob.ExpectMessageAsync("bob", "quiet now");
    }

    [Fact]
    public async Task A_reader_that_stops_reading_is_cut_within_its_queue_bound_and_nobody_else_loses_anything()
    {
        // A short close timeout keeps this test quick; the next test checks the defaults.
        var run = await FloodPastASlowReaderAsync("--ActorChat:CloseTimeout=00:00:01");

        Assert.Equal(1, run.SlowConsumerCloses);
        Assert.NotEmpty(run.QueuePeaks);
        Assert.All(run.QueuePeaks, peak => Assert.InRange(peak, 0, SlowReaderBound));
    }

    [Fact]
    public async Task A_reader_that_stops_reading_is_cut_without_waiting_for_a_timeout()
    {
        // A connection whose sends are stuck cannot take a close frame: the server must abort it
        // after a short grace, not give it the close timeout to answer, nor leave it to the
        // keepalive. With both set far out, its leave must come before either could have fired,
        // counted from the moment the server itself found the queue full.
        var run = await FloodPastASlowReaderAsync(TestServer.LongTimerSettings);

        var cut = run.LeaveSeenAfter - run.OverBoundAfter;
        Assert.True(cut < TestServer.ShortestLongTimer, $"The slow reader went over its bound after {run.OverBoundAfter.TotalSeconds:F1} s, and its leave was announced {cut.TotalSeconds:F1} s later: the server waited for a timeout ({TestServer.ShortestLongTimer.TotalSeconds:F0} s).");
    }

    private const int SlowReaderBound = 65536;

    private sealed record SlowReaderRun(TimeSpan OverBoundAfter, TimeSpan LeaveSeenAfter, long SlowConsumerCloses, IReadOnlyCollection<long> QueuePeaks);

    /// <summary>
    /// flooder floods; reader reads everything; slow joined with a tiny receive window and never
    /// reads. Returns once slow's leave was seen, after checking that flooder and reader lost nothing.
    /// </summary>
    private async Task<SlowReaderRun> FloodPastASlowReaderAsync(params string[] settings)
    {
        await using var server = await TestServer.StartAsync(
        [
            .. HighRateLimits,
            $"--ActorChat:Limits:MaxOutboundBytes={SlowReaderBound}",
            .. settings,
        ]);
        var peaks = new ConcurrentQueue<long>();
        var slowConsumerCloses = 0L;
        var clock = new Stopwatch();
        var overBoundAfter = TimeSpan.Zero;
        using var metrics = server.ListenToMetrics((name, value) =>
        {
            if (name == "actorchat.connection.queue.peak")
            {
                peaks.Enqueue(value);
            }
            else if (name == "actorchat.closes.slow_consumer")
            {
                overBoundAfter = clock.Elapsed;
                Interlocked.Add(ref slowConsumerCloses, value);
            }
        });

        await using var flooder = await server.JoinAsync("flooder");
        await using var reader = await server.JoinAsync("reader");
        await flooder.ExpectAsync("chat-join");

        // Joins with a tiny receive window, then never reads again.
        using var slow = await RawWebSocket.ConnectAsync(server.Port, receiveBufferSize: 4096);
        await slow.SendTextAsync("""{"type":"chat-join","payload":{"username":"slow"}}""");
        Assert.Equal("slow", (await flooder.ExpectAsync("chat-join")).Username());
        Assert.Equal("slow", (await reader.ExpectAsync("chat-join")).Username());

        var flooderLog = new Observer(flooder);
        var readerLog = new Observer(reader);
        var padding = new string('x', 1000);
        var sent = 0;
        // Bounds the whole flood; a slow reader is normally cut within a few seconds.
        var deadline = TestTime.Seconds(40);
        clock.Start();
        while (!readerLog.SawLeave)
        {
            Assert.True(clock.Elapsed < deadline, $"The slow reader was not cut: {sent} messages ({sent * padding.Length / 1024} KiB) sent in {clock.Elapsed}.");

            // The live readers stay within ~40 KiB of the flood, well under their own bound.
            while (sent - readerLog.Count > 40 || sent - flooderLog.Count > 40)
            {
                Assert.True(clock.Elapsed < deadline, "The live readers stopped receiving.");
                await Task.WhenAny(readerLog.Failed, flooderLog.Failed, Task.Delay(1));
                readerLog.ThrowIfFailed();
                flooderLog.ThrowIfFailed();
            }

            await flooder.SayAsync("flooder", $"{sent} {padding}");
            sent++;
            if (Interlocked.Read(ref slowConsumerCloses) > 0)
            {
                await Task.Delay(10); // decided: keep the room busy, but gently, until the leave
            }
        }

        var leaveSeenAfter = clock.Elapsed;
        await flooder.SayAsync("flooder", Observer.End);
        await Task.WhenAll(flooderLog.Done, readerLog.Done).WaitAsync(TestServer.Timeout);

        output.WriteLine($"slow reader over its bound after {overBoundAfter.TotalMilliseconds:F0} ms; its leave seen after {leaveSeenAfter.TotalMilliseconds:F0} ms and {sent} messages (~{sent * (padding.Length + 60) / 1024} KiB); queue peaks recorded: [{string.Join(", ", peaks)}]");
        var everything = Enumerable.Range(0, sent).Select(i => $"{i} {padding}").ToList();
        Assert.Equal(everything, readerLog.Messages);
        Assert.Equal(everything, flooderLog.Messages);
        Assert.Equal(1, readerLog.Leaves);
        Assert.Equal(1, flooderLog.Leaves);
        Assert.True(await slow.ReadToEndAsync(TestServer.Timeout), "The slow reader's TCP connection should have ended.");
        Assert.Equal(["flooder", "reader"], (await server.MembersAsync()).Names.Order(StringComparer.Ordinal));
        return new SlowReaderRun(overBoundAfter, leaveSeenAfter, Interlocked.Read(ref slowConsumerCloses), [.. peaks]);
    }

    private static async Task<List<string>> ReadMessagesAsync(ChatClient client, string from, int count)
    {
        var messages = new List<string>(count);
        while (messages.Count < count)
        {
            var packet = await client.ExpectAsync("chat-message");
            Assert.Equal(from, packet.Username());
            messages.Add(packet.Field("message")!);
        }

        return messages;
    }

    /// <summary>Sends every message; stops quietly if the server closes the connection meanwhile.</summary>
    private static async Task SendIgnoringCloseAsync(ChatClient client, IEnumerable<string> messages)
    {
        try
        {
            foreach (var message in messages)
            {
                await client.SayAsync("alice", message);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            // Closed by the server (a flood): what was sent is what counts.
        }
    }

    private static void AssertSubsequence(List<string> sequence, List<string> subsequence)
    {
        var at = 0;
        foreach (var item in subsequence)
        {
            at = sequence.IndexOf(item, at);
            Assert.True(at >= 0, $"\"{item}\" is out of order or was never sent.");
            at++;
        }
    }

    /// <summary>Reads a client's packets in the background: the flooder's messages and the slow reader's leave, until <see cref="End"/>.</summary>
    private sealed class Observer
    {
        public const string End = "end";

        private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _messages = [];
        private int _count;
        private int _leaves;

        public Observer(ChatClient client) => Done = Task.Run(() => RunAsync(client));

        public Task Done { get; }

        public Task Failed => _failed.Task;

        public int Count => Volatile.Read(ref _count);

        public int Leaves => Volatile.Read(ref _leaves);

        public bool SawLeave => Leaves > 0;

        public List<string> Messages => _messages;

        public void ThrowIfFailed()
        {
            if (Done.IsFaulted)
            {
                Done.GetAwaiter().GetResult();
            }
        }

        private async Task RunAsync(ChatClient client)
        {
            try
            {
                while (true)
                {
                    var packet = await client.ReceiveAsync();
                    if (packet.Type() == "chat-leave")
                    {
                        Assert.Equal("slow", packet.Username());
                        Interlocked.Increment(ref _leaves);
                        continue;
                    }

                    Assert.Equal("chat-message", packet.Type());
                    Assert.Equal("flooder", packet.Username());
                    var message = packet.Field("message")!;
                    if (message == End)
                    {
                        return;
                    }

                    _messages.Add(message);
                    Interlocked.Increment(ref _count);
                }
            }
            catch (Exception ex)
            {
                _failed.TrySetException(ex);
                throw;
            }
        }
    }
}
