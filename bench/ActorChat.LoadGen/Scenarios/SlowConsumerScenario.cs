using System.Diagnostics;
using System.Globalization;
using System.Net;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Scenario 5, slow consumer: the latency scenario's room at 50 % load, first as a baseline, then
/// with one client that stops reading (its socket has a 4 KiB receive buffer, so the server's side
/// backs up within moments rather than after megabytes of kernel buffering). Reports the other
/// clients' p99 before and during the stall, the server's RSS growth, and when the server cut the
/// stalled client off (its server-side socket leaving ESTABLISHED in /proc/net/tcp, or the client
/// seeing its connection end) — or that it never did within the stall.
/// </summary>
internal static class SlowConsumerScenario
{
    private const double Fraction = 0.5;

    /// <summary>Adds the client that will stall to an open, warmed-up room, then runs the baseline and the stall.</summary>
    public static async Task<SlowConsumerResult> MeasureAsync(ScenarioContext context, Room room, double saturationMessagesPerSecond, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var stalled = await room.AddListenerAsync(new ConnectOptions(SocketReceiveBuffer: 4096), cancellationToken);
        stalled.Excluded = true;
        await Phases.SyncAsync(room, cancellationToken);
        var offered = Fraction * saturationMessagesPerSecond;
        var window = profile.PacedWindowFor(room.Count);
        var baseline = await LatencyScenario.RunPhaseAsync(room, Fraction, offered, profile.SlowBaseline, window, cancellationToken);
        context.Log("slow consumer baseline: " + LatencyScenario.Describe(baseline));

        var serverSide = ServerSide(stalled);
        var rssAtStall = context.Server?.Read().RssBytes;
        await using var sampler = context.Server is null ? null : new RssSampler(context.Server, TimeSpan.FromMilliseconds(50));
        stalled.Pause();
        var stallStart = Stopwatch.GetTimestamp();
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var cutOff = WatchCutOffAsync(stalled, serverSide, stallStart, watch.Token);
        var during = await LatencyScenario.RunPhaseAsync(room, Fraction, offered, profile.SlowStall, window, cancellationToken);
        var stallSeconds = Stopwatch.GetElapsedTime(stallStart).TotalSeconds;
        var peak = sampler?.MaxRssBytes;
        await watch.CancelAsync();
        var cutOffSeconds = await cutOff;

        stalled.Resume();
        var closeDeadline = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        while (cutOffSeconds is not null && stalled.ClosedAt == 0 && Stopwatch.GetTimestamp() < closeDeadline)
        {
            await Task.Delay(20, cancellationToken);
        }

        var change = baseline.P99Ms > 0 ? (during.P99Ms - baseline.P99Ms) / baseline.P99Ms * 100 : 0;
        var result = new SlowConsumerResult(
            room.IncludedCount + 1,
            Fraction,
            Math.Round(offered, 1),
            baseline.P99Ms,
            during.P99Ms,
            Math.Round(change, 1),
            rssAtStall is null ? null : Math.Round(ScenarioContext.MiB(rssAtStall.Value), 1),
            peak is null ? null : Math.Round(ScenarioContext.MiB(peak.Value), 1),
            peak is null || rssAtStall is null ? null : Math.Round(ScenarioContext.MiB(peak.Value - rssAtStall.Value), 1),
            Math.Round(stallSeconds, 2),
            cutOffSeconds is null ? null : Math.Round(cutOffSeconds.Value, 3),
            cutOffSeconds is null ? string.Create(CultureInfo.InvariantCulture, $"never within {stallSeconds:0.#} s") : string.Create(CultureInfo.InvariantCulture, $"after {cutOffSeconds:0.###} s"),
            (int?)stalled.CloseStatus,
            stalled.Ending switch
            {
                null => "still open",
                "reset" => "reset without a close frame",
                var ending => ending,
            },
            during.Loss + baseline.Loss);
        context.Log(string.Create(CultureInfo.InvariantCulture, $"slow consumer: others' p99 {result.BaselineP99Ms} → {result.StalledP99Ms} ms ({result.P99ChangePercent:+0.#;-0.#;0} %), server RSS +{result.MemoryGrowthMiB} MiB, cut off {result.CutOff}, ended: {result.Ending}, others' loss {result.LossOthers}"));
        return result;
    }

    /// <summary>
    /// Polls until the stalled connection is cut off; returns seconds since the stall began, or
    /// null. The client's own socket state is cheap to read and checked every 50 ms; the server's
    /// side (a scan of /proc/net/tcp) every 500 ms, so the load generator stays light.
    /// </summary>
    private static async Task<double?> WatchCutOffAsync(BenchClient stalled, (IPEndPoint Local, IPEndPoint Remote)? serverSide, long stallStart, CancellationToken cancellationToken)
    {
        try
        {
            for (var poll = 0; ; poll++)
            {
                var serverState = serverSide is { } side && poll % 10 == 0 ? TcpTable.State(side.Local, side.Remote) : TcpTable.Established;
                if (serverState != TcpTable.Established || stalled.TcpState() != TcpTable.Established || stalled.ClosedAt != 0)
                {
                    return Stopwatch.GetElapsedTime(stallStart).TotalSeconds;
                }

                await Task.Delay(50, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The server's end of the stalled client's connection (its local and remote end points), IPv4 only.</summary>
    private static (IPEndPoint Local, IPEndPoint Remote)? ServerSide(BenchClient client) =>
        client.LocalEndPoint is IPEndPoint local && client.RemoteEndPoint is IPEndPoint remote && local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? (remote, local)
            : null;
}
