using System.Text.Json;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// A node killed outright (SIGKILL: no drain, no leave) in the middle of a stream: the survivors
/// lose nothing, its rooms come back on a survivor once the split-brain resolver downs it, and its
/// clients resume on another node with no gap and no duplicate.
/// </summary>
public sealed class NodeKillTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>, IDisposable
{
    /// <summary>
    /// The bound on a killed node's rooms serving again, from the kill (README's recovery bound, 15 s
    /// at the defaults the nodes run with, scaled): the failure detector notices (about 3-4 s), the
    /// resolver waits stable-after (5 s) and downs the node, sharding waits its removal margin (2 s)
    /// before the coordinator gives the node's shards to the survivors, and each room recovers from
    /// the journal. The measured time is printed.
    /// </summary>
    public static readonly TimeSpan RecoveryBound = ThreeNodeCluster.RecoveryBound;

    /// <summary>
    /// The bound on a newcomer on a survivor (hello to ack) while the dead node is unreachable, not
    /// yet removed: the issue's "as fast as with all nodes up" (median within 2 s) with room for a
    /// busy machine, and well below the time the node's shards take to come back, which is what a
    /// newcomer held up by the dead node waits.
    /// </summary>
    public static readonly TimeSpan NewcomerBound = TestTime.Seconds(4);

    /// <summary>
    /// The bound on the dead node's clients having resumed with all their rooms: a hello or join
    /// sent to the dead node before the survivors know it is dead is lost, and the connection gives
    /// up on it after <see cref="ThreeNodeCluster.AnswerTimeout"/> (1012), then the client resumes.
    /// The request itself may go out seconds after the kill (its sender sees its own connection
    /// drop first), and the resume crosses a loaded machine: 20 s beyond the timeout (30.8 s was
    /// seen once with the test suites building alongside).
    /// </summary>
    public static readonly TimeSpan ClientResumeBound = ThreeNodeCluster.AnswerTimeout + TestTime.Seconds(20);

    /// <summary>A send unanswered this long is sent again with its cid (its room's node may have died with it).</summary>
    private static readonly TimeSpan RetryAfter = RoomSender.RetryAfterDefault;

    private readonly int[] _marks = cluster.LogMarks();

    public void Dispose() => cluster.WriteLogs(output, _marks);

    [Fact]
    public async Task SIGKILL_of_a_node_during_a_stream_loses_nothing_acked_holds_up_no_newcomer_on_the_survivors_its_rooms_serve_again_within_the_bound_and_its_clients_resume_elsewhere_gapless()
    {
        const int AckedBeforeKill = 40;
        const int AckedAfterRecovery = 40;
        var clients = new List<ResumingClient>();
        using var stop = new CancellationTokenSource();
        var streams = new List<RoomSender>();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                clients.Add(await ResumingClient.StartAsync(cluster, cluster.Nodes[n], $"kill{n + 1}", ClientResumeBound));
            }

            // Session shards on every node, the victim's too.
            var warm = await Newcomers.WarmUpAsync(cluster, 20);
            var (victim, onVictim, elsewhere) = await cluster.PlaceRoomsAsync("k", [.. clients.Select(c => c.Current)], output);
            string[] rooms = [onVictim, elsewhere];
            var v = cluster.Nodes.ToList().IndexOf(victim);
            var dead = clients[v];
            var survivors = clients.Where(c => c != dead).ToList();

            // The sender on the surviving node that is not the seed.
            var senderNode = cluster.Nodes[3 - v];
            output.WriteLine($"victim {victim.Name} hosts {onVictim}; {elsewhere} lives elsewhere; the sender is on {senderNode.Name}.");
            var sender = await ResumingClient.StartAsync(cluster, senderNode, "killsender", ClientResumeBound);
            clients.Add(sender);
            foreach (var client in clients)
            {
                // The rooms each client follows (every client is in all of them; these two it rejoins after a lost connection).
                foreach (var room in rooms)
                {
                    await client.JoinAsync(room);
                }

                client.Avoid.Add(victim);
            }

            streams.AddRange(rooms.Select(room => new RoomSender(sender, room, room, RetryAfter, cluster.Clock)));
            foreach (var stream in streams)
            {
                stream.Start(stop.Token);
            }

            foreach (var stream in streams)
            {
                await stream.WaitForAcksAsync(AckedBeforeKill, TestTime.Seconds(30));
            }

            // The kill.
            var killMarks = cluster.LogMarks();
            var killedAt = cluster.Clock.Elapsed;
            victim.Kill();
            Assert.Equal(128 + 9, await victim.WaitForExitAsync(TestTime.Timeout));
            var lost = dead.Connections[0];
            Assert.Null(await lost.WaitForEndAsync());
            output.WriteLine($"killed {victim.Name} at {killedAt.TotalSeconds:F3} s; its client had seen {onVictim} up to {Timeline.LastOffset(lost, onVictim)}, {elsewhere} up to {Timeline.LastOffset(lost, elsewhere)}.");

            // Newcomers on the survivors once both take the victim for unreachable (log 1075), before
            // it is downed: names in shards never used (allocated now), sessions drawn by the fronts,
            // the room that lives on a survivor. None waits for the dead node.
            var living = cluster.Others(victim).ToList();
            foreach (var node in living)
            {
                await node.WaitForLogAsync(l => l.Contains($"Cluster member {victim.Address} is unreachable", StringComparison.Ordinal), "the victim unreachable", RecoveryBound, killMarks[cluster.Nodes.ToList().IndexOf(node)]);
            }

            var arrivedFrom = cluster.Clock.Elapsed - killedAt;
            var fresh = Newcomers.FreshNames([.. warm, .. clients.Select(c => c.Name)], 42);
            var newcomers = fresh[..12];
            var times = (await Newcomers.ArriveAsync(living, newcomers, elsewhere, NewcomerBound, output)).Order().ToList();
            var median = times[times.Count / 2];
            output.WriteLine($"NEWCOMERS: {times.Count} new users on the survivors from {arrivedFrom.TotalSeconds:F3} s after the kill: hello to first ack median {median.TotalSeconds:F3} s, slowest {times[^1].TotalSeconds:F3} s");
            Assert.True(median <= TestTime.Seconds(2), $"The median newcomer took {median} to its first ack.");

            // The victim's room serves again: seen by new users on the survivors, one more every
            // second (the members' own clients resume at their own pace, below).
            var probed = await Newcomers.ProbeAsync(living, fresh[12..], onVictim, TimeSpan.FromSeconds(1), RecoveryBound + TestTime.Seconds(10), cluster.Clock);
            var roomBack = probed - killedAt;
            output.WriteLine($"ROOM BACK: a new user on a survivor had its ack in {onVictim} {roomBack.TotalSeconds:F3} s after the kill (bound {RecoveryBound.TotalSeconds} s)");

            // Its client resumes on another node on its own; it has its rooms back within the bound.
            await dead.WhenReadyAsync(ClientResumeBound);
            var resumedAt = cluster.Clock.Elapsed;
            Assert.True(dead.Resumes >= 1, $"{dead.Name} resumed on another node.");

            // The room of the dead node serves again: acks after the outage.
            var victimStream = streams[0];
            await victimStream.WaitForAsync(acks => acks.Count(a => a.AckedAt > killedAt) >= AckedAfterRecovery, $"{AckedAfterRecovery} acks in {onVictim} after the kill", RecoveryBound + TestTime.Seconds(30));
            await streams[1].WaitForAsync(acks => acks.Count(a => a.AckedAt > killedAt) >= AckedAfterRecovery, $"{AckedAfterRecovery} acks in {elsewhere} after the kill", TestTime.Seconds(30));
            await stop.CancelAsync();
            await Task.WhenAll(streams.Select(s => s.Completion));

            // The outage: the longest wait between two acks of a room from the kill on.
            foreach (var stream in streams)
            {
                var (gap, end) = LongestGap(stream.Acks, killedAt);
                output.WriteLine($"{stream.Room}: longest wait between acks after the kill {gap.TotalSeconds:F3} s, serving again {(end - killedAt).TotalSeconds:F3} s after the kill; {stream.Acks.Count} acks, {stream.Retries} sends retried");
            }

            var (_, servedAgain) = LongestGap(victimStream.Acks, killedAt);
            var recovery = servedAgain - killedAt;
            output.WriteLine($"RECOVERY: {victim.Name}'s room {onVictim} served a new user again {roomBack.TotalSeconds:F3} s after SIGKILL (stable-after {ThreeNodeCluster.StableAfter.TotalSeconds} s; bound {RecoveryBound.TotalSeconds} s), the sender (resumed) {recovery.TotalSeconds:F3} s after; the dead node's client had resumed with both rooms {(resumedAt - killedAt).TotalSeconds:F3} s after the kill.");

            // What the survivors logged (1075 unreachable, 1074 removed): detection and downing, for the record.
            for (var n = 0; n < cluster.Nodes.Count; n++)
            {
                var node = cluster.Nodes[n];
                if (node == victim)
                {
                    continue;
                }

                var unreachable = node.FindLog(l => l.Contains($"Cluster member {victim.Address} is unreachable", StringComparison.Ordinal), killMarks[n]);
                var removed = node.FindLog(l => l.Contains($"Cluster member {victim.Address} removed", StringComparison.Ordinal), killMarks[n]);
                var room = node.FindLog(l => l.Contains($"Room {onVictim}: recovered", StringComparison.Ordinal), killMarks[n]);
                output.WriteLine($"{node.Name} logged {victim.Name} unreachable {Since(unreachable, killedAt)}, removed {Since(removed, killedAt)}{(room is not null ? $", {onVictim} recovered here {Since(room, killedAt)}" : "")} after the kill.");
            }

            Assert.True(roomBack <= RecoveryBound, $"{onVictim} served again {roomBack} after the kill, over the bound {RecoveryBound}.");
            Assert.True(recovery <= ClientResumeBound, $"The sender's acks in {onVictim} came back {recovery} after the kill, over {ClientResumeBound}.");
            Assert.True(streams[1].Acks.Any(a => a.AckedAt > killedAt), "The room elsewhere kept serving.");

            var reader = clients[0];
            foreach (var stream in streams)
            {
                var acks = stream.Acks;
                var last = acks.Max(a => a.Offset);
                AssertAcksConsistent(stream);

                // History: offsets 1..last, each acked message at its offset, each cid once.
                await reader.WhenReadyAsync(RecoveryBound);
                var history = await Timeline.HistoryAsync(reader.Current, stream.Room);
                V1Frames.AssertContiguous(history.Offsets(), 1, $"the history of {stream.Room}");
                Assert.True(history.Count >= last, $"{stream.Room}: history ends at {history.Count}, below the last ack {last}.");
                foreach (var ack in acks)
                {
                    var held = history[(int)ack.Offset - 1];
                    Assert.True(held.Str("cid") == ack.Cid && held.Str("text") == ack.Text, $"{stream.Room}: acked {ack.Cid} at {ack.Offset}, history holds {held.GetRawText()}");
                }

                var repeated = history.GroupBy(m => m.Str("cid")).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
                Assert.True(repeated.Count == 0, $"{stream.Room}: posted twice: {string.Join(", ", repeated)}");

                // Every client's view, across its connections: every message once, in order, up to the end.
                foreach (var client in clients)
                {
                    // A client whose connection was lost has resumed by now (or says where it is stuck).
                    await client.WhenReadyAsync(RecoveryBound);
                    await client.WaitForOffsetAsync(stream.Room, history.Count, TestTime.Timeout);
                    var seen = client.Timeline(stream.Room);
                    V1Frames.AssertContiguous(seen.Offsets(), 1, $"{client.Name}'s view of {stream.Room} over {client.Connections.Count} connections");
                    Assert.Equal(history.Count, seen.Count);
                }
            }

            foreach (var client in clients)
            {
                output.WriteLine($"{client.Name}: {client.Resumes} resumes {string.Join("; ", client.Problems)}");
                foreach (var connection in client.Connections)
                {
                    // A connection ends only with 1012, to resume, or with no close at all (its node died).
                    Assert.True(!connection.Ended || connection.CloseStatus is null or 1012, $"{connection.Label} ended with {connection.CloseStatus} {connection.CloseReason}");
                }
            }

            // Every member of the lost room connected to a survivor is told so: its first connection
            // is closed with 1012 (the node of room … was lost, event 2107), so it resumes and
            // rejoins from what it has, rather than staying a member of a room that is gone.
            foreach (var client in survivors.Append(sender))
            {
                var first = client.Connections[0];
                Assert.True(first.Ended && first.CloseStatus == 1012, $"{first.Label}, a member of {onVictim} on a survivor, {(first.Ended ? $"ended with {first.CloseStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no close frame"} {first.CloseReason}" : "is still open")}, not with 1012");
            }

            await AssertSessionsKeptAsync(cluster, [.. clients.Select(c => (c.Current, c.Name))], rooms, servedAgain, output);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var stream in streams)
            {
                // What the stream met, for a failure found elsewhere first.
                output.WriteLine($"stream {stream.Room}: {stream.Acks.Count} acks, {stream.Retries} retried; {(stream.Completion.IsFaulted ? "failed: " + stream.Completion.Exception?.InnerException?.Message : "no failure")}");
                foreach (var problem in stream.Problems)
                {
                    output.WriteLine($"  {problem}");
                }
            }

            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>When <paramref name="line"/> was logged, from <paramref name="from"/>.</summary>
    internal static string Since(LogLine? line, TimeSpan from) => line is { } l ? $"{(l.At - from).TotalSeconds:F3} s" : "(not logged)";

    /// <summary>
    /// The sessions of connections that stayed open are not ended by what happened to another node:
    /// once the time-to-live of a session without its connection has passed since
    /// <paramref name="from"/> (when a session entity of the lost node came back elsewhere), each
    /// of <paramref name="clients"/> still holds its name (a hello with it on node 1 is refused) and
    /// is still a member of <paramref name="rooms"/> (a message from each reaches the others).
    /// </summary>
    internal static async Task AssertSessionsKeptAsync(ThreeNodeCluster cluster, IReadOnlyList<(V1Client Client, string Name)> clients, IReadOnlyList<string> rooms, TimeSpan from, ITestOutputHelper output)
    {
        // Waiting out a timer is the point here: a session wrongly taken for disconnected ends then.
        var left = from + ThreeNodeCluster.SessionTtl + TimeSpan.FromSeconds(3) - cluster.Clock.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        output.WriteLine($"{(cluster.Clock.Elapsed - from).TotalSeconds:F1} s after the node was gone (session time-to-live {ThreeNodeCluster.SessionTtl.TotalSeconds} s): checking that the open connections' sessions were kept");
        foreach (var (client, name) in clients)
        {
            Assert.False(client.Ended, $"{client.Label} was disconnected.");
            await using var impostor = await V1Client.ConnectAsync(cluster.Nodes[0].WebSocket, $"impostor of {name}");
            var reply = await impostor.RequestAsync("hello", V1Client.Payload(("name", name)), TestTime.Seconds(20));
            Assert.True(reply.Type() == "error" && reply.Payload().Str("code") == "name-taken", $"{name}'s name was freed while its connection is open: {reply.GetRawText()}");
        }

        foreach (var room in rooms)
        {
            foreach (var (client, name) in clients)
            {
                var cid = $"kept-{name}";
                await client.SendAsync(room, $"still here: {name}", cid);
                foreach (var (other, _) in clients)
                {
                    await other.WaitForMessageAsync(room, m => m.Str("cid") == cid, $"{name}'s message in {room} after the time-to-live");
                }
            }
        }
    }

    /// <summary>Each cid acked at one offset, and offsets rising with the stream (one sender, one room, one at a time).</summary>
    internal static void AssertAcksConsistent(RoomSender stream)
    {
        var acks = stream.Acks;
        for (var i = 1; i < acks.Count; i++)
        {
            Assert.True(acks[i].Offset > acks[i - 1].Offset, $"{stream.Room}: {acks[i].Cid} acked at {acks[i].Offset}, after {acks[i - 1].Cid} at {acks[i - 1].Offset}");
        }
    }

    /// <summary>The longest time between consecutive acks (the first of them from just before <paramref name="from"/> on), and when it ended.</summary>
    internal static (TimeSpan Gap, TimeSpan End) LongestGap(IReadOnlyList<RoomSender.Acked> acks, TimeSpan from)
    {
        var gap = TimeSpan.Zero;
        var end = from;
        var previous = acks.LastOrDefault(a => a.AckedAt <= from)?.AckedAt ?? from;
        foreach (var ack in acks.Where(a => a.AckedAt > from))
        {
            if (ack.AckedAt - previous > gap)
            {
                gap = ack.AckedAt - previous;
                end = ack.AckedAt;
            }

            previous = ack.AckedAt;
        }

        return (gap, end);
    }
}
