using System.Globalization;
using System.Text;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Renders a run as Markdown tables (what BENCHMARKS.md shows).</summary>
internal static partial class MarkdownWriter
{
    public static string Render(BenchReport report, string? plotFile)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        Line(md, $"# ActorChat benchmark — {report.Date} ({report.Mode})");
        Text(md);
        Line(md, $"Machine: {m.Cpu}, {m.Cores} cores, {m.MemoryGiB:0.#} GiB; {m.Os}, Linux {m.Kernel}; {m.DotNet}; Node {m.Node}; open-files limit {m.OpenFilesLimit}.");
        Line(md, $"Command: `{report.Command}` — {report.WallSeconds:0} s wall time. The load generator and the server share the machine; all traffic is over loopback.");
        if (report.LoadAverage is { } load)
        {
            Line(md, $"Load average (1, 5, 15 min): {load}.");
        }

        var protocols = report.Servers.Select(s => s.Protocol).Distinct().ToList();
        if (protocols.Contains("v1"))
        {
            Text(md, "Room scenarios (saturation, latency, largest room, slow consumer) speak `actorchat.v1` in this run: every client says `hello` and joins room `bench`; senders `send` with a ref and get an `ack`.");
        }

        Text(md);
        if (plotFile is not null)
        {
            Line(md, $"![fan-out and latency per server]({plotFile})");
            Text(md);
        }

        ClusterSummary(md, report);
        Saturation(md, report);
        Latency(md, report);
        LargestRoom(md, report);
        Idle(md, report);
        SlowConsumer(md, report);
        Resume(md, report);
        PresenceStorm(md, report);
        ManyRooms(md, report);
        CrossNode(md, report);
        KillRecovery(md, report);
        Comparisons(md, "Durable history against history in memory (same run)", "Target (issue 8): with history ≥ 0.8× without it.", report.HistoryComparison);
        Comparisons(md, "Against the earlier results file", "Target (issue 8): no ActorChat figure below 0.8× of the earlier results (both variants against that file's `actorchat`). A peer in this run is compared with itself there: its code did not change, so its ratio is the machine's own drift (load from other work, another day).", report.BaselineComparison);
        Smoke(md, report);
        var failures = report.Servers.SelectMany(s => s.Failures.Select(f => $"- {s.Name}: {f}")).ToList();
        if (failures.Count > 0)
        {
            Text(md, "## Failures");
            Text(md);
            failures.ForEach(f => Text(md, f));
            Text(md);
        }

        return md.ToString();
    }

    private static void Saturation(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.SelectMany(s => s.Saturation.Select(r => (s.Name, r))).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 1. Fan-out saturation");
        Text(md);
        Text(md, "One room; 4 joined senders send ~100-character messages as fast as the server takes them (each sender keeps at most min(64, 8192 / clients) messages undelivered at the slowest client); every client, senders included, receives every message.");
        Text(md);
        Text(md, "| server | clients | deliveries/s | messages/s | loss | reordered | server CPU-s per M deliveries | server peak RSS (MiB) | load-gen CPU-s | errors |");
        Text(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (name, r) in rows.OrderBy(x => x.r.Clients))
        {
            Line(md, $"| {name} | {r.Clients} | {r.DeliveriesPerSecond:N0} | {r.MessagesPerSecond:N0} | {r.Loss} | {r.Reordered} | {Num(r.ServerCpuSecondsPerMillionDeliveries, "0.00")} | {Num(r.ServerPeakRssMiB, "0")} | {r.LoadGenCpuSeconds:0.0} | {Errors(r.Errors)} |");
        }

        Text(md);
        foreach (var (name, r) in rows.Where(x => x.r.Counters is not null).OrderBy(x => x.r.Clients))
        {
            Line(md, $"- {name}, {r.Clients} clients: {r.Counters!.Broadcasts:N0} broadcasts, {r.Counters.RemoteMessages:N0} remote room messages, **{Num(r.Counters.RemotePerBroadcast, "0.00")} per broadcast** (broadcasts per node: {string.Join(" / ", r.Counters.BroadcastsPerNode.Select(b => b.ToString("N0", CultureInfo.InvariantCulture)))})");
        }

        if (rows.Exists(x => x.r.Counters is not null))
        {
            Text(md);
        }

        var ratios = Ratios(report);
        if (ratios.Count > 0)
        {
            ratios.ForEach(r => Text(md, r));
            Text(md);
        }
    }

    private static List<string> Ratios(BenchReport report)
    {
        double? Rate(string server, int clients) => report.Servers.FirstOrDefault(s => s.Name == server)?.Saturation
            .FirstOrDefault(r => r.Clients == clients && r.Loss == 0)?.DeliveriesPerSecond;
        var lines = new List<string>();
        foreach (var clients in new[] { 1000, 100 })
        {
            if (Rate("actorchat", clients) is not { } ours)
            {
                continue;
            }

            foreach (var (peer, target) in new[] { ("node-ws", "≥ 3×"), ("raw-kestrel", "≥ 0.8×"), ("node-websocket", "") })
            {
                if (Rate(peer, clients) is { } theirs && theirs > 0)
                {
                    var aim = target.Length > 0 && clients == 1000 ? $" (target {target})" : "";
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"- {clients} clients: ActorChat / {peer} = **{ours / theirs:0.00}×**{aim}"));
                }
            }
        }

        return lines;
    }

    private static void Latency(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.SelectMany(s => s.Latency.Select(r => (s.Name, r))).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 2. Latency under load");
        Text(md);
        Text(md, "100 clients at 25 / 50 / 80 % of that server's 100-client saturation rate; end-to-end latency from just before the send to the receiver's read, over every delivery.");
        Text(md);
        Text(md, "| server | load | offered msg/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | loss |");
        Text(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, r) in rows)
        {
            Line(md, $"| {name} | {r.Fraction:P0} | {r.OfferedMessagesPerSecond:N0} | {r.DeliveriesPerSecond:N0} | {r.P50Ms:0.00} | {r.P90Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.0} | {r.Loss} |");
        }

        Text(md);
    }

    private static void LargestRoom(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.LargestRoom is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var first = rows[0].LargestRoom!;
        Line(md, $"## 3. Largest room with p95 < {first.BoundMs:0} ms");
        Text(md);
        Line(md, $"{first.Broadcasters} joined clients each broadcast {first.MessagesPerSecondEach:0} messages/s while the room grows; a step passes with zero loss and p95 under the bound.");
        Text(md);
        Text(md, "| server | largest passing room | stopped | steps (clients: p95 ms) |");
        Text(md, "|---|---:|---|---|");
        foreach (var s in rows)
        {
            var r = s.LargestRoom!;
            var steps = string.Join(", ", r.Steps.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Clients}: {x.P95Ms:0.0}{(x.Passed ? "" : " ✗")}")));
            Line(md, $"| {s.Name} | {r.LargestPassing?.ToString(CultureInfo.InvariantCulture) ?? "none"} | {r.StopReason} | {steps} |");
        }

        Text(md);
    }

    private static void Idle(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.Idle is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 4. Idle connections");
        Text(md);
        Text(md, "| server | connections | joined | connects/s | server RSS before (MiB) | after (MiB) | KiB per connection | closed by server |");
        Text(md, "|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var s in rows)
        {
            var r = s.Idle!;
            Line(md, $"| {s.Name} | {r.Connected} | {(r.Joined ? "yes" : "no")} | {r.ConnectsPerSecond:N0} | {Num(r.BaselineRssMiB, "0")} | {Num(r.RssMiB, "0")} | {Num(r.RssPerConnectionKiB, "0.0")} | {r.ClosedByServer} |");
        }

        Text(md);
        foreach (var note in rows.Select(s => s.Idle!.Note).Distinct())
        {
            Line(md, $"Note: {note}.");
        }

        Text(md);
    }

    private static void SlowConsumer(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.SlowConsumer is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 5. Slow consumer");
        Text(md);
        Text(md, "The latency room at 50 % load, first as a baseline, then for as long again while one client stops reading (4 KiB socket receive buffer).");
        Text(md);
        Text(md, "| server | others' p99 before (ms) | during (ms) | change | server RSS growth (MiB) | stalled client cut off | how it ended | others' loss |");
        Text(md, "|---|---:|---:|---:|---:|---|---|---:|");
        foreach (var s in rows)
        {
            var r = s.SlowConsumer!;
            Line(md, $"| {s.Name} | {r.BaselineP99Ms:0.00} | {r.StalledP99Ms:0.00} | {r.P99ChangePercent:+0;-0;0} % | {Num(r.MemoryGrowthMiB, "0.0")} | {r.CutOff} | {r.Ending} | {r.LossOthers} |");
        }

        Text(md);
    }

    private static void Resume(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.Resume is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var first = rows[0].Resume!;
        Line(md, $"## 6. Resume ({first.Behind} messages behind)");
        Text(md);
        Text(md, "A v1 client's socket is aborted, another member posts the messages (acked and echoed), then the client reconnects: new connection, `hello {name, session}`, `join {room, since}`. Time from the start of the TCP connect until the whole `joined` is read and checked (every missed offset once, in order, `recovered: true`). One warm-up trial is not counted. Target (issue 8): p99 ≤ 200 ms.");
        Text(md);
        Text(md, "| server | trials | p50 ms | p95 ms | p99 ms | max ms | connect p50 ms | hello → welcome p50 ms | join → joined p50 / p99 ms | joined frame (KiB) | not resumed | inexact |");
        Text(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in rows)
        {
            var r = s.Resume!;
            Line(md, $"| {s.Name} | {r.Trials} | {r.P50Ms:0.00} | {r.P95Ms:0.00} | **{r.P99Ms:0.00}** | {r.MaxMs:0.00} | {r.ConnectP50Ms:0.00} | {r.HelloP50Ms:0.00} | {r.JoinP50Ms:0.00} / {r.JoinP99Ms:0.00} | {r.JoinedFrameBytes / 1024.0:0} | {r.NotResumed} | {r.Inexact} |");
        }

        Text(md);
        foreach (var problem in rows.SelectMany(s => s.Resume!.Problems.Select(p => $"- {s.Name}: {p}")))
        {
            Text(md, problem);
        }
    }

    private static void PresenceStorm(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.SelectMany(s => s.PresenceStorms.Select(r => (s.Name, r))).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var first = rows[0].r;
        Line(md, $"## 7. Presence storm ({first.Members} members)");
        Text(md);
        Line(md, $"Every member of one v1 room drops at once, then each reconnects at its slot within the next second (`join` with `since`). *abort, resume*: sockets aborted with no close frame, `hello` with the session (per the contract nobody should see a leave within PresenceGrace, {first.GraceSeconds:0} s); watched until {first.GraceSeconds + 2:0} s after the drop. *close 1000, new session*: clean closes (the sessions end, the leaves are real), each member comes back once its close is answered as a new session under its name; watched until 2 s after the last is back. Presence frames are counted on every member's new connection. Server CPU = utime + stime of its process. Target (issue 8): ≤ 5 presence frames per member.");
        Text(md);
        Text(md, "| server | storm | back / members | resumed | recovered | last reconnect started (s) | all back after (s) | presence frames per member: mean | max | members with none | names in them | server CPU-s: storm (duration) | whole window (duration) | idle CPU-s per s | errors |");
        Text(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|");
        foreach (var (name, r) in rows)
        {
            Line(md, $"| {name} | {r.Mode} | {r.Rejoined} / {r.Members} | {r.Resumed} | {r.Recovered} | {r.ReconnectSpreadSeconds:0.000} | {r.AllBackSeconds:0.000} | **{r.PresenceFramesPerMemberMean:0.00}** | {r.PresenceFramesPerMemberMax} | {r.MembersWithNoPresence} | {r.PresenceNames} | {Num(r.StormCpuSeconds, "0.00")} ({r.StormSeconds:0.00} s) | {Num(r.ObservedCpuSeconds, "0.00")} ({r.ObservedSeconds:0.0} s) | {Num(r.IdleCpuSecondsPerSecond, "0.000")} | {Errors(r.Errors)} |");
        }

        Text(md);
        foreach (var (name, r) in rows.Where(x => x.r.CpuPerSecond.Count > 0))
        {
            Line(md, $"- {name} ({r.Mode}): server CPU-s in each second from the drop: {string.Join(", ", r.CpuPerSecond.Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))}");
        }

        foreach (var failure in rows.SelectMany(x => x.r.Failures.Select(f => $"- {x.Name} ({x.r.Mode}): {f}")))
        {
            Text(md, failure);
        }
    }

    private static void ManyRooms(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.ManyRooms is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var first = rows[0].ManyRooms!;
        Line(md, $"## 8. Many rooms ({first.Rooms} rooms × {first.Members} v1 members, one sender per room)");
        Text(md);
        Line(md, $"Saturated: each sender keeps at most {first.Window} messages undelivered in its room; persisted msg/s = acks/s. Then all senders together at a fixed rate (half the saturated rate unless `--rate`): send → ack and end-to-end delivery latency. Targets (issue 8): ≥ 10 k persisted msg/s on SQLite; send → ack p99 ≤ 50 ms at half that rate.");
        Text(md);
        Text(md, "| server | persisted msg/s | deliveries/s | server CPU cores | ack p99 saturated ms | paced msg/s (target) | ack p50 ms | ack p99 ms | ack max ms | delivery p50 / p99 ms | loss | history file MiB | errors |");
        Text(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in rows)
        {
            var r = s.ManyRooms!;
            Line(md, $"| {s.Name} | **{r.PersistedPerSecond:N0}** | {r.DeliveriesPerSecond:N0} | {Num(r.ServerCpuCores, "0.00")} | {r.SaturatedAckP99Ms:0.0} | {r.PacedAchievedPerSecond:N0} ({r.PacedTargetPerSecond:N0}) | {r.AckP50Ms:0.00} | **{r.AckP99Ms:0.00}** | {r.AckMaxMs:0.0} | {r.DeliveryP50Ms:0.00} / {r.DeliveryP99Ms:0.00} | {r.SaturatedLoss + r.PacedLoss} | {Num(r.DataMiB, "0.0")} | {Errors(r.Errors)} |");
        }

        Text(md);
    }
}
