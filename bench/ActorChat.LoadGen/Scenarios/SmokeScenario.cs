using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// The smoke check that proves the harness works (not speed): a few clients for a few seconds,
/// each sender under 10 messages per second so that a server with default rate limits passes.
/// <see cref="SmokeResult.Passed"/> requires zero loss, no reordering, and deliveries == expected.
/// </summary>
internal static class SmokeScenario
{
    public const int Listeners = 3;
    public const int Senders = 3;
    public const double RatePerSender = 5;

    public static Task<SmokeResult> RunAsync(Uri url, TimeSpan duration, CancellationToken cancellationToken) =>
        RunAsync(new LoopbackConnector(url), duration, cancellationToken);

    /// <summary>The smoke check over <paramref name="connector"/> (clients spread over a cluster's nodes).</summary>
    public static async Task<SmokeResult> RunAsync(LoopbackConnector connector, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var room = new Room(connector);
        await room.AddListenersAsync(Listeners, cancellationToken);
        await room.AddSendersAsync(Senders, 100, cancellationToken);
        await Phases.SyncAsync(room, cancellationToken);
        var phase = await Phases.MeasureAsync(room, s => s.PaceAsync(RatePerSender, duration, 1000, cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);
        return new SmokeResult(room.Count, Senders, phase.Messages, phase.Expected, phase.Deliveries, Math.Max(phase.Loss, room.Gaps), phase.Reordered, room.Errors.Snapshot());
    }
}
