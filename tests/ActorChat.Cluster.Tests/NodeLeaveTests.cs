using System.Text.Json;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// A node stopped with SIGTERM (a rolling restart): its clients are closed with 1012 and resume on
/// another node, its rooms are handed over, and the clients of the other nodes notice nothing.
/// </summary>
public sealed class NodeLeaveTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>, IDisposable
{
    private readonly int[] _marks = cluster.LogMarks();

    public void Dispose() => cluster.WriteLogs(output, _marks);

    [Fact]
    public async Task SIGTERM_on_a_node_closes_its_clients_with_1012_they_resume_elsewhere_gapless_and_the_other_nodes_clients_see_no_error()
    {
        const int AckedBeforeStop = 40;
        const int AckedAfterExit = 40;
        var listeners = new List<V1Client>();
        var resumed = new List<V1Client>();
        var owned = new List<V1Client>();
        ResumingClient? sender = null;
        using var stop = new CancellationTokenSource();
        var streams = new List<RoomSender>();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                listeners.Add(await V1Client.HelloAsync(cluster.Nodes[n].WebSocket, $"term{n + 1}"));
            }

            var (victim, onVictim, elsewhere) = await cluster.PlaceRoomsAsync("t", listeners, output);
            var v = cluster.Nodes.ToList().IndexOf(victim);
            string[] rooms = [onVictim, elsewhere];

            // A second client of the leaving node, and the sender on node 1 (which stays).
            var extra = await V1Client.HelloAsync(victim.WebSocket, "termextra");
            owned.Add(extra);
            var leaving = new List<V1Client> { listeners[v], extra };
            foreach (var room in rooms)
            {
                await leaving[1].JoinAsync(room);
            }

            var staying = listeners.Where(l => l != listeners[v]).ToList();
            // (It would resume if its connection were lost; the test checks that it never is.)
            sender = await ResumingClient.StartAsync(cluster, cluster.Nodes[0], "termsender", TestTime.Seconds(30));
            var epochs = new Dictionary<string, string>();
            foreach (var room in rooms)
            {
                epochs[room] = (await sender.JoinAsync(room)).Position().Epoch;
            }

            output.WriteLine($"{victim.Name} leaves; it hosts {onVictim}; {elsewhere} lives elsewhere; the sender is on node1.");

            // A hand-over buffers what comes meanwhile: no send may go unanswered for the client's
            // whole patience (it would have to retry), so no retry is allowed here.
            streams.AddRange(rooms.Select(room => new RoomSender(sender, room, room, TestTime.Timeout, cluster.Clock)));
            foreach (var stream in streams)
            {
                stream.Start(stop.Token);
            }

            foreach (var stream in streams)
            {
                await stream.WaitForAcksAsync(AckedBeforeStop, TestTime.Seconds(30));
            }

            var termAt = cluster.Clock.Elapsed;
            await victim.TerminateAsync();

            // Its clients: close 1012 "service restart", then back on another node with their token.
            foreach (var client in leaving)
            {
                await client.ExpectCloseAsync(1012, ThreeNodeCluster.DrainWindow + TestTime.Timeout);
            }

            var closedAt = cluster.Clock.Elapsed;
            var recovered = new Dictionary<(V1Client, string), List<JsonElement>>();
            for (var i = 0; i < leaving.Count; i++)
            {
                var old = leaving[i];
                var target = cluster.Others(victim).ElementAt(i % 2);
                var again = await V1Client.ConnectAsync(target.WebSocket, $"{old.Name} (resumed on {target.Name})");
                owned.Add(again);
                resumed.Add(again);
                var welcome = (await again.HelloAsync(old.Name!, old.Session, TestTime.Seconds(30))).Payload();
                Assert.True(welcome.GetProperty("resumed").GetBoolean(), $"A session closed with 1012 resumes: {welcome.GetRawText()}");
                Assert.Equal(old.Name, welcome.Str("name"));
                foreach (var room in rooms)
                {
                    Assert.Contains(room, welcome.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
                    var joined = await again.ExpectReplyAsync("join", V1Client.JoinPayload(room, (epochs[room], Timeline.LastOffset(old, room))), "joined", TestTime.Seconds(30));
                    Assert.True(joined.Payload().GetProperty("recovered").GetBoolean(), $"{room} recovers: {joined.GetRawText()}");
                    Assert.Equal(epochs[room], joined.Position().Epoch);
                    recovered[(old, room)] = joined.MessageList();
                }
            }

            var resumedAt = cluster.Clock.Elapsed;
            var exitCode = await victim.WaitForExitAsync(ThreeNodeCluster.ExitBound);
            var exitedAt = cluster.Clock.Elapsed;
            output.WriteLine($"SIGTERM at {termAt.TotalSeconds:F3} s: its clients closed with 1012 within {(closedAt - termAt).TotalSeconds:F3} s, resumed elsewhere {(resumedAt - termAt).TotalSeconds:F3} s, the process exited with {exitCode} after {(exitedAt - termAt).TotalSeconds:F3} s.");
            var leftLog = victim.FindLog(l => l.Contains("Left the cluster after", StringComparison.Ordinal));
            output.WriteLine($"{victim.Name} logged \"Left the cluster\" {NodeKillTests.Since(leftLog, termAt)} after the SIGTERM: {leftLog?.Text.Trim()}");
            Assert.Equal(0, exitCode);

            foreach (var stream in streams)
            {
                await stream.WaitForAsync(acks => acks.Count(a => a.AckedAt > exitedAt) >= AckedAfterExit, $"{AckedAfterExit} acks in {stream.Room} after {victim.Name} exited", TestTime.Seconds(30));
            }

            await stop.CancelAsync();
            await Task.WhenAll(streams.Select(s => s.Completion));
            foreach (var stream in streams)
            {
                var slowest = stream.Acks.Max(a => a.AckedAt - a.SentAt);
                var (gap, _) = NodeKillTests.LongestGap(stream.Acks, termAt);
                output.WriteLine($"{stream.Room}: {stream.Acks.Count} acks, {stream.Retries} retried, slowest ack {slowest.TotalMilliseconds:F0} ms, longest wait between acks from the SIGTERM on {gap.TotalMilliseconds:F0} ms");
                Assert.True(stream.Retries == 0, $"{stream.Room}: sends went unanswered for {TestTime.Timeout} during the hand-over: {string.Join("; ", stream.Problems)}");
                NodeKillTests.AssertAcksConsistent(stream);
            }

            foreach (var stream in streams)
            {
                var history = await Timeline.HistoryAsync(sender.Current, stream.Room);
                V1Frames.AssertContiguous(history.Offsets(), 1, $"the history of {stream.Room}");
                foreach (var ack in stream.Acks)
                {
                    var held = history[(int)ack.Offset - 1];
                    Assert.True(held.Str("cid") == ack.Cid, $"{stream.Room}: acked {ack.Cid} at {ack.Offset}, history holds {held.GetRawText()}");
                }

                // The other nodes' clients: every message once, in order, and nothing else happened to them.
                foreach (var client in staying.Append(sender.Current))
                {
                    await Timeline.WaitForOffsetAsync(client, stream.Room, history.Count, TestTime.Timeout);
                    V1Frames.AssertContiguous(Timeline.Of(client, stream.Room).Offsets(), 1, $"{client.Label}'s view of {stream.Room}");
                }

                // The leaving node's clients: before the close, recovered, then live.
                for (var i = 0; i < leaving.Count; i++)
                {
                    await Timeline.WaitForOffsetAsync(resumed[i], stream.Room, history.Count, TestTime.Timeout);
                    var whole = Timeline.Of(leaving[i], stream.Room).Concat(recovered[(leaving[i], stream.Room)]).Concat(Timeline.Of(resumed[i], stream.Room)).ToList();
                    V1Frames.AssertContiguous(whole.Offsets(), 1, $"{leaving[i].Label}'s view of {stream.Room} across the restart");
                    Assert.Equal(history.Count, whole.Count);
                }
            }

            Assert.True(sender.Resumes == 0, $"The sender on node 1 lost its connection: {string.Join("; ", sender.Problems)}");
            foreach (var client in staying.Append(sender.Current))
            {
                Assert.False(client.Ended, $"{client.Label} was disconnected.");
                var errors = client.Received.Where(f => f.Type() == "error").Select(f => f.GetRawText()).ToList();
                Assert.True(errors.Count == 0, $"{client.Label} got errors: {string.Join("\n", errors)}");

                // Back within the presence grace, the moved clients never left anyone's view.
                foreach (var room in rooms)
                {
                    var left = client.Presence(room).SelectMany(p => p.GetProperty("leaves").EnumerateArray().Select(l => l.GetString())).ToList();
                    Assert.True(leaving.All(l => !left.Contains(l.Name)), $"{client.Label} saw {string.Join(", ", left)} leave {room}.");
                }
            }

            await NodeKillTests.AssertSessionsKeptAsync(cluster, [.. staying.Concat(resumed).Select(c => (c, c.Name!)), (sender.Current, sender.Name)], rooms, exitedAt, output);
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

            foreach (var client in listeners.Concat(owned))
            {
                await client.DisposeAsync();
            }

            if (sender is not null)
            {
                await sender.DisposeAsync();
            }
        }
    }
}
