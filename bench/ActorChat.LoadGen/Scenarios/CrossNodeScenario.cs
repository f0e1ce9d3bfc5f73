using System.Globalization;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Cross-node latency (v1): room <c>xnode</c> of <c>clients</c> members; its one sender is on node 0,
/// the others are spread over the nodes round-robin. After a warm-up, the sender paces at each
/// fixed rate (after one unmeasured second at the first); every delivery's send → delivery latency is recorded per receiver and split into
/// same-node (receiver on the sender's node, the sender's own echo included) and cross-node
/// (every other node). On one node everything is same-node. Each node's room counters are read
/// before and after each phase: the room's home is the node that broadcast, and remote messages
/// per broadcast is the relay's cost.
/// </summary>
internal static class CrossNodeScenario
{
    private const string RoomName = "xnode";

    public static async Task<CrossNodeResult> RunAsync(ScenarioContext context, int clients, IReadOnlyList<double> rates, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        await using var room = new Room(context.Connector(), WireProtocol.V1, RoomName, "x") { SenderNode = 0 };
        await room.AddListenersAsync(clients - 1, cancellationToken);
        await room.AddSendersAsync(1, profile.TextLength, cancellationToken);
        await Phases.SyncAsync(room, cancellationToken);
        var perNode = Enumerable.Range(0, context.Nodes).Select(n => room.Clients.Count(c => c.Node == n)).ToList();

        var warmBefore = await RelayMetrics.ReadAsync(context, cancellationToken);
        await Phases.WarmUpAsync(room, profile, cancellationToken);
        await Task.Delay(RelayMetrics.ScrapeCache, cancellationToken);
        var home = RelayMetrics.Busiest(RelayMetrics.Difference(warmBefore, await RelayMetrics.ReadAsync(context, cancellationToken)));
        context.Log($"cross-node: {room.Count} members, clients per node {string.Join("/", perNode)}, sender on node 1, room on node {(home is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")}");

        // one unmeasured second at the first rate: the paced path and the journal settle after the
        // saturated warm-up (its backlog of writes), so the first phase is not charged with it
        await Phases.MeasureAsync(room, s => s.PaceAsync(rates[0], TimeSpan.FromSeconds(1), profile.PacedWindowFor(room.Count), cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);

        var phases = new List<CrossNodePhase>();
        var sender = room.Senders[0];
        foreach (var rate in rates)
        {
            var ack = sender.Client.Acks!.Histogram = new LatencyHistogram();
            var before = await RelayMetrics.ReadAsync(context, cancellationToken);
            // MeasureAsync gives every client a fresh histogram; they are read per node afterwards
            var phase = await Phases.MeasureAsync(room, s => s.PaceAsync(rate, profile.LatencyPhase, profile.PacedWindowFor(room.Count), cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);
            await Task.Delay(RelayMetrics.ScrapeCache, cancellationToken);
            var counters = RelayMetrics.Difference(before, await RelayMetrics.ReadAsync(context, cancellationToken));
            var same = Room.Merge(room.Clients.Where(c => c.Node == sender.Client.Node).Select(c => c.Histogram!));
            var cross = Room.Merge(room.Clients.Where(c => c.Node != sender.Client.Node).Select(c => c.Histogram!));
            var result = new CrossNodePhase(
                rate,
                Math.Round(phase.Messages / profile.LatencyPhase.TotalSeconds, 1),
                Math.Round(phase.DeliveriesPerSecond),
                same.Count,
                Ms(same),
                P(same, 0.99),
                same.Count == 0 ? null : Math.Round(same.MaxMicros / 1000.0, 3),
                cross.Count,
                Ms(cross),
                P(cross, 0.99),
                cross.Count == 0 ? null : Math.Round(cross.MaxMicros / 1000.0, 3),
                Math.Round(ack.Percentile(0.50) / 1000.0, 3),
                Math.Round(ack.Percentile(0.99) / 1000.0, 3),
                phase.Loss,
                phase.Reordered,
                phase.WindowWaits,
                counters)
            {
                PerNodeP50Ms = [.. Enumerable.Range(0, context.Nodes).Select(n => P(Room.Merge(room.Clients.Where(c => c.Node == n).Select(c => c.Histogram!)), 0.50))],
                PerNodeP99Ms = [.. Enumerable.Range(0, context.Nodes).Select(n => P(Room.Merge(room.Clients.Where(c => c.Node == n).Select(c => c.Histogram!)), 0.99))],
            };
            phases.Add(result);
            context.Log(Describe(result));
        }

        return new CrossNodeResult(room.Count, context.Nodes, sender.Client.Node, home, perNode, phases, room.Errors.Snapshot());
    }

    public static string Describe(CrossNodePhase r) => string.Create(
        CultureInfo.InvariantCulture,
        $"cross-node at {r.OfferedPerSecond:N0} msg/s ({r.AchievedPerSecond:N0} sent/s, {r.DeliveriesPerSecond:N0} deliveries/s): " +
        $"same node p50 {r.SameP50Ms?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"} / p99 {r.SameP99Ms?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"} ms ({r.SameNodeDeliveries}), " +
        $"other nodes p50 {r.CrossP50Ms?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"} / p99 {r.CrossP99Ms?.ToString("0.###", CultureInfo.InvariantCulture) ?? "n/a"} ms ({r.CrossNodeDeliveries}); " +
        $"ack p50 {r.AckP50Ms:0.###} / p99 {r.AckP99Ms:0.###} ms; per node p50/p99 {string.Join(", ", r.PerNodeP50Ms.Zip(r.PerNodeP99Ms, (a, b) => $"{a?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-"}/{b?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-"}"))}; loss {r.Loss}, window waits {r.WindowWaits}{Counters(r.Counters)}");

    public static string Counters(RelayCounters? c) => c is null ? "" : string.Create(
        CultureInfo.InvariantCulture,
        $"; {c.Broadcasts:0} broadcasts, {c.RemoteMessages:0} remote messages ({c.RemotePerBroadcast?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a"} per broadcast)");

    private static double? Ms(LatencyHistogram histogram) => P(histogram, 0.50);

    private static double? P(LatencyHistogram histogram, double q) => histogram.Count == 0 ? null : Math.Round(histogram.Percentile(q) / 1000.0, 3);
}
