using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen.Identity;

/// <summary>
/// <c>connect-rate</c>: connects per second with a token and anonymous, against one server in
/// <c>Auth:Mode optional</c> (bench/connect-rate.sh starts it). A round opens
/// <c>--connections</c> <c>actorchat.v1</c> connections, <c>--concurrency</c> at a time; each does
/// <c>hello</c> (with a fresh HS256 token of its own <c>sub</c>, minted before the round so the
/// load generator's signing is not timed; or with a name only), waits for <c>welcome</c>, sends
/// <c>bye</c> and waits for the server's close. Rounds alternate token, anonymous, token, anonymous…
/// so the machine's drift falls on both; with <c>--returning 1</c> each pair is followed by a round
/// of the same users signing in again (fresh tokens of the subs, and the names, of the pair's token
/// round), which tells a user's first sign-in (its name reserved for good) from a returning one. Prints connects/s, p50/p99 of hello→welcome and of the
/// WebSocket handshake and of bye→the server's close, and the server's CPU-seconds per 1000 connects (/proc, with
/// <c>--server-pid</c>). Reported, not asserted; exit 1 only if a connect failed.
/// </summary>
internal static class ConnectRate
{
    public const string Usage = "connect-rate --url ws://127.0.0.1:PORT/ --audience AUD [--issuer ISS] [--connections 1000] [--concurrency 32] [--rounds 2] [--warmup 200] [--returning 0|1] [--server-pid PID] [--timeout 30]   (key in " + BenchTokens.KeyVariable + ")";

    private static readonly string[] s_names = ["--url", "--audience", "--issuer", "--connections", "--concurrency", "--rounds", "--warmup", "--server-pid", "--timeout", "--returning"];

    /// <summary>Runs the mode; results go to <paramref name="output"/>, refusals to <paramref name="error"/>; <paramref name="signingKey"/> (base64) stands in for the environment's key (the harness's own smoke test).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? signingKey = null)
    {
        Uri url;
        BenchTokens tokens;
        int connections, concurrency, rounds, warmup, timeout;
        bool returning;
        int? pid;
        try
        {
            var parsed = ModeArgs.Parse(args, s_names);
            url = parsed.Url("--url");
            tokens = BenchTokens.Create(signingKey, parsed.String("--audience") ?? throw new ArgumentException("--audience is required (the server's Auth:Audience)"), parsed.String("--issuer"));
            connections = parsed.Int("--connections", 1000, 1, 100_000);
            concurrency = parsed.Int("--concurrency", 32, 1, 1024);
            rounds = parsed.Int("--rounds", 2, 1, 50);
            warmup = parsed.Int("--warmup", 200, 0, 100_000);
            timeout = parsed.Int("--timeout", 30, 1, 600);
            pid = parsed.Pid("--server-pid");
            returning = parsed.Int("--returning", 0, 0, 1) == 1;
        }
        catch (ArgumentException bad)
        {
            error.WriteLine($"connect-rate: {bad.Message}");
            error.WriteLine(Usage);
            return 2;
        }

        var connector = new LoopbackConnector(url);
        var stats = pid is { } p ? new ProcessStats(p) : null;
        var perConnect = TimeSpan.FromSeconds(timeout);
        var run = 0;

        // Names and subs carry the round, so no name is reused by someone else: a user's name stays
        // reserved for that user after it leaves. A returning round signs in the users of round `of`.
        async Task<RoundResult> RoundAsync(Kind kind, int count, int of = -1)
        {
            var round = run++;
            var users = kind == Kind.Returning ? of : round;
            var clients = Enumerable.Range(0, count).Select(i => kind == Kind.Anonymous
                ? ($"cr{round}a{i}", (string?)null)
                : ($"cr{users}t{i}", tokens.Mint($"cr{users}u{i}", TimeSpan.FromHours(1)))).ToArray();
            return await RunRoundAsync(connector, stats, kind, round, clients, concurrency, perConnect).ConfigureAwait(false);
        }

        if (warmup > 0)
        {
            var first = run;
            var warm = await RoundAsync(Kind.Token, warmup).ConfigureAwait(false);
            warm = warm.Add(await RoundAsync(Kind.Anonymous, warmup).ConfigureAwait(false));
            if (returning)
            {
                warm = warm.Add(await RoundAsync(Kind.Returning, warmup, first).ConfigureAwait(false));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connect-rate: warm-up {warm.Done + warm.Failed} connects, {warm.Failed} failed (not counted)"));
        }

        var results = new List<RoundResult>();
        for (var r = 0; r < rounds; r++)
        {
            var tokenRound = run;
            foreach (var kind in returning ? new[] { Kind.Token, Kind.Anonymous, Kind.Returning } : [Kind.Token, Kind.Anonymous])
            {
                var result = await RoundAsync(kind, connections, tokenRound).ConfigureAwait(false);
                results.Add(result);
                output.WriteLine("connect-rate: " + result.Describe());
            }
        }

        foreach (var kind in returning ? new[] { Kind.Token, Kind.Anonymous, Kind.Returning } : [Kind.Token, Kind.Anonymous])
        {
            var mine = results.Where(r => r.Kind == kind).ToArray();
            var rate = Median(mine.Select(r => r.ConnectsPerSecond));
            var cpu = mine.All(r => r.CpuPerThousand is not null) ? Median(mine.Select(r => r.CpuPerThousand!.Value)) : (double?)null;
            var hello = new LatencyHistogram();
            foreach (var r in mine)
            {
                hello.Add(r.HelloToWelcome);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connect-rate: {Label(kind)} median of {mine.Length} rounds: {rate:F0} connects/s; hello→welcome ms p50 {hello.Percentile(0.50) / 1000:F2} p99 {hello.Percentile(0.99) / 1000:F2} (all rounds); server CPU-s per 1000 connects {(cpu is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) : "n/a")}"));
        }

        var tokenRate = Median(results.Where(r => r.Kind == Kind.Token).Select(r => r.ConnectsPerSecond));
        var anonymousRate = Median(results.Where(r => r.Kind == Kind.Anonymous).Select(r => r.ConnectsPerSecond));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connect-rate: token / anonymous connects/s = {tokenRate / anonymousRate:F2}"));
        return results.Any(r => r.Failed > 0) ? 1 : 0;
    }

    /// <summary>What a round's connections sign in as.</summary>
    private enum Kind
    {
        /// <summary>A new user each: a fresh token of a sub never seen.</summary>
        Token,

        /// <summary>A name only.</summary>
        Anonymous,

        /// <summary>The users of an earlier token round again, with fresh tokens.</summary>
        Returning,
    }

    private static string Label(Kind kind) => kind switch
    {
        Kind.Token => "token    ",
        Kind.Anonymous => "anonymous",
        _ => "returning",
    };

    private static async Task<RoundResult> RunRoundAsync(LoopbackConnector connector, ProcessStats? stats, Kind kind, int round, (string Name, string? Token)[] clients, int concurrency, TimeSpan perConnect)
    {
        await SettleAsync(stats).ConfigureAwait(false);
        var cpuBefore = stats?.Read().CpuSeconds;
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(concurrency, clients.Length)).Select(_ => new Worker()).ToArray();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            var reader = new FrameReader(4096);
            int i;
            while ((i = Interlocked.Increment(ref next)) < clients.Length)
            {
                using var cancel = new CancellationTokenSource(perConnect);
                try
                {
                    await ConnectOnceAsync(connector, reader, worker, clients[i].Name, clients[i].Token, cancel.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or V1ErrorException or IOException or System.Net.Http.HttpRequestException)
                {
                    worker.Failed++;
                    worker.LastError ??= ex.Message;
                }
            }
        }))).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);

        // The server ends each session after its close: wait for that work before reading its CPU time.
        await SettleAsync(stats).ConfigureAwait(false);
        var cpu = stats is null || cpuBefore is null ? (double?)null : stats.Read().CpuSeconds - cpuBefore.Value;
        var hello = new LatencyHistogram();
        var handshake = new LatencyHistogram();
        var bye = new LatencyHistogram();
        foreach (var worker in workers)
        {
            hello.Add(worker.HelloToWelcome);
            handshake.Add(worker.Handshake);
            bye.Add(worker.ByeToClose);
        }

        var done = clients.Length - workers.Sum(w => w.Failed);
        return new RoundResult(kind, round, done, workers.Sum(w => w.Failed), workers.Select(w => w.LastError).FirstOrDefault(e => e is not null), elapsed, hello, handshake, bye, cpu is { } c && done > 0 ? c * 1000 / done : null);
    }

    private static async Task ConnectOnceAsync(LoopbackConnector connector, FrameReader reader, Worker worker, string name, string? token, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var connection = await connector.ConnectAsync(new ConnectOptions(ReadBuffer: 0, ReceiveBuffer: 4096, Protocol: WireProtocol.V1), cancellationToken).ConfigureAwait(false);
        using var socket = connection.WebSocket;
        var open = Stopwatch.GetTimestamp();
        await V1Handshake.HelloAsync(socket, reader, name, null, cancellationToken, token).ConfigureAwait(false);
        var welcomed = Stopwatch.GetTimestamp();
        await socket.SendAsync(V1Format.Bye(), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);

        // bye: the server closes with 1000 after what is queued; read up to its close frame.
        var buffer = new byte[1024];
        while ((await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
        {
        }

        var closed = Stopwatch.GetTimestamp();
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        worker.Handshake.Record(Micros(open - start));
        worker.HelloToWelcome.Record(Micros(welcomed - open));
        worker.ByeToClose.Record(Micros(closed - welcomed));
    }

    /// <summary>
    /// Waits until the server has used under 10 ms of CPU in 200 ms (at most 5 s), so one round's
    /// tail (sessions ending, the journal's writes) is not billed to the next.
    /// </summary>
    private static async Task SettleAsync(ProcessStats? stats)
    {
        if (stats is null)
        {
            return;
        }

        var last = stats.Read().CpuSeconds;
        for (var i = 0; i < 25; i++)
        {
            await Task.Delay(200).ConfigureAwait(false);
            var now = stats.Read().CpuSeconds;
            if (now - last < 0.01)
            {
                return;
            }

            last = now;
        }
    }

    private static long Micros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class Worker
    {
        public LatencyHistogram HelloToWelcome { get; } = new();

        public LatencyHistogram Handshake { get; } = new();

        public LatencyHistogram ByeToClose { get; } = new();

        public int Failed { get; set; }

        public string? LastError { get; set; }
    }

    private sealed record RoundResult(Kind Kind, int Round, int Done, int Failed, string? Error, TimeSpan Elapsed, LatencyHistogram HelloToWelcome, LatencyHistogram Handshake, LatencyHistogram ByeToClose, double? CpuPerThousand)
    {
        public double ConnectsPerSecond => Done / Elapsed.TotalSeconds;

        public RoundResult Add(RoundResult other) => this with { Done = Done + other.Done, Failed = Failed + other.Failed, Error = Error ?? other.Error };

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"round {Round} {Label(Kind)}: {Done} connects in {Elapsed.TotalSeconds:F2} s = {ConnectsPerSecond:F0}/s; hello→welcome ms p50 {HelloToWelcome.Percentile(0.50) / 1000:F2} p99 {HelloToWelcome.Percentile(0.99) / 1000:F2}; handshake ms p50 {Handshake.Percentile(0.50) / 1000:F2} p99 {Handshake.Percentile(0.99) / 1000:F2}; bye→close ms p50 {ByeToClose.Percentile(0.50) / 1000:F2} p99 {ByeToClose.Percentile(0.99) / 1000:F2}; server CPU-s/1000 {(CpuPerThousand is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) : "n/a")}; failed {Failed}{(Error is null ? "" : $" ({Error})")}");
    }
}
