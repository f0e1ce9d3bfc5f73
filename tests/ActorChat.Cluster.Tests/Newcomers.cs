using System.Diagnostics;
using System.Globalization;
using ActorChat.Actors.Protocol;
using ActorChat.Actors.Sessions;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// New users on the survivors of a dead node, whose name, session and room all live on survivors:
/// each connects, says hello (welcome), joins a room of a survivor (joined) and sends (ack). Names
/// are picked so that both their keys' shards were never used before the kill (a new shard must be
/// allocated, to a reachable node); sessions are drawn by the survivors' fronts; the room is given.
/// Before the kill, <see cref="WarmUpAsync"/> fills session shards on every node (the dead one too),
/// so a random session id would often fall in one of the dead node's.
/// </summary>
internal static class Newcomers
{
    /// <summary>The longest name (as the nodes run with).</summary>
    private const int MaxNameLength = 32;

    /// <summary>The nodes' shards (ActorChat:Cluster:Shards, default).</summary>
    private const int Shards = 100;

    /// <summary>The name shards (both keys) of <paramref name="name"/>.</summary>
    public static IEnumerable<string> NameShards(string name)
    {
        Assert.True(ChatRules.TryValidateName(name, MaxNameLength, out _, out var key, out var error), error);
        yield return SessionSharding.ShardOf(SessionSharding.CaselessKey(key.Caseless), Shards);
        yield return SessionSharding.ShardOf(SessionSharding.CasedKey(key.Cased), Shards);
    }

    /// <summary>
    /// <paramref name="count"/> users on each node, each a new session (hello, then gone): session
    /// shards allocated across the nodes. Their names keep to name shards below 50, which newcomers
    /// then avoid. Returns the names used.
    /// </summary>
    public static async Task<List<string>> WarmUpAsync(ThreeNodeCluster cluster, int count)
    {
        var names = Candidates("warm").Where(n => NameShards(n).All(s => int.Parse(s, CultureInfo.InvariantCulture) < 50)).Take(count * cluster.Nodes.Count).ToList();

        // One per node at a time: each new session shard first loads its remembered entities from
        // the journal, and a burst of them on a busy machine can take longer than Akka waits.
        foreach (var batch in names.Chunk(cluster.Nodes.Count))
        {
            await Task.WhenAll(batch.Select(async (name, i) =>
            {
                await using var client = await V1Client.HelloAsync(cluster.Nodes[i].WebSocket, name);
            }));
        }

        return names;
    }

    /// <summary>Names whose two name shards no name of <paramref name="used"/> has (they may share shards with each other).</summary>
    public static List<string> FreshNames(IEnumerable<string> used, int count)
    {
        var taken = used.SelectMany(NameShards).ToHashSet();
        var names = new List<string>();
        foreach (var name in Candidates("new"))
        {
            var shards = NameShards(name).ToList();
            if (shards.All(s => !taken.Contains(s)))
            {
                names.Add(name);
                if (names.Count == count)
                {
                    return names;
                }
            }
        }

        throw new UnreachableException();
    }

    /// <summary>
    /// The newcomers <paramref name="names"/>, all at once, on <paramref name="nodes"/> in turn: each
    /// hello, join <paramref name="room"/>, one send. Returns the time each took to its ack (and
    /// fails if one took over <paramref name="bound"/>).
    /// </summary>
    public static async Task<List<TimeSpan>> ArriveAsync(IReadOnlyList<ClusterNode> nodes, IReadOnlyList<string> names, string room, TimeSpan bound, ITestOutputHelper output)
    {
        var times = await Task.WhenAll(names.Select(async (name, i) =>
        {
            var node = nodes[i % nodes.Count];
            var clock = Stopwatch.StartNew();
            await using var client = await V1Client.ConnectAsync(node.WebSocket, name);
            var welcome = await client.RequestAsync("hello", V1Client.Payload(("name", name)), bound);
            var welcomed = clock.Elapsed;
            Assert.True(welcome.Type() == "welcome", $"{name} on {node.Name}: {welcome.GetRawText()}");
            var joined = await client.RequestAsync("join", V1Client.JoinPayload(room), bound - clock.Elapsed);
            Assert.True(joined.Type() == "joined", $"{name} on {node.Name}: {joined.GetRawText()}");
            var ack = await client.RequestAsync("send", V1Client.Payload(("room", room), ("text", $"hello from {name}"), ("cid", $"{name}-1")), bound - clock.Elapsed);
            Assert.True(ack.Type() == "ack", $"{name} on {node.Name}: {ack.GetRawText()}");
            var took = clock.Elapsed;
            output.WriteLine($"newcomer {name} on {node.Name}: welcome {welcomed.TotalSeconds:F3} s, ack {took.TotalSeconds:F3} s");
            return took;
        }));
        return [.. times];
    }

    /// <summary>
    /// When <paramref name="room"/> serves again, seen by new users: every <paramref name="every"/>
    /// one more connects to a survivor (in turn), says hello under the next of
    /// <paramref name="names"/>, joins the room and sends, each on its own (one whose request went
    /// to the dead node before the survivors knew just never answers). Returns the first ack's time
    /// on <paramref name="clock"/>; fails past <paramref name="bound"/>.
    /// </summary>
    public static async Task<TimeSpan> ProbeAsync(IReadOnlyList<ClusterNode> nodes, IReadOnlyList<string> names, string room, TimeSpan every, TimeSpan bound, Stopwatch clock)
    {
        var served = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = new List<V1Client>();
        var attempts = new List<Task>();
        var deadline = Stopwatch.StartNew();
        try
        {
            for (var i = 0; !served.Task.IsCompleted && deadline.Elapsed < bound; i++)
            {
                Assert.True(i < names.Count, "out of probe names");
                var name = names[i];
                var client = await V1Client.ConnectAsync(nodes[i % nodes.Count].WebSocket, name);
                clients.Add(client);
                attempts.Add(Task.Run(async () =>
                {
                    var welcome = await client.RequestAsync("hello", V1Client.Payload(("name", name)), bound);
                    var joined = await client.RequestAsync("join", V1Client.JoinPayload(room), bound);
                    var ack = await client.RequestAsync("send", V1Client.Payload(("room", room), ("text", $"probe {name}"), ("cid", $"{name}-1")), bound);
                    if (welcome.Type() == "welcome" && joined.Type() == "joined" && ack.Type() == "ack")
                    {
                        served.TrySetResult(clock.Elapsed);
                    }
                }));
                await Task.WhenAny(served.Task, Task.Delay(every));
            }

            Assert.True(served.Task.IsCompleted, $"{room} did not serve a new user within {bound}.");
            return await served.Task;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            // The unanswered ones end with their connections.
            await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    private static IEnumerable<string> Candidates(string prefix)
    {
        for (var i = 0; ; i++)
        {
            yield return prefix + i.ToString(CultureInfo.InvariantCulture);
        }
    }
}
