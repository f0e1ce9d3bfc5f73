using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Scenario 3, largest room under a latency bound: 4 broadcasters each send at a fixed rate while
/// the room grows in steps (clients are added, never reconnected). A step passes when every
/// message reached every client and p95 stayed under the bound. The first failing step ends it,
/// unless the profile measures through a size (<see cref="Profile.RoomMeasureThrough"/>, 10 000 in
/// full runs): then loss-free steps go on up to that size, so its figure is in the report; the
/// largest passing room is still the last step before the first failure.
/// </summary>
internal static class LargestRoomScenario
{
    private const int Broadcasters = 4;

    public static async Task<LargestRoomResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var limit = context.ConnectionLimit();
        var steps = new List<RoomStep>();
        int? largest = null;
        var failed = false;
        var reason = "all steps passed";
        await using var room = context.NewRoom();
        var started = Stopwatch.GetTimestamp();
        foreach (var size in profile.RoomSteps)
        {
            if (size > limit)
            {
                reason = $"next step ({size}) exceeds the open-files limit ({limit + 512})";
                break;
            }

            if (Stopwatch.GetElapsedTime(started) > profile.ScenarioTimeout * 0.6)
            {
                reason = $"time budget used before step {size}";
                break;
            }

            try
            {
                await room.AddListenersAsync(size - room.Count - (room.Senders.Count == 0 ? Broadcasters : 0), cancellationToken);
                var first = room.Senders.Count == 0;
                if (first)
                {
                    await room.AddSendersAsync(Broadcasters, profile.TextLength, cancellationToken);
                }

                await Phases.SyncAsync(room, cancellationToken);
                if (first)
                {
                    await Phases.WarmUpAsync(room, profile, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reason = $"could not grow the room to {size}: {ex.Message}";
                break;
            }

            var phase = await Phases.MeasureAsync(
                room,
                s => s.PaceAsync(profile.RoomRatePerBroadcaster, profile.RoomStep, profile.PacedWindowFor(room.Count), cancellationToken),
                TimeSpan.FromSeconds(5),
                cancellationToken);
            var p95 = phase.Latency.Percentile(0.95) / 1000.0;
            var passed = phase.Loss == 0 && phase.Messages > 0 && p95 < profile.RoomBoundMs;
            var step = new RoomStep(
                room.Count,
                Math.Round(phase.Latency.Percentile(0.50) / 1000.0, 3),
                Math.Round(p95, 3),
                Math.Round(phase.Latency.Percentile(0.99) / 1000.0, 3),
                Math.Round(phase.Latency.MaxMicros / 1000.0, 3),
                Math.Round(phase.DeliveriesPerSecond),
                phase.Loss,
                passed);
            steps.Add(step);
            context.Log(string.Create(CultureInfo.InvariantCulture, $"room {step.Clients}: p50 {step.P50Ms:0.###} ms, p95 {step.P95Ms:0.###} ms, p99 {step.P99Ms:0.###} ms, {step.DeliveriesPerSecond:N0} deliveries/s, loss {step.Loss} → {(passed ? "pass" : "fail")}"));
            if (!passed)
            {
                if (!failed)
                {
                    reason = phase.Loss > 0 ? $"{size}: {phase.Loss} deliveries lost" : $"{size}: p95 {p95:0.#} ms ≥ {profile.RoomBoundMs} ms";
                }

                failed = true;
                if (phase.Loss > 0 || size >= profile.RoomMeasureThrough)
                {
                    break;
                }

                continue;
            }

            if (!failed)
            {
                largest = room.Count;
            }
        }

        return new LargestRoomResult(Broadcasters, profile.RoomRatePerBroadcaster, profile.RoomBoundMs, largest, reason, steps);
    }
}
