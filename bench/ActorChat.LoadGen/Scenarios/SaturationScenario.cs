using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Scenario 1, fan-out saturation: one room of N clients, a few senders sending ~100-byte
/// messages as fast as the server takes them (within the window). Deliveries are counted at the
/// receivers; loss must be 0. Server CPU comes from /proc/&lt;pid&gt;/stat, peak RSS from VmHWM
/// (reset at the start) or sampled VmRSS, whichever is higher.
/// </summary>
internal static class SaturationScenario
{
    /// <summary>Opens a room of <paramref name="clients"/>, warms it up and measures it.</summary>
    public static async Task<SaturationResult> RunAsync(ScenarioContext context, int clients, CancellationToken cancellationToken)
    {
        await using var room = await Phases.OpenRoomAsync(context, clients, context.Profile.Senders, cancellationToken);
        await Phases.WarmUpAsync(room, context.Profile, cancellationToken);
        return await MeasureAsync(context, room, cancellationToken);
    }

    /// <summary>Measures an open, warmed-up room.</summary>
    public static async Task<SaturationResult> MeasureAsync(ScenarioContext context, Room room, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var clients = room.Count;
        var drain = TimeSpan.FromSeconds(10);
        context.Server?.ResetPeak();
        await using var sampler = context.Server is null ? null : new RssSampler(context.Server, TimeSpan.FromMilliseconds(50));
        var countersBefore = await RelayMetrics.ReadAsync(context, cancellationToken);
        var before = context.Server?.Read();
        var loadGenBefore = ScenarioContext.LoadGenCpuSeconds();
        var phase = await Phases.MeasureAsync(room, s => s.SaturateAsync(profile.Measure, profile.WindowFor(clients), cancellationToken), drain, cancellationToken);
        var after = context.Server?.Read();
        if (countersBefore is not null && phase.Seconds < RelayMetrics.ScrapeCache.TotalSeconds)
        {
            await Task.Delay(RelayMetrics.ScrapeCache, cancellationToken);
        }

        var counters = RelayMetrics.Difference(countersBefore, await RelayMetrics.ReadAsync(context, cancellationToken));
        var cpu = after is null || before is null ? (double?)null : after.CpuSeconds - before.CpuSeconds;
        var peak = after is null || sampler is null ? (double?)null : ScenarioContext.MiB(Math.Max(after.PeakRssBytes, sampler.MaxRssBytes));
        var result = new SaturationResult(
            clients,
            profile.Senders,
            Math.Round(phase.Seconds, 3),
            phase.Messages,
            phase.Deliveries,
            Math.Round(phase.DeliveriesPerSecond),
            Math.Round(phase.MessagesPerSecond, 1),
            phase.Loss,
            phase.Reordered,
            cpu,
            cpu is null || phase.Deliveries == 0 ? null : Math.Round(cpu.Value / (phase.Deliveries / 1e6), 3),
            peak is null ? null : Math.Round(peak.Value, 1),
            Math.Round(ScenarioContext.LoadGenCpuSeconds() - loadGenBefore, 2),
            phase.WindowWaits,
            room.Errors.Snapshot())
        {
            Counters = counters,
        };
        context.Log($"saturation {clients} clients: {result.DeliveriesPerSecond:N0} deliveries/s ({result.MessagesPerSecond:N0} msg/s), loss {result.Loss}, " +
            $"reordered {result.Reordered}, server CPU {result.ServerCpuSecondsPerMillionDeliveries?.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"} s per million, " +
            $"peak RSS {result.ServerPeakRssMiB?.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"} MiB, load generator CPU {result.LoadGenCpuSeconds:0.00} s" +
            (counters is null ? "" : $", {counters.Broadcasts:0} broadcasts, {counters.RemoteMessages:0} remote messages ({counters.RemotePerBroadcast?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"} per broadcast)"));
        return result;
    }
}
