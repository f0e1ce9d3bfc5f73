using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// One chat across three nodes: clients on different nodes share rooms, the lobby and one
/// namespace of names, and a broadcast crosses the network once per node, not once per member.
/// The tests share one three-node cluster (one PostgreSQL database) and use rooms and names of
/// their own.
/// </summary>
public sealed class CrossNodeTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>, IDisposable
{
    /// <summary>The Prometheus names of <c>actorchat.room.remote_messages</c> and <c>actorchat.room.broadcasts</c>.</summary>
    public const string RemoteMessagesMetric = "actorchat_room_remote_messages_total";

    public const string BroadcastsMetric = "actorchat_room_broadcasts_total";

    private readonly int[] _marks = cluster.LogMarks();

    public void Dispose() => cluster.WriteLogs(output, _marks);

    [Fact]
    public async Task V1_clients_on_three_nodes_in_one_room_see_one_conversation_in_one_order_with_the_same_offsets()
    {
        const string Room = "cross";
        const int Each = 20;
        var clients = new List<V1Client>();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                clients.Add(await V1Client.HelloAsync(cluster.Nodes[n].WebSocket, $"cross{n + 1}"));
            }

            var start = 0L;
            foreach (var client in clients)
            {
                start = (await client.JoinAsync(Room)).Position().Offset;
            }

            Assert.Equal(0, start);
            foreach (var client in clients)
            {
                await client.WaitForMembersAsync(Room, "cross1", "cross2", "cross3");
            }

            // All three post at once, without waiting for each other.
            await Task.WhenAll(clients.Select((client, n) => Task.Run(async () =>
            {
                for (var i = 0; i < Each; i++)
                {
                    await client.PostAsync("send", V1Client.Payload(("room", Room), ("text", $"n{n + 1} {i}"), ("cid", $"n{n + 1}-{i}")));
                }
            })));

            var views = new List<List<(long Offset, string? From, string? Text, string? Cid)>>();
            foreach (var client in clients)
            {
                var messages = await client.WaitForMessagesAsync(Room, 3 * Each);
                V1Frames.AssertContiguous(messages.Offsets(), 1, $"{client.Label}'s view of {Room}");
                Assert.Equal(3 * Each, messages.Count);
                views.Add([.. messages.Select(m => (m.Offset(), m.Str("from"), m.Str("text"), m.Str("cid")))]);
            }

            Assert.Equal(views[0], views[1]);
            Assert.Equal(views[0], views[2]);
            for (var n = 0; n < 3; n++)
            {
                // Each sender's messages in the order it sent them, acked at the offsets delivered.
                var mine = views[0].Where(m => m.From == $"cross{n + 1}").ToList();
                Assert.Equal(Enumerable.Range(0, Each).Select(i => $"n{n + 1} {i}"), mine.Select(m => m.Text));
                var acks = clients[n].Received.Where(f => f.Type() == "ack").Select(f => f.Payload().Offset()).ToList();
                Assert.Equal(mine.Select(m => m.Offset), acks);
            }

            // Send → delivery across nodes, for the lead to quote (not asserted).
            var latencies = new List<TimeSpan>();
            for (var round = 0; round < 30; round++)
            {
                var from = clients[round % 3];
                var to = clients.Where(c => c != from).ToList();
                var cid = $"probe-{round}";
                var clock = Stopwatch.StartNew();
                await from.PostAsync("send", V1Client.Payload(("room", Room), ("text", cid), ("cid", cid)));
                latencies.AddRange(await Task.WhenAll(to.Select(async c =>
                {
                    await c.WaitForMessageAsync(Room, m => m.Str("cid") == cid, $"{cid}");
                    return clock.Elapsed;
                })));
            }

            output.WriteLine($"send → delivery on another node (sequential probes, 3 nodes on this machine): {Stats.Describe(latencies)}");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_seed_client_on_node_2_and_a_v1_client_on_node_3_see_each_others_lobby_chat()
    {
        await using var sam = await ChatClient.ConnectAsync(cluster.Nodes[1].WebSocket);
        await sam.JoinAsync("sam");
        await ExpectPacketAsync(sam, p => p.Type() == "chat-users", "chat-users after sam's chat-join");
        await using var vera = await V1Client.HelloAsync(cluster.Nodes[2].WebSocket, "vera");
        await vera.JoinAsync("lobby");
        await vera.WaitForMembersAsync("lobby", "sam", "vera");
        await ExpectPacketAsync(sam, p => p.Type() == "chat-join" && p.Username() == "vera", "vera's chat-join");

        for (var i = 0; i < 5; i++)
        {
            await vera.SendAsync("lobby", $"from node 3: {i}");
            await ExpectPacketAsync(sam, p => p.Type() == "chat-message" && p.Username() == "vera", $"vera's message {i}", p => Assert.Equal($"from node 3: {i}", p.Field("message")));

            await sam.SayAsync("sam", $"from node 2: {i}");
            await vera.WaitForMessageAsync("lobby", m => m.Str("from") == "sam" && m.Str("text") == $"from node 2: {i}", $"sam's message {i}");
        }

        // One order: vera's view is the lobby's, both senders interleaved as they were sent.
        var texts = vera.Messages("lobby").Select(m => m.Str("text")).ToList();
        Assert.Equal(Enumerable.Range(0, 5).SelectMany(i => new[] { $"from node 3: {i}", $"from node 2: {i}" }), texts);
        V1Frames.AssertContiguous(vera.Messages("lobby").Offsets(), vera.Messages("lobby")[0].Offset(), "vera's view of the lobby");

        // One namespace of names across nodes and protocols.
        await using var impostor = await ChatClient.ConnectAsync(cluster.Nodes[0].WebSocket);
        await impostor.JoinAsync("VERA");
        await impostor.ExpectErrorAsync("name-taken");
        await using var impostor2 = await V1Client.ConnectAsync(cluster.Nodes[0].WebSocket, "impostor");
        await impostor2.ExpectErrorAsync("hello", V1Client.Payload(("name", "Sam")), "name-taken");
    }

    [Fact]
    public async Task Two_clients_on_two_nodes_claiming_one_name_at_the_same_moment_get_exactly_one_welcome_and_one_name_taken()
    {
        for (var round = 0; round < 6; round++)
        {
            // Pairs of nodes in turn (1-2, 2-3, 3-1), and every other round the second claim in other case.
            var (a, b) = (cluster.Nodes[round % 3], cluster.Nodes[(round + 1) % 3]);
            var name = $"twin{round}";
            var other = round % 2 == 0 ? name : name.ToUpperInvariant();
            await using var x = await V1Client.ConnectAsync(a.WebSocket, $"{name}@{a.Name}");
            await using var y = await V1Client.ConnectAsync(b.WebSocket, $"{other}@{b.Name}");

            // Both hellos built, then released together.
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var xRef = x.NextRef();
            var yRef = y.NextRef();
            var sends = new[]
            {
                Task.Run(async () => { await go.Task; await x.PostAsync(xRef, "hello", V1Client.Payload(("name", name))); }),
                Task.Run(async () => { await go.Task; await y.PostAsync(yRef, "hello", V1Client.Payload(("name", other))); }),
            };
            go.SetResult();
            await Task.WhenAll(sends);
            var replies = new[] { await x.ReplyAsync(xRef, TestTime.Seconds(20)), await y.ReplyAsync(yRef, TestTime.Seconds(20)) };
            var text = $"round {round} ({a.Name} \"{name}\" vs {b.Name} \"{other}\"): {replies[0].GetRawText()} / {replies[1].GetRawText()}";
            output.WriteLine(text);
            Assert.True(replies.Count(r => r.Type() == "welcome") == 1, $"Exactly one welcome: {text}");
            var loser = replies.Single(r => r.Type() != "welcome");
            (replies[0].Type() == "welcome" ? y : x).AssertError(loser, "name-taken", text);

            // The name stays held everywhere while its winner is connected.
            await using var third = await V1Client.ConnectAsync(cluster.Nodes[(round + 2) % 3].WebSocket, "third");
            await third.ExpectErrorAsync("hello", V1Client.Payload(("name", name)), "name-taken");
        }
    }

    [Fact]
    public async Task A_broadcast_crosses_the_network_at_most_once_per_other_node_with_members_not_once_per_member()
    {
        const string Room = "fanout";
        const int PerNode = 5;
        const int Broadcasts = 20;
        var clients = new List<V1Client>();
        try
        {
            var names = new List<string>();
            for (var n = 0; n < 3; n++)
            {
                for (var i = 0; i < PerNode; i++)
                {
                    var name = $"fan{n + 1}x{i}";
                    names.Add(name);
                    var client = await V1Client.HelloAsync(cluster.Nodes[n].WebSocket, name);
                    clients.Add(client);
                    await client.JoinAsync(Room);
                }
            }

            // Everyone sees everyone: the joins' presence has gone out before counting starts.
            foreach (var client in clients)
            {
                await client.WaitForMembersAsync(TestTime.Seconds(20), Room, [.. names]);
            }

            // The sender on the room's own node, so its acks stay on that node and what crosses the
            // network is the broadcasts alone.
            var host = await cluster.HostOfNewRoomAsync(Room, TestTime.Timeout);
            var sender = clients[cluster.Nodes.ToList().IndexOf(host) * PerNode];
            output.WriteLine($"{Room} lives on {host.Name}; {sender.Label} sends.");
            var before = await ScrapeAsync();
            for (var i = 0; i < Broadcasts; i++)
            {
                await sender.SendAsync(Room, $"broadcast {i}");
            }

            foreach (var client in clients)
            {
                await client.WaitForMessagesAsync(Room, Broadcasts);
            }

            // The exporter caches a scrape for a moment: scrape until the counts include the sends
            // (every delivery is done, so a fresh scrape has all of them).
            var after = await ScrapeAsync();
            var deadline = Stopwatch.StartNew();
            while (after.Broadcasts - before.Broadcasts < Broadcasts && deadline.Elapsed < TestTime.Timeout)
            {
                await Task.Delay(100);
                after = await ScrapeAsync();
            }

            var remote = after.Remote - before.Remote;
            var broadcasts = after.Broadcasts - before.Broadcasts;
            output.WriteLine($"{Broadcasts} sends into a room with {PerNode} members on each of 3 nodes: {broadcasts} broadcasts, {remote} room → relay messages, {remote / Math.Max(1, broadcasts):F2} per broadcast (once per member would be {2 * PerNode}).");
            output.WriteLine($"per node (remote, broadcasts): {string.Join(", ", cluster.Nodes.Select((n, i) => $"{n.Name} ({after.PerNode[i].Remote - before.PerNode[i].Remote}, {after.PerNode[i].Broadcasts - before.PerNode[i].Broadcasts})"))}");
            Assert.True(broadcasts >= Broadcasts, $"Each acked send is a broadcast: {broadcasts} counted for {Broadcasts} sends.");
            Assert.True(remote > 0, "Members on other nodes got the broadcasts, so some crossed the network.");
            Assert.True(remote <= 2 * broadcasts, $"At most one room → relay message per other node (2) per broadcast: {remote} for {broadcasts}.");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private async Task<(double Remote, double Broadcasts, (double Remote, double Broadcasts)[] PerNode)> ScrapeAsync()
    {
        var scrapes = await Task.WhenAll(cluster.Nodes.Select(n => n.MetricsAsync()));
        var perNode = scrapes.Select(s => (s.Sum(RemoteMessagesMetric), s.Sum(BroadcastsMetric))).ToArray();
        return (perNode.Sum(p => p.Item1), perNode.Sum(p => p.Item2), perNode);
    }

    /// <summary>Reads seed packets until one matches (others, e.g. presence, are skipped); runs <paramref name="check"/> on it.</summary>
    private static async Task<JsonElement> ExpectPacketAsync(ChatClient client, Func<JsonElement, bool> match, string what, Action<JsonElement>? check = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var left = TestTime.Timeout - deadline.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"No {what} within {TestTime.Timeout}. Received:\n{string.Join('\n', client.Received.TakeLast(20))}");
            var packet = await client.ReceiveAsync(left);
            if (match(packet))
            {
                check?.Invoke(packet);
                return packet;
            }
        }
    }
}
