using System.Globalization;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Scenario 2, latency under load: a 100-client room at fixed offered rates (fractions of this
/// server's measured saturation). Latency is end to end: from just before the sender's send to the
/// receiver's read, same clock, every receiver.
/// </summary>
internal static class LatencyScenario
{
    /// <summary>Runs one phase per load fraction in an open, warmed-up room.</summary>
    public static async Task<List<LatencyResult>> MeasureAsync(ScenarioContext context, Room room, double saturationMessagesPerSecond, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var results = new List<LatencyResult>();
        foreach (var fraction in profile.LatencyFractions)
        {
            var offered = fraction * saturationMessagesPerSecond;
            var result = await RunPhaseAsync(room, fraction, offered, profile.LatencyPhase, profile.PacedWindowFor(room.Count), cancellationToken);
            results.Add(result);
            context.Log(Describe(result));
        }

        return results;
    }

    public static async Task<LatencyResult> RunPhaseAsync(Room room, double fraction, double offered, TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var perSender = offered / room.Senders.Count;
        var phase = await Phases.MeasureAsync(room, s => s.PaceAsync(perSender, duration, window, cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);
        var latency = phase.Latency;
        return new LatencyResult(
            room.IncludedCount,
            fraction,
            Math.Round(offered, 1),
            Math.Round(phase.Messages / duration.TotalSeconds, 1),
            Math.Round(phase.DeliveriesPerSecond),
            phase.Deliveries,
            Round(latency.Percentile(0.50)),
            Round(latency.Percentile(0.90)),
            Round(latency.Percentile(0.95)),
            Round(latency.Percentile(0.99)),
            Round(latency.MaxMicros),
            phase.Loss,
            phase.Reordered,
            phase.WindowWaits);
    }

    public static string Describe(LatencyResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"latency {r.Clients} clients at {r.Fraction:P0} ({r.OfferedMessagesPerSecond:N0} msg/s offered, {r.AchievedMessagesPerSecond:N0} sent/s): " +
        $"p50 {r.P50Ms:0.###} ms, p90 {r.P90Ms:0.###} ms, p99 {r.P99Ms:0.###} ms, max {r.MaxMs:0.###} ms, loss {r.Loss}, window waits {r.WindowWaits}");

    private static double Round(double micros) => Math.Round(micros / 1000.0, 3);
}
