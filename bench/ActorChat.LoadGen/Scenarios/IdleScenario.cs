using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Scenario 4, idle connections: open N connections (spread over several 127.0.x.y source
/// addresses), leave them idle, and report the server's RSS growth per connection and the connect
/// rate. By default they do not join: every join is broadcast to the whole room, so N joins cost
/// N²/2 deliveries (50 M for 10 k) and would measure fan-out instead of idle cost. With
/// <c>--idle-join</c> each one joins (and reads what the joins broadcast). N is capped by the
/// open-files limit of this process and the server's.
/// </summary>
internal static class IdleScenario
{
    public const int SourceAddresses = 16;

    public static async Task<IdleResult> RunAsync(ScenarioContext context, int requested, bool join, CancellationToken cancellationToken)
    {
        var limit = context.ConnectionLimit();
        var count = (int)Math.Min(requested, limit);
        var notes = new List<string>();
        if (count < requested)
        {
            notes.Add($"capped at {count} by the open-files limit ({limit + 512}; `ulimit -Hn` cannot be raised without CAP_SYS_RESOURCE)");
        }

        await Task.Delay(context.Profile.IdleSettle, cancellationToken);
        var baseline = context.Server?.Read().RssBytes;
        await using var room = new Room(new LoopbackConnector(context.Url, SourceAddresses));
        var connectTime = await room.AddListenersAsync(count, cancellationToken, ConnectOptions.Idle);
        if (join)
        {
            for (var i = 0; i < room.Clients.Count; i++)
            {
                await room.Clients[i].WebSocket.SendAsync(WireFormat.Join($"idle{i}"), WebSocketMessageType.Text, true, cancellationToken);
            }

            await WaitForJoinsAsync(room, cancellationToken);
        }

        await Task.Delay(context.Profile.IdleSettle, cancellationToken);
        var rss = context.Server?.Read().RssBytes;
        var closed = room.Clients.Count(c => c.ClosedAt != 0);
        var perConnection = rss is null || baseline is null ? (double?)null : (rss.Value - baseline.Value) / 1024.0 / count;
        notes.Add("RSS as the OS reports it, no GC forced (a .NET server's heap may hold garbage not yet collected)");
        var result = new IdleResult(
            requested,
            count,
            join,
            SourceAddresses,
            Math.Round(connectTime.TotalSeconds, 3),
            Math.Round(count / connectTime.TotalSeconds),
            baseline is null ? null : Math.Round(ScenarioContext.MiB(baseline.Value), 1),
            rss is null ? null : Math.Round(ScenarioContext.MiB(rss.Value), 1),
            perConnection is null ? null : Math.Round(perConnection.Value, 2),
            closed,
            string.Join("; ", notes));
        context.Log(string.Create(CultureInfo.InvariantCulture, $"idle {count} connections{(join ? " (joined)" : "")}: {result.ConnectsPerSecond:N0} connects/s, server RSS {result.BaselineRssMiB} → {result.RssMiB} MiB = {result.RssPerConnectionKiB} KiB per connection, {closed} closed by the server"));
        return result;
    }

    private static async Task WaitForJoinsAsync(Room room, CancellationToken cancellationToken)
    {
        // each client sees every join broadcast after its own connect: the last one sees its own only
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        var last = room.Clients[^1];
        while (last.Controls == 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
