using System.Globalization;
using System.Text;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Renders a run as Markdown tables (what BENCHMARKS.md shows).</summary>
internal static class MarkdownWriter
{
    public static string Render(BenchReport report, string? plotFile)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        Line(md, $"# ActorChat benchmark — {report.Date} ({report.Mode})");
        Text(md);
        Line(md, $"Machine: {m.Cpu}, {m.Cores} cores, {m.MemoryGiB:0.#} GiB; {m.Os}, Linux {m.Kernel}; {m.DotNet}; Node {m.Node}; open-files limit {m.OpenFilesLimit}.");
        Line(md, $"Command: `{report.Command}` — {report.WallSeconds:0} s wall time. The load generator and the server share the machine; all traffic is over loopback.");
        Text(md);
        if (plotFile is not null)
        {
            Line(md, $"![fan-out and latency per server]({plotFile})");
            Text(md);
        }

        Saturation(md, report);
        Latency(md, report);
        LargestRoom(md, report);
        Idle(md, report);
        SlowConsumer(md, report);
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

    private static void Smoke(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.Smoke is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## Smoke");
        Text(md);
        Text(md, "| server | clients | messages | delivered / expected | loss | reordered | result |");
        Text(md, "|---|---:|---:|---:|---:|---:|---|");
        foreach (var s in rows)
        {
            var r = s.Smoke!;
            Line(md, $"| {s.Name} | {r.Clients} | {r.Messages} | {r.Delivered} / {r.Expected} | {r.Loss} | {r.Reordered} | {(r.Passed ? "pass" : "FAIL")} |");
        }

        Text(md);
    }

    private static string Errors(IReadOnlyDictionary<string, long> errors) =>
        errors.Count == 0 ? "—" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}"));

    private static string Num(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    private static void Line(StringBuilder md, FormattableString text) => Text(md, text.ToString(CultureInfo.InvariantCulture));

    private static void Text(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
