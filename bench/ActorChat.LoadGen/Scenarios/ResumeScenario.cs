using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Resume (issue 8): a v1 client that is <c>behind</c> messages behind reconnects and gets them all.
/// One sender and one "behind" client are members of room <c>resume</c>. Each trial: the behind
/// client's socket is aborted (no close frame: its session survives and its presence stays for
/// PresenceGrace); the sender posts <c>behind</c> messages and waits until they are acked and
/// echoed; then the behind client opens a new connection, says <c>hello {name, session}</c> and
/// <c>join {room, since}</c> with the position it last held. Timed from the start of the TCP connect
/// to the moment the whole <c>joined</c> has been read and checked (every missed offset exactly once,
/// in order, <c>recovered: true</c>); the parts (connect + upgrade, hello → welcome, join → joined)
/// are kept too. The first trial is a warm-up and is not counted.
/// </summary>
internal static class ResumeScenario
{
    private const string RoomName = "resume";
    private const string BehindName = "behind";

    public static async Task<ResumeResult> RunAsync(ScenarioContext context, int trials, int behind, CancellationToken cancellationToken)
    {
        var profile = context.Profile;
        var connector = context.Connector();
        await using var room = new Room(connector, WireProtocol.V1, RoomName, "res");
        await room.AddSendersAsync(1, profile.TextLength, cancellationToken);
        var sender = room.Senders[0];
        var options = new ConnectOptions(Protocol: WireProtocol.V1);
        var reader = new FrameReader();

        var connection = await connector.ConnectAsync(options, cancellationToken);
        var welcome = await V1Handshake.HelloAsync(connection.WebSocket, reader, BehindName, null, cancellationToken);
        var position = (await V1Handshake.JoinAsync(connection.WebSocket, reader, RoomName, null, 1, cancellationToken)).Joined.Position;
        var session = welcome.Session;

        var totals = new List<double>();
        var connects = new List<double>();
        var hellos = new List<double>();
        var joins = new List<double>();
        var problems = new List<string>();
        var frameBytes = 0;
        var notResumed = 0;
        try
        {
            for (var trial = 0; trial <= trials; trial++)
            {
                connection.WebSocket.Abort();
                connection.WebSocket.Dispose();
                await sender.SendCountAsync(behind, profile.WindowFor(1), cancellationToken);
                if (!await room.WaitDrainedAsync(TimeSpan.FromSeconds(30), cancellationToken))
                {
                    throw new ScenarioException($"trial {trial}: the sender's {behind} messages did not all come back within 30 s");
                }

                var started = Stopwatch.GetTimestamp();
                connection = await connector.ConnectAsync(options, cancellationToken);
                var connected = Stopwatch.GetTimestamp();
                welcome = await V1Handshake.HelloAsync(connection.WebSocket, reader, BehindName, session, cancellationToken);
                var welcomed = Stopwatch.GetTimestamp();
                var join = await V1Handshake.JoinAsync(connection.WebSocket, reader, RoomName, position, null, cancellationToken);
                var joined = join.Joined;
                var exact = joined.Recovered == true && joined.Position.Epoch == position.Epoch && joined.MessageOffsets.Length == behind && joined.IsExactlyAfter(position.Offset);
                var done = Stopwatch.GetTimestamp();
                if (!welcome.Resumed)
                {
                    notResumed++;
                }

                if (!exact)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"trial {trial}: since {position.Offset} → joined offset {joined.Position.Offset}, {joined.MessageOffsets.Length} messages, recovered {joined.Recovered?.ToString() ?? "absent"}"));
                }

                if (trial > 0)
                {
                    totals.Add(Ms(done - started));
                    connects.Add(Ms(connected - started));
                    hellos.Add(Ms(welcomed - connected));
                    joins.Add(Ms(done - welcomed));
                    frameBytes = Math.Max(frameBytes, joined.FrameBytes);
                }

                session = welcome.Session;
                position = joined.Position;
            }
        }
        finally
        {
            connection.WebSocket.Abort();
            connection.WebSocket.Dispose();
        }

        var result = new ResumeResult(
            totals.Count,
            behind,
            Percentile(totals, 0.50),
            Percentile(totals, 0.95),
            Percentile(totals, 0.99),
            Percentile(totals, 1.0),
            Math.Round(totals.Average(), 3),
            Percentile(connects, 0.50),
            Percentile(hellos, 0.50),
            Percentile(joins, 0.50),
            Percentile(joins, 0.99),
            frameBytes,
            notResumed,
            problems.Count,
            problems.Take(5).ToList());
        context.Log(string.Create(CultureInfo.InvariantCulture, $"resume {behind} behind, {result.Trials} trials: p50 {result.P50Ms} ms, p95 {result.P95Ms} ms, p99 {result.P99Ms} ms, max {result.MaxMs} ms (connect {result.ConnectP50Ms}, hello {result.HelloP50Ms}, join {result.JoinP50Ms} ms p50; joined frame {frameBytes / 1024.0:0} KiB); not resumed {notResumed}, inexact {problems.Count}"));
        return result;
    }

    /// <summary>Nearest-rank percentile, in milliseconds, rounded to µs.</summary>
    public static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var rank = Math.Clamp((int)Math.Ceiling(q * sorted.Count), 1, sorted.Count);
        return Math.Round(sorted[rank - 1], 3);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
