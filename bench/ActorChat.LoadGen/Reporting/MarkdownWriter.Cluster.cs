using System.Globalization;
using System.Text;

namespace ActorChat.LoadGen.Reporting;

/// <summary>The cluster's sections (per-server summary, cross-node fan-out, kill recovery), the comparisons and the smoke run, and the formatting helpers.</summary>
internal static partial class MarkdownWriter
{
    /// <summary>One row per server with the figures issue 9 asks for side by side (one node against a cluster).</summary>
    private static void ClusterSummary(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.CrossNode is not null || s.KillRecovery is not null || s.Saturation.Exists(r => r.Counters is not null)).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## One node against a cluster (summary)");
        Text(md);
        Text(md, "Every node of a cluster runs on this one machine, beside the load generator and PostgreSQL: the figures show what the cluster costs, not a speed-up.");
        Text(md);
        var sizes = rows.SelectMany(s => s.Saturation.Select(r => r.Clients)).Distinct().Order().ToList();
        var rates = rows.SelectMany(s => s.CrossNode?.Phases.Select(p => p.OfferedPerSecond) ?? []).Distinct().Order().ToList();
        var header = new StringBuilder("| server | nodes |");
        var rule = new StringBuilder("|---|---:|");
        foreach (var size in sizes)
        {
            header.Append(CultureInfo.InvariantCulture, $" fan-out, {size} clients (deliveries/s) | remote msgs per broadcast ({size}) |");
            rule.Append("---:|---:|");
        }

        foreach (var rate in rates)
        {
            header.Append(CultureInfo.InvariantCulture, $" {rate:N0} msg/s: same node p50 / p99 ms | other nodes p50 / p99 ms | remote msgs per broadcast |");
            rule.Append("---:|---:|---:|");
        }

        header.Append(" kill: rooms ack again (ms) | kill: clients resumed (ms) |");
        rule.Append("---:|---:|");
        Text(md, header.ToString());
        Text(md, rule.ToString());
        foreach (var s in rows)
        {
            var line = new StringBuilder().Append(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Nodes} |");
            foreach (var size in sizes)
            {
                var r = s.Saturation.FirstOrDefault(x => x.Clients == size);
                line.Append(CultureInfo.InvariantCulture, $" {(r is null ? "—" : r.DeliveriesPerSecond.ToString("N0", CultureInfo.InvariantCulture))} | {Num(r?.Counters?.RemotePerBroadcast, "0.00")} |");
            }

            foreach (var rate in rates)
            {
                var p = s.CrossNode?.Phases.FirstOrDefault(x => x.OfferedPerSecond == rate);
                line.Append(CultureInfo.InvariantCulture, $" {Num(p?.SameP50Ms, "0.00")} / {Num(p?.SameP99Ms, "0.00")} | {Num(p?.CrossP50Ms, "0.00")} / {Num(p?.CrossP99Ms, "0.00")} | {Num(p?.Counters?.RemotePerBroadcast, "0.00")} |");
            }

            var k = s.KillRecovery;
            line.Append(CultureInfo.InvariantCulture, $" {(k is null ? "—" : Num(k.RoomsAckAgainMaxMs, "N0"))} | {(k is null ? "—" : Num(k.VictimsAllResumedMs, "N0"))} |");
            Text(md, line.ToString());
        }

        Text(md);
    }

    private static void CrossNode(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.CrossNode is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 9. Cross-node latency (v1)");
        Text(md);
        Text(md, "Room `xnode`: one sender on node 1, the other members spread over the nodes round-robin; the sender paces at each fixed rate. Send → delivery latency per receiver, split by node: *same node* = receivers on the sender's node (its own echo included), *other nodes* = the rest. The room's home node is the one whose broadcast counter grew; remote messages per broadcast from every node's `/metrics`.");
        Text(md);
        Text(md, "| server | nodes | clients per node | room on node | msg/s offered (sent) | deliveries/s | same node p50 / p99 ms | other nodes p50 / p99 / max ms | ack p50 / p99 ms | remote msgs per broadcast | loss | window waits |");
        Text(md, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in rows)
        {
            var r = s.CrossNode!;
            foreach (var p in r.Phases)
            {
                Line(md, $"| {s.Name} | {r.Nodes} | {string.Join(" / ", r.ClientsPerNode)} | {(r.RoomNode is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")} | {p.OfferedPerSecond:N0} ({p.AchievedPerSecond:N0}) | {p.DeliveriesPerSecond:N0} | {Num(p.SameP50Ms, "0.00")} / **{Num(p.SameP99Ms, "0.00")}** | {Num(p.CrossP50Ms, "0.00")} / **{Num(p.CrossP99Ms, "0.00")}** / {Num(p.CrossMaxMs, "0.0")} | {p.AckP50Ms:0.00} / {p.AckP99Ms:0.00} | {Num(p.Counters?.RemotePerBroadcast, "0.00")} | {p.Loss} | {p.WindowWaits} |");
            }
        }

        Text(md);
        foreach (var s in rows.Where(s => s.CrossNode!.Nodes > 1))
        {
            foreach (var p in s.CrossNode!.Phases)
            {
                Line(md, $"- {s.Name} at {p.OfferedPerSecond:N0} msg/s, p50 / p99 ms by receiving node (sender on node 1, room on node {(s.CrossNode.RoomNode is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")}): {string.Join("; ", p.PerNodeP50Ms.Zip(p.PerNodeP99Ms).Select((x, i) => $"node {i + 1}: {Num(x.First, "0.00")} / {Num(x.Second, "0.00")}"))}");
            }
        }

        foreach (var s in rows.Where(s => s.CrossNode!.Errors.Count > 0))
        {
            Line(md, $"- {s.Name}: errors {Errors(s.CrossNode!.Errors)}");
        }
    }

    private static void KillRecovery(StringBuilder md, BenchReport report)
    {
        var rows = report.Servers.Where(s => s.KillRecovery is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## 10. Kill recovery (v1)");
        Text(md);
        Text(md, "Rooms with a sender on node 1, a member on node 2 and one on the last node; every sender streams at a fixed rate; the last node is SIGKILLed. From the kill: when the killed node's rooms ack again (a new client on node 2 joins and sends, resending every 3 s, until acked), the longest ack gap of the other rooms, when the killed node's clients, reconnected to node 2 with `hello {name, session}` + `join {room, since}`, have their `joined` (session resumed? history exact: every offset after `since` once, `recovered: true`), and what happened to the lost rooms' members on the surviving nodes (closed by the server, then resumed the same way). \"deliver again\" is the survivors' rooms' figure: a lost room's members are closed, not delivered to.");
        Text(md);
        Text(md, "| server | killed node | rooms on it / all | its rooms ack again (ms, max) | deliver again (ms, max) | other rooms' longest ack gap (ms) | clients resumed (session) | exact history | resumed p50 / all (ms) | bound (s) | errors |");
        Text(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in rows)
        {
            var r = s.KillRecovery!;
            Line(md, $"| {s.Name} | {r.KilledNode + 1} of {r.Nodes} | {r.RoomsOnKilledNode} / {r.Rooms} | **{Num(r.RoomsAckAgainMaxMs, "N0")}** | {Num(r.RoomsDeliveredAgainMaxMs, "N0")} | {Num(r.SurvivorRoomsLongestAckGapMs, "N0")} | {r.VictimsResumed} / {r.Victims} | {r.VictimsRecovered} / {r.Victims} | {Num(r.VictimsResumedP50Ms, "N0")} / **{Num(r.VictimsAllResumedMs, "N0")}** | {r.BoundSeconds:0} | {Errors(r.Errors)} |");
        }

        Text(md);
        foreach (var s in rows)
        {
            var r = s.KillRecovery!;
            Text(md, "| room | home node | longest ack silence ended (ms after the kill) | longest delivery silence ended (ms) | longest ack gap ms | sent / acks received after the kill | rejoins after not-in-room |");
            Text(md, "|---|---:|---:|---:|---:|---:|---:|");
            foreach (var room in r.RoomDetails)
            {
                Line(md, $"| {room.Room} | {(room.HomeNode is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")} | {Num(room.AckAgainMs, "N0")} | {Num(room.DeliveredAgainMs, "N0")} | {room.LongestAckGapMs:N0} | {room.SentAfterKill} / {room.AckedAfterKill} | {room.Rejoins} |");
            }

            Text(md);
            foreach (var v in r.VictimDetails.Where(v => v.ResumedMs is null || !v.SessionResumed || !v.Exact))
            {
                Line(md, $"- {s.Name}: {v.Name} in {v.Room}: resumed {Num(v.ResumedMs, "N0")} ms after {v.Attempts} attempt(s), session resumed {v.SessionResumed}, recovered {v.Recovered}, exact {v.Exact}{(v.LastProblem is null ? "" : $"; last problem: {v.LastProblem}")}");
            }

            foreach (var m in r.LostRoomMembers)
            {
                Line(md, $"- {s.Name}: {m.Name} (on a surviving node, in {m.Room}, whose node was killed): closed {(m.ClosedMs is { } c ? $"({m.CloseCode}) {c:N0} ms after the kill" : "never")}; resumed on node 2 {Num(m.ResumedMs, "N0")} ms after the kill, session resumed {m.SessionResumed}, exact history {m.Exact}{(m.LastProblem is null ? "" : $"; {m.LastProblem}")}");
            }

            foreach (var problem in r.Problems)
            {
                Line(md, $"- {s.Name}: {problem}");
            }
        }

        Text(md);
    }

    private static void Comparisons(StringBuilder md, string title, string note, IReadOnlyList<ComparisonRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        Text(md, "## " + title);
        Text(md);
        Text(md, note + " Ratio: 1 = as good, more = better (throughput and room size: value / reference; latency and memory: reference / value).");
        Text(md);
        Text(md, "| figure | server | value | reference | against | ratio | ≥ 0.8× |");
        Text(md, "|---|---|---:|---:|---|---:|---|");
        foreach (var r in rows)
        {
            var format = r.Unit switch { "ms" => "0.00", "KiB" => "0.0", _ => "N0" };
            Line(md, $"| {r.Figure} | {r.Server} | {r.Value.ToString(format, CultureInfo.InvariantCulture)} {r.Unit} | {r.ReferenceValue.ToString(format, CultureInfo.InvariantCulture)} {r.Unit} | {r.Reference} | **{r.Ratio:0.00}×** | {(r.Ratio >= 0.8 ? "yes" : "no")} |");
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
