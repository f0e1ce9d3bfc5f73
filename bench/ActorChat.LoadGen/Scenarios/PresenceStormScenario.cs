using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Presence storm (issue 8): <c>members</c> v1 clients are members of room <c>storm</c>; once their
/// joins' presence has settled, every member drops at once and reconnects at its slot in the next
/// second (evenly spread from the drop): a new connection, <c>hello</c>, <c>join {room, since}</c>.
/// Two storms, one after the other on the same room: <see cref="Mode.AbortAndResume"/> (sockets
/// aborted, no close frame: every session survives and, per the contract, no leave is shown within
/// PresenceGrace; <c>hello {name, session}</c>), then <see cref="Mode.CloseAndRejoin"/> (a clean close:
/// the sessions end and their leaves are real, so the server must coalesce n leaves and n joins; a
/// member reconnects once its close is answered, as a new session under its name). Counts the
/// presence frames each member receives on its new connection from the drop until the observation
/// ends (abort: PresenceGrace and 2 s after the drop, so a leave that the grace only delayed is
/// counted too; close: 2 s after the last member is back), and the server's CPU time (utime + stime
/// from /proc) for the storm (drop → last member's <c>joined</c>) and for the whole observation, beside
/// its idle CPU just before.
/// </summary>
internal static class PresenceStormScenario
{
    private const string RoomName = "storm";
    private const int OpenParallelism = 64;

    private sealed class Member(int index)
    {
        public string Name { get; } = string.Create(CultureInfo.InvariantCulture, $"m{index}");

        public string Session { get; set; } = "";

        public StreamPosition Position { get; set; }

        public BenchClient? Client { get; set; }

        public bool Resumed { get; set; }

        public bool Recovered { get; set; }

        public long ReconnectStarted { get; set; }

        public long Rejoined { get; set; }

        public string? Failure { get; set; }
    }

    /// <summary>How the members leave in a storm.</summary>
    public enum Mode
    {
        /// <summary>Sockets aborted (no close frame); each member resumes its session (<c>hello</c> with it).</summary>
        AbortAndResume,

        /// <summary>Each member closes cleanly (1000: its session ends, it leaves at once) and comes back as a new session under its name.</summary>
        CloseAndRejoin,
    }

    /// <summary>Opens the room, then runs one storm per mode on it (presence settled before each).</summary>
    public static async Task<List<PresenceStormResult>> RunAsync(ScenarioContext context, int count, TimeSpan grace, IReadOnlyList<Mode> modes, CancellationToken cancellationToken)
    {
        var connector = context.Connector();
        var errors = new ErrorTally();
        var members = Enumerable.Range(0, count).Select(i => new Member(i)).ToArray();
        var options = new ConnectOptions(Protocol: WireProtocol.V1);
        var results = new List<PresenceStormResult>();
        try
        {
            var opening = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(members, new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism, CancellationToken = cancellationToken }, async (member, token) =>
                await ConnectAsync(connector, options, member, null, null, errors, token));
            var opened = Stopwatch.GetElapsedTime(opening);
            context.Log(string.Create(CultureInfo.InvariantCulture, $"presence storm: {count} members joined '{RoomName}' in {opened.TotalSeconds:0.0} s"));
            foreach (var mode in modes)
            {
                var result = await StormAsync(context, connector, options, members, errors, mode, opened, grace, cancellationToken);
                results.Add(result);
                if (result.Rejoined < count)
                {
                    context.Log($"presence storm: {count - result.Rejoined} members did not come back; no further storm");
                    break;
                }
            }

            return results;
        }
        finally
        {
            await Task.WhenAll(members.Where(m => m.Client is not null).Select(m => m.Client!.DisposeAsync().AsTask()));
        }
    }

    private static async Task<PresenceStormResult> StormAsync(
        ScenarioContext context,
        LoopbackConnector connector,
        ConnectOptions options,
        Member[] members,
        ErrorTally errors,
        Mode mode,
        TimeSpan opened,
        TimeSpan grace,
        CancellationToken cancellationToken)
    {
        var count = members.Length;
        var settled = await SettleAsync(members, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), cancellationToken);
        var joinPhaseFrames = members.Sum(m => m.Client!.PresenceFrames);
        foreach (var member in members)
        {
            member.Failure = null;
            member.ReconnectStarted = 0;
        }

        // the server's CPU while idle, for comparison
        var idleWindow = TimeSpan.FromSeconds(2);
        var idleBefore = context.Server?.Read().CpuSeconds;
        await Task.Delay(idleWindow, cancellationToken);
        var idleAfter = context.Server?.Read().CpuSeconds;
        double? idleCpuPerSecond = idleBefore is null || idleAfter is null ? null : (idleAfter.Value - idleBefore.Value) / idleWindow.TotalSeconds;

        var errorsBefore = errors.Snapshot();
        var cpu0 = context.Server?.Read().CpuSeconds;
        using var sampling = new CancellationTokenSource();
        var timeline = SampleCpuAsync(context, TimeSpan.FromSeconds(1), sampling.Token);
        var loadGen0 = ScenarioContext.LoadGenCpuSeconds();
        var t0 = Stopwatch.GetTimestamp();
        var dropped = members.Select(m => m.Client!).ToArray();
        if (mode == Mode.AbortAndResume)
        {
            foreach (var client in dropped)
            {
                client.WebSocket.Abort();
            }
        }
        else
        {
            await Task.WhenAll(dropped.Select(c => CloseAsync(c, cancellationToken)));
        }

        var dropSeconds = (Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency;
        var slot = 1.0 / count;
        var reconnects = members.Select((member, i) => ReconnectAsync(connector, options, member, dropped[i], mode, errors, t0 + (long)(i * slot * Stopwatch.Frequency), cancellationToken)).ToList();
        await Task.WhenAll(reconnects);
        await Task.WhenAll(dropped.Select(c => c.DisposeAsync().AsTask()));
        var t1 = Stopwatch.GetTimestamp();
        var cpu1 = context.Server?.Read().CpuSeconds;
        var loadGen1 = ScenarioContext.LoadGenCpuSeconds();
        var stormFrames = members.Sum(m => m.Client?.PresenceFrames ?? 0);

        // Dropped sessions' leaves may come once PresenceGrace has passed: watch that long. A clean
        // close shows its leave at once: 2 s after the last member is back is enough.
        var end = mode == Mode.AbortAndResume
            ? t0 + (long)((grace + TimeSpan.FromSeconds(2)).TotalSeconds * Stopwatch.Frequency)
            : t1 + (2 * Stopwatch.Frequency);
        var wait = TimeSpan.FromSeconds(Math.Max(0, (end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
        await Task.Delay(wait, cancellationToken);
        var t2 = Stopwatch.GetTimestamp();
        var cpu2 = context.Server?.Read().CpuSeconds;
        await sampling.CancelAsync();
        var cpuPerSecond = await timeline;

        var back = members.Where(m => m.Client is not null && m.Failure is null).ToList();
        var frames = back.Select(m => m.Client!.PresenceFrames).Order().ToList();
        var names = back.Sum(m => m.Client!.PresenceNames);
        var failures = members.Where(m => m.Failure is not null).Select(m => m.Failure!).ToList();
        var starts = members.Where(m => m.ReconnectStarted != 0).Select(m => m.ReconnectStarted).ToList();
        var rejoins = back.Select(m => m.Rejoined).ToList();
        var stormSeconds = (t1 - t0) / (double)Stopwatch.Frequency;
        var observedSeconds = (t2 - t0) / (double)Stopwatch.Frequency;
        var errorsNow = errors.Snapshot();
        var stormErrors = errorsNow.Select(e => (e.Key, N: e.Value - errorsBefore.GetValueOrDefault(e.Key))).Where(e => e.N > 0).ToDictionary(e => e.Key, e => e.N, StringComparer.Ordinal);
        var result = new PresenceStormResult(
            mode == Mode.AbortAndResume ? "abort, resume" : "close 1000, new session",
            count,
            back.Count,
            back.Count(m => m.Resumed),
            back.Count(m => m.Recovered),
            Math.Round(opened.TotalSeconds, 2),
            settled,
            Math.Round(joinPhaseFrames / (double)count, 2),
            Math.Round(dropSeconds, 3),
            starts.Count == 0 ? 0 : Math.Round((starts.Max() - t0) / (double)Stopwatch.Frequency, 3),
            rejoins.Count == 0 ? 0 : Math.Round((rejoins.Max() - t0) / (double)Stopwatch.Frequency, 3),
            Math.Round(stormFrames / (double)Math.Max(1, back.Count), 3),
            frames.Count == 0 ? 0 : Math.Round(frames.Average(), 3),
            frames.Count == 0 ? 0 : frames[^1],
            frames.Count(f => f == 0),
            names,
            cpu1 is null || cpu0 is null ? null : Math.Round(cpu1.Value - cpu0.Value, 2),
            Math.Round(stormSeconds, 3),
            cpu2 is null || cpu0 is null ? null : Math.Round(cpu2.Value - cpu0.Value, 2),
            Math.Round(observedSeconds, 2),
            idleCpuPerSecond is null ? null : Math.Round(idleCpuPerSecond.Value, 3),
            Math.Round(loadGen1 - loadGen0, 2),
            grace.TotalSeconds,
            stormErrors,
            failures.Take(5).ToList())
        {
            CpuPerSecond = cpuPerSecond,
        };
        context.Log(string.Create(
            CultureInfo.InvariantCulture,
            $"presence storm ({result.Mode}): {count} dropped in {result.DropSeconds} s; {result.Rejoined}/{count} back ({result.Resumed} resumed, {result.Recovered} recovered) within {result.AllBackSeconds} s of the drop (last reconnect started at {result.ReconnectSpreadSeconds} s); " +
            $"presence frames per member {result.PresenceFramesPerMemberMean} mean, {result.PresenceFramesPerMemberMax} max ({result.MembersWithNoPresence} members got none; {names} names in all); " +
            $"server CPU {result.StormCpuSeconds} s for the storm ({result.StormSeconds} s), {result.ObservedCpuSeconds} s over {result.ObservedSeconds} s observed (idle {result.IdleCpuSecondsPerSecond} CPU-s/s; per second: {string.Join(' ', cpuPerSecond)}); errors {Phases.Describe(result.Errors)}"));
        return result;
    }

    /// <summary>The server's CPU-seconds in each <paramref name="interval"/> from now until cancelled (when the storm's cost falls, e.g. at PresenceGrace).</summary>
    private static async Task<List<double>> SampleCpuAsync(ScenarioContext context, TimeSpan interval, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        if (context.Server is not { } server)
        {
            return samples;
        }

        var last = server.Read().CpuSeconds;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = server.Read().CpuSeconds;
                samples.Add(Math.Round(now - last, 2));
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
            // the observation ended
        }

        return samples;
    }

    /// <summary>Sends a close frame (1000); the server's reply ends the client's receive loop.</summary>
    private static async Task CloseAsync(BenchClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.WebSocket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "storm", cancellationToken);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // already gone: the reconnect goes ahead regardless
        }
    }

    private static async Task ConnectAsync(LoopbackConnector connector, ConnectOptions options, Member member, string? session, StreamPosition? since, ErrorTally errors, CancellationToken cancellationToken)
    {
        var connection = await connector.ConnectAsync(options, cancellationToken);
        try
        {
            var reader = new FrameReader(options.ReceiveBuffer);
            var welcome = await V1Handshake.HelloAsync(connection.WebSocket, reader, member.Name, session, cancellationToken);
            var join = await V1Handshake.JoinAsync(connection.WebSocket, reader, RoomName, since, since is null ? 1 : null, cancellationToken);
            member.Session = welcome.Session;
            member.Resumed = welcome.Resumed;
            member.Recovered = join.Joined.Recovered == true;
            member.Position = join.Joined.Position;
            member.Rejoined = join.Received;
            member.Client = new BenchClient(connection, errors, options.ReceiveBuffer, WireProtocol.V1, join.PresenceBefore);
        }
        catch
        {
            connection.WebSocket.Abort();
            connection.WebSocket.Dispose();
            throw;
        }
    }

    private static async Task ReconnectAsync(LoopbackConnector connector, ConnectOptions options, Member member, BenchClient old, Mode mode, ErrorTally errors, long due, CancellationToken cancellationToken)
    {
        member.Client = null;
        await Task.Yield(); // the caller starts every member's task before the first is due
        var delay = (due - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency;
        if (delay > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(delay), cancellationToken);
        }

        if (mode == Mode.CloseAndRejoin)
        {
            // the name is free once the server has ended the session: its close reply says so
            var deadline = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
            while (old.ClosedAt == 0 && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(5, cancellationToken);
            }
        }

        member.ReconnectStarted = Stopwatch.GetTimestamp();
        try
        {
            var session = mode == Mode.AbortAndResume ? member.Session : null;
            await ConnectAsync(connector, options, member, session, member.Position, errors, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            member.Failure = $"{member.Name}: {ex.Message}";
        }
    }

    /// <summary>Waits until no member has received a presence frame for <paramref name="quiet"/>; false when <paramref name="timeout"/> came first.</summary>
    private static async Task<bool> SettleAsync(Member[] members, TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var last = -1L;
        var since = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var total = members.Sum(m => m.Client?.PresenceFrames ?? 0);
            if (total != last)
            {
                last = total;
                since = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(since) >= quiet)
            {
                return true;
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }
}
