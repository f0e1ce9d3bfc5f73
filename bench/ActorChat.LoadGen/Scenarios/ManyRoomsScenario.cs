using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Many rooms end to end over v1 (issue 8; bench/ActorChat.Benchmarks has the actor-level version):
/// <c>rooms</c> rooms (<c>r0</c>, <c>r1</c>, …) of <c>members</c> v1 connections each, one of which sends.
/// Saturation: every sender as fast as its window allows (at most min(64, 8192 / members) of its
/// messages undelivered in its room); persisted messages/s = <c>ack</c>s/s (an ack is sent once the
/// message is durable). Then every sender at a fixed rate, together half the saturated rate (or
/// <c>--rate</c>): <c>send</c> → <c>ack</c> latency of every send, and end-to-end delivery latency.
/// </summary>
internal static class ManyRoomsScenario
{
    private const int OpenParallelism = 8;

    public static async Task<ManyRoomsResult> RunAsync(ScenarioContext context, int roomCount, int members, double? rate, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var connector = context.Connector();
        var rooms = Enumerable.Range(0, roomCount).Select(k => new Room(connector, WireProtocol.V1, $"r{k}", $"r{k}")).ToList();
        try
        {
            var opening = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(rooms, new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism, CancellationToken = cancellationToken }, async (room, token) =>
            {
                await room.AddListenersAsync(members - 1, token);
                await room.AddSendersAsync(1, profile.TextLength, token);
            });
            await Task.WhenAll(rooms.Select(r => Phases.SyncAsync(r, cancellationToken)));
            context.Log(string.Create(CultureInfo.InvariantCulture, $"many rooms: {roomCount} × {members} v1 members joined and synced in {Stopwatch.GetElapsedTime(opening).TotalSeconds:0.0} s"));

            var window = profile.WindowFor(members);
            await MeasureAsync(rooms, s => s.SaturateAsync(profile.Warmup, window, cancellationToken), cancellationToken);

            var cpu0 = context.Server?.Read().CpuSeconds;
            var saturated = await MeasureAsync(rooms, s => s.SaturateAsync(profile.Measure, window, cancellationToken), cancellationToken);
            var cpu1 = context.Server?.Read().CpuSeconds;
            var persisted = saturated.Acks / saturated.Seconds;
            context.Log(string.Create(CultureInfo.InvariantCulture, $"many rooms saturated: {persisted:N0} persisted msg/s (acks), {saturated.Deliveries / saturated.Seconds:N0} deliveries/s, loss {saturated.Loss}, ack p99 {saturated.Ack.Percentile(0.99) / 1000:0.#} ms"));

            var target = rate ?? persisted / 2;
            var paced = await MeasureAsync(rooms, s => s.PaceAsync(target / roomCount, profile.LatencyPhase, profile.PacedWindowFor(members), cancellationToken), cancellationToken);
            var result = new ManyRoomsResult(
                roomCount,
                members,
                window,
                Math.Round(persisted),
                Math.Round(saturated.Deliveries / saturated.Seconds),
                saturated.Loss,
                cpu1 is null || cpu0 is null ? null : Math.Round((cpu1.Value - cpu0.Value) / saturated.Seconds, 2),
                Ms(saturated.Ack.Percentile(0.99)),
                Math.Round(target),
                Math.Round(paced.Acks / paced.Seconds),
                Ms(paced.Ack.Percentile(0.50)),
                Ms(paced.Ack.Percentile(0.99)),
                Ms(paced.Ack.MaxMicros),
                Ms(paced.Delivery.Percentile(0.50)),
                Ms(paced.Delivery.Percentile(0.99)),
                paced.Loss,
                paced.WindowWaits,
                context.DataBytes?.Invoke() is { } bytes ? Math.Round(bytes / 1024.0 / 1024.0, 1) : null,
                MergeErrors(rooms));
            context.Log(string.Create(CultureInfo.InvariantCulture, $"many rooms at {result.PacedTargetPerSecond:N0} msg/s ({result.PacedAchievedPerSecond:N0} acked/s): send → ack p50 {result.AckP50Ms} ms, p99 {result.AckP99Ms} ms, max {result.AckMaxMs} ms; delivery p50 {result.DeliveryP50Ms} ms, p99 {result.DeliveryP99Ms} ms; loss {result.PacedLoss}, window waits {result.PacedWindowWaits}"));
            return result;
        }
        finally
        {
            await Task.WhenAll(rooms.Select(r => r.DisposeAsync().AsTask()));
        }
    }

    private sealed record Outcome(double Seconds, long Acks, long Deliveries, long Loss, long WindowWaits, LatencyHistogram Ack, LatencyHistogram Delivery);

    private static async Task<Outcome> MeasureAsync(List<Room> rooms, Func<BenchSender, Task> send, CancellationToken cancellationToken)
    {
        var senders = rooms.SelectMany(r => r.Senders).ToList();
        var ackHistograms = senders.Select(s => s.Client.Acks!.Histogram = new LatencyHistogram()).ToList();
        var deliveryHistograms = rooms.SelectMany(r => r.StartLatencyPhase()).ToList();
        var acks = senders.Sum(s => s.Client.AckCount);
        var delivered = rooms.Sum(r => r.Delivered());
        var sent = rooms.Select(r => r.Sent).ToList();
        var waits = senders.Sum(s => s.WindowWaits);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(senders.Select(send));
        await Task.WhenAll(rooms.Select(r => r.WaitDrainedAsync(TimeSpan.FromSeconds(10), cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var deliveries = rooms.Sum(r => r.Delivered()) - delivered;
        var expected = rooms.Select((r, i) => (r.Sent - sent[i]) * r.IncludedCount).Sum();
        return new Outcome(
            seconds,
            senders.Sum(s => s.Client.AckCount) - acks,
            deliveries,
            Math.Max(0, expected - deliveries),
            senders.Sum(s => s.WindowWaits) - waits,
            Room.Merge(ackHistograms),
            Room.Merge(deliveryHistograms));
    }

    private static Dictionary<string, long> MergeErrors(List<Room> rooms)
    {
        var merged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (code, n) in rooms.SelectMany(r => r.Errors.Snapshot()))
        {
            merged[code] = merged.GetValueOrDefault(code) + n;
        }

        return merged;
    }

    private static double Ms(double micros) => Math.Round(micros / 1000.0, 3);
}
