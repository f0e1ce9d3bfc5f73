using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;

namespace ActorChat.LoadGen.Identity;

/// <summary>
/// <c>moderation-fanout</c>: how long a moderation act takes to reach every member of a big room.
/// A server admin (a token whose <c>sub</c> is in the server's <c>Auth:Admins</c>) joins
/// <c>--room</c>, then <c>--members</c> anonymous <c>actorchat.v1</c> members join it
/// (<c>--concurrency</c> at a time). The act is <c>configure {topic}</c>, the moderation packet that
/// reaches every member (<c>room {room, settings}</c>; <c>mute</c> tells only its target,
/// <c>kick</c> tells the others through coalesced presence). The admin makes <c>--acts</c> of them,
/// one at a time, each after the previous one reached everybody, after <c>--warmup</c> unrecorded
/// ones (which also wait out the joins' presence). For each: the time from sending it until the
/// LAST member has the broadcast, until the median member has it, and until the admin has its
/// <c>configured</c> reply. Reported, not asserted; bounded by <c>--timeout</c> per act; exit 1 if an
/// act did not reach every member.
/// </summary>
internal static class ModerationFanout
{
    public const string Usage = "moderation-fanout --url ws://127.0.0.1:PORT/ --audience AUD [--issuer ISS] [--admin bench-admin] [--room modfanout] [--members 1000] [--acts 20] [--warmup 3] [--concurrency 32] [--timeout 60]   (key in " + BenchTokens.KeyVariable + ")";

    private const string TopicPrefix = "fanout-";

    private static readonly string[] s_names = ["--url", "--audience", "--issuer", "--admin", "--room", "--members", "--acts", "--warmup", "--concurrency", "--timeout"];

    /// <summary>Runs the mode; results go to <paramref name="output"/>, refusals to <paramref name="error"/>; <paramref name="signingKey"/> (base64) stands in for the environment's key (the harness's own smoke test).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? signingKey = null)
    {
        Uri url;
        BenchTokens tokens;
        string admin, room;
        int members, acts, warmup, concurrency, timeout;
        try
        {
            var parsed = ModeArgs.Parse(args, s_names);
            url = parsed.Url("--url");
            tokens = BenchTokens.Create(signingKey, parsed.String("--audience") ?? throw new ArgumentException("--audience is required (the server's Auth:Audience)"), parsed.String("--issuer"));
            admin = parsed.String("--admin") ?? "bench-admin";
            room = parsed.String("--room") ?? "modfanout";
            members = parsed.Int("--members", 1000, 1, 20_000);
            acts = parsed.Int("--acts", 20, 1, 1000);
            warmup = parsed.Int("--warmup", 3, 0, 100);
            concurrency = parsed.Int("--concurrency", 32, 1, 1024);
            timeout = parsed.Int("--timeout", 60, 1, 600);
        }
        catch (ArgumentException bad)
        {
            error.WriteLine($"moderation-fanout: {bad.Message}");
            error.WriteLine(Usage);
            return 2;
        }

        var connector = new LoopbackConnector(url);
        var limit = TimeSpan.FromSeconds(timeout);
        var tracker = new Tracker(warmup + acts, members);
        var sockets = new List<WebSocket>();
        using var stop = new CancellationTokenSource();
        var loops = new List<Task>();
        try
        {
            // The admin first: its join creates the room, so it exists (public, anonymous allowed) for the members.
            using (var setup = new CancellationTokenSource(limit))
            {
                var adminSocket = await OpenAsync(connector, sockets, "fanadmin", tokens.Mint(admin, TimeSpan.FromHours(1)), room, setup.Token).ConfigureAwait(false);
                loops.Add(ReceiveAsync(adminSocket.Socket, adminSocket.Reader, tracker, member: null, stop.Token));
            }

            var joining = Stopwatch.GetTimestamp();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, members)).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < members)
                {
                    using var setup = new CancellationTokenSource(limit);
                    var (socket, reader) = await OpenAsync(connector, sockets, $"fan{i}", null, room, setup.Token).ConfigureAwait(false);
                    lock (loops)
                    {
                        loops.Add(ReceiveAsync(socket, reader, tracker, i, stop.Token));
                    }
                }
            }))).ConfigureAwait(false);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"moderation-fanout: {members} anonymous members and one admin joined '{room}' in {Stopwatch.GetElapsedTime(joining).TotalSeconds:F1} s"));

            var adminConnection = sockets[0];
            for (var k = 0; k < warmup + acts; k++)
            {
                var sent = Stopwatch.GetTimestamp();
                tracker.Sent[k] = sent;
                using var act = new CancellationTokenSource(limit);
                await adminConnection.SendAsync(V1Format.ConfigureTopic(room, TopicPrefix + k.ToString(CultureInfo.InvariantCulture), "c" + k.ToString(CultureInfo.InvariantCulture)), WebSocketMessageType.Text, true, act.Token).ConfigureAwait(false);
                var deadline = Task.Delay(limit, act.Token);
                var configured = tracker.Configured[k].Task;
                if (await Task.WhenAny(configured, deadline).ConfigureAwait(false) == configured)
                {
                    await configured.ConfigureAwait(false); // an error reply (forbidden, …) ends the run here
                }

                var all = Task.WhenAll(configured, tracker.Reached[k].Task);
                if (await Task.WhenAny(all, deadline).ConfigureAwait(false) != all)
                {
                    error.WriteLine($"moderation-fanout: act {k} reached {members - tracker.Remaining[k]} of {members} members within {timeout} s (configured: {configured.IsCompleted})");
                    return 1;
                }

                await act.CancelAsync().ConfigureAwait(false); // the act is done: its deadline's timer goes now
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or V1ErrorException or IOException or System.Net.Http.HttpRequestException)
        {
            error.WriteLine($"moderation-fanout: {ex.Message}");
            return 1;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }

            await Task.WhenAll(loops).ConfigureAwait(false);
        }

        Report(output, tracker, warmup, acts, members);
        return 0;
    }

    private static void Report(TextWriter output, Tracker tracker, int warmup, int acts, int members)
    {
        var last = new List<double>();
        var median = new List<double>();
        var reply = new List<double>();
        for (var k = warmup; k < warmup + acts; k++)
        {
            var arrivals = tracker.Arrivals[k].Select(a => (a - tracker.Sent[k]) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            last.Add(arrivals[^1]);
            median.Add(arrivals[(arrivals.Length - 1) / 2]);
            reply.Add((tracker.ConfiguredAt[k] - tracker.Sent[k]) * 1000.0 / Stopwatch.Frequency);
        }

        static string Row(string what, List<double> ms)
        {
            var sorted = ms.Order().ToArray();
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return string.Create(CultureInfo.InvariantCulture, $"moderation-fanout:   {what}: ms p50 {At(0.50):F2} p99 {At(0.99):F2} max {sorted[^1]:F2}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"moderation-fanout: {acts} acts (configure topic, after {warmup} unrecorded), each reaching all {members} members:"));
        output.WriteLine(Row("act → LAST member has its room broadcast  ", last));
        output.WriteLine(Row("act → median member has it               ", median));
        output.WriteLine(Row("act → the admin has its configured reply ", reply));
    }

    private static async Task<(WebSocket Socket, FrameReader Reader)> OpenAsync(LoopbackConnector connector, List<WebSocket> sockets, string name, string? token, string room, CancellationToken cancellationToken)
    {
        var connection = await connector.ConnectAsync(new ConnectOptions(ReadBuffer: 4096, ReceiveBuffer: 4096, Protocol: WireProtocol.V1), cancellationToken).ConfigureAwait(false);
        var socket = connection.WebSocket;
        lock (sockets)
        {
            sockets.Add(socket);
        }

        var reader = new FrameReader(4096);
        await V1Handshake.HelloAsync(socket, reader, name, null, cancellationToken, token).ConfigureAwait(false);
        await V1Handshake.JoinAsync(socket, reader, room, null, null, cancellationToken).ConfigureAwait(false);
        return (socket, reader);
    }

    /// <summary>A member's (or, with no <paramref name="member"/>, the admin's) reading: every frame, timing the act's.</summary>
    private static async Task ReceiveAsync(WebSocket socket, FrameReader reader, Tracker tracker, int? member, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var frame = await reader.NextAsync(socket, cancellationToken).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                var span = frame.Span;
                if (member is { } i && V1Format.IsRoomSettings(span) && ActOf(span) is { } k)
                {
                    tracker.Arrived(k, i, now);
                }
                else if (member is null && span.StartsWith("{\"type\":\"configured\""u8) && ActOf(span) is { } c)
                {
                    tracker.ConfiguredAt[c] = now;
                    tracker.Configured[c].TrySetResult();
                }
                else if (member is null && V1Format.KindOf(span) == V1Format.Kind.Error)
                {
                    var error = new V1ErrorException(V1Format.ErrorCode(span), "the admin's configure");
                    foreach (var pending in tracker.Configured)
                    {
                        pending.TrySetException(error);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the run is over (or the server closed it: the act then does not reach everybody, which is reported)
        }
    }

    private static int? ActOf(ReadOnlySpan<byte> frame) =>
        V1Format.TryGetTopic(frame, out var topic) && topic.StartsWith("fanout-"u8)
        && int.TryParse(topic[TopicPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : null;

    /// <summary>When each act was sent and reached each member; an act completes when its last member has it.</summary>
    private sealed class Tracker
    {
        public Tracker(int acts, int members)
        {
            Sent = new long[acts];
            ConfiguredAt = new long[acts];
            Arrivals = [.. Enumerable.Range(0, acts).Select(_ => new long[members])];
            Remaining = [.. Enumerable.Repeat(members, acts)];
            Reached = [.. Enumerable.Range(0, acts).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
            Configured = [.. Enumerable.Range(0, acts).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        }

        public long[] Sent { get; }

        public long[] ConfiguredAt { get; }

        public long[][] Arrivals { get; }

        public int[] Remaining { get; }

        public TaskCompletionSource[] Reached { get; }

        public TaskCompletionSource[] Configured { get; }

        public void Arrived(int act, int member, long at)
        {
            // an act number outside the run (a topic set by someone else) or a repeat is not counted
            if ((uint)act >= (uint)Arrivals.Length || Arrivals[act][member] != 0)
            {
                return;
            }

            Arrivals[act][member] = at;
            if (Interlocked.Decrement(ref Remaining[act]) == 0)
            {
                Reached[act].TrySetResult();
            }
        }
    }
}
