using System.Diagnostics;
using ActorChat.LoadGen.Clients;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>The outcome of one measured phase of sending.</summary>
internal sealed record PhaseOutcome(double Seconds, long Messages, long Deliveries, long Expected, long Loss, long Reordered, long WindowWaits, LatencyHistogram Latency)
{
    public double DeliveriesPerSecond => Seconds > 0 ? Deliveries / Seconds : 0;

    public double MessagesPerSecond => Seconds > 0 ? Messages / Seconds : 0;

    public static double Ms(double micros) => micros / 1000.0;
}

/// <summary>Room set-up and measured phases shared by the scenarios.</summary>
internal static class Phases
{
    private static readonly TimeSpan s_syncTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Connects <paramref name="clients"/> clients (of which <paramref name="senders"/> join and send) and syncs them.</summary>
    public static async Task<Room> OpenRoomAsync(ScenarioContext context, int clients, int senders, CancellationToken cancellationToken)
    {
        var room = context.NewRoom();
        try
        {
            await room.AddListenersAsync(clients - senders, cancellationToken);
            await room.AddSendersAsync(senders, context.Profile.TextLength, cancellationToken);
            await SyncAsync(room, cancellationToken);
            return room;
        }
        catch
        {
            await room.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Saturates the room for the profile's warm-up time and waits for delivery, so a .NET server's
    /// code is jitted at full tier before anything is measured; throws on loss.
    /// </summary>
    public static async Task WarmUpAsync(Room room, Profile profile, CancellationToken cancellationToken)
    {
        var warmup = await MeasureAsync(room, s => s.SaturateAsync(profile.Warmup, profile.WindowFor(room.Count), cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);
        if (warmup.Loss > 0)
        {
            throw new ScenarioException($"lost {warmup.Loss} deliveries during warm-up (errors: {Describe(room.Errors.Snapshot())})");
        }
    }

    public static async Task SyncAsync(Room room, CancellationToken cancellationToken)
    {
        if (!await room.SyncAsync(s_syncTimeout, cancellationToken))
        {
            var missing = room.Clients.Count(c => c.LastSync < 0);
            var closed = room.Clients.Count(c => c.ClosedAt != 0);
            throw new ScenarioException($"{missing} of {room.Count} clients never saw the sync broadcast ({closed} closed; errors: {Describe(room.Errors.Snapshot())})");
        }
    }

    /// <summary>Runs every sender with <paramref name="send"/>, waits for delivery, and tallies the phase.</summary>
    public static async Task<PhaseOutcome> MeasureAsync(Room room, Func<BenchSender, Task> send, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        var latency = room.StartLatencyPhase();
        var delivered = room.Delivered();
        var sent = room.Sent;
        var reordered = room.Reordered;
        var waits = room.Senders.Sum(s => s.WindowWaits);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(room.Senders.Select(send));
        await room.WaitDrainedAsync(drainTimeout, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var messages = room.Sent - sent;
        var deliveries = room.Delivered() - delivered;
        var expected = messages * room.IncludedCount;
        return new PhaseOutcome(
            seconds,
            messages,
            deliveries,
            expected,
            Math.Max(0, expected - deliveries),
            room.Reordered - reordered,
            room.Senders.Sum(s => s.WindowWaits) - waits,
            Room.Merge(latency));
    }

    public static string Describe(IReadOnlyDictionary<string, long> errors) =>
        errors.Count == 0 ? "none" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}"));
}
