using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Reads the room counters of every node (<c>/metrics</c>) before and after a phase. The names are
/// the Prometheus exporter's for the <c>ActorChat</c> meter's <c>actorchat.room.broadcasts</c> and
/// <c>actorchat.room.remote_messages</c> counters (dots to underscores, <c>_total</c> for a counter).
/// </summary>
internal static class RelayMetrics
{
    public const string Broadcasts = "actorchat_room_broadcasts_total";
    public const string RemoteMessages = "actorchat_room_remote_messages_total";

    /// <summary>
    /// How long to wait between two readings that must differ: the OpenTelemetry Prometheus
    /// exporter answers a scrape from a cached copy for a while (300 ms by default).
    /// </summary>
    public static readonly TimeSpan ScrapeCache = TimeSpan.FromSeconds(1.1);

    private static readonly string[] s_names = [Broadcasts, RemoteMessages];

    /// <summary>One reading per node: (broadcasts, remote messages); null for a node that did not answer. Null when there is no started server.</summary>
    public static async Task<(double Broadcasts, double Remote)?[]?> ReadAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (context.Group is not { } group)
        {
            return null;
        }

        var readings = new (double, double)?[group.Nodes.Count];
        for (var i = 0; i < readings.Length; i++)
        {
            if (group.Nodes[i].HasExited)
            {
                continue;
            }

            try
            {
                var sums = await group.ScrapeAsync(i, s_names, cancellationToken);
                if (sums.Count > 0)
                {
                    readings[i] = (sums.GetValueOrDefault(Broadcasts), sums.GetValueOrDefault(RemoteMessages));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // a node that does not answer is left out
            }
        }

        return readings;
    }

    /// <summary>The counters' growth between two readings, over the nodes read both times; null when no node exports them.</summary>
    public static RelayCounters? Difference((double Broadcasts, double Remote)?[]? before, (double Broadcasts, double Remote)?[]? after)
    {
        if (before is null || after is null)
        {
            return null;
        }

        var perNode = new double[before.Length];
        double broadcasts = 0, remote = 0;
        var any = false;
        for (var i = 0; i < before.Length; i++)
        {
            if (before[i] is { } b && after[i] is { } a)
            {
                any = true;
                perNode[i] = a.Broadcasts - b.Broadcasts;
                broadcasts += perNode[i];
                remote += a.Remote - b.Remote;
            }
        }

        return any ? new RelayCounters(broadcasts, remote, perNode) : null;
    }

    /// <summary>The node that broadcast the most between two readings (a room's home); null when none did.</summary>
    public static int? Busiest(RelayCounters? counters)
    {
        if (counters is null || counters.Broadcasts <= 0)
        {
            return null;
        }

        var best = 0;
        for (var i = 1; i < counters.BroadcastsPerNode.Count; i++)
        {
            if (counters.BroadcastsPerNode[i] > counters.BroadcastsPerNode[best])
            {
                best = i;
            }
        }

        return best;
    }
}
