using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// Three ActorChat nodes on 127.0.0.1, each its own OS process, over one fresh PostgreSQL database:
/// node 1 starts a cluster alone, nodes 2 and 3 join it with node 1's address as their seed, and
/// every node is ready (<c>/readyz</c>: Up and its room shard region registered). A class fixture:
/// the tests of a class share the cluster; a class that kills a node has the cluster to itself.
/// Disposing it kills every process still running, then drops the database.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    /// <summary>
    /// The split-brain resolver's stable-after the nodes run with: the default (5 s), not scaled, so
    /// the failover measured is the one README states (a larger test factor widens the bounds only).
    /// </summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(5);

    /// <summary>The nodes' <c>Limits:AnswerTimeout</c>: the default (20 s, beyond the recovery bound).</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// README's recovery bound at the defaults, scaled: a SIGKILL'd node's rooms, sessions and names
    /// serve again on the survivors within 15 s of the kill.
    /// </summary>
    public static readonly TimeSpan RecoveryBound = TestTime.Seconds(15);

    /// <summary>The bound on one node's start: a process, Akka, PostgreSQL's schema, joining the cluster.</summary>
    public static readonly TimeSpan StartBound = TestTime.Seconds(90);

    /// <summary>How long a SIGTERM'd node may take to drain, hand its shards over and exit.</summary>
    public static readonly TimeSpan ExitBound = TestTime.Seconds(60);

    /// <summary>
    /// A session whose connection is gone keeps its name and rooms this long (2 min by default):
    /// short, so a test can see that sessions whose connection is alive are not ended by it, yet
    /// longer than <see cref="AnswerTimeout"/>: a resume sent into the dead node is retried only
    /// after that, and the session (back on a survivor, without its connection) must still be there.
    /// </summary>
    public static readonly TimeSpan SessionTtl = TimeSpan.FromSeconds(30);

    /// <summary>The drain window every node gets: 1012 closes are spread over it.</summary>
    public static readonly TimeSpan DrainWindow = TimeSpan.FromSeconds(1);

    private readonly List<ClusterNode> _nodes = [];
    private readonly IReadOnlyList<string> _settings;

    public ThreeNodeCluster()
        : this([])
    {
    }

    /// <summary>A cluster whose nodes all run with <paramref name="settings"/> as well (command-line style), e.g. tokens and the server API (<see cref="SignedInCluster"/>).</summary>
    internal ThreeNodeCluster(IReadOnlyList<string> settings) => _settings = settings;

    /// <summary>The clock every node's log lines are stamped with (started with the fixture).</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The nodes, node 1 first.</summary>
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>The database the nodes share.</summary>
    public TestPostgres Database { get; private set; } = null!;

    /// <summary>The connection string the nodes are given: the database's, with a small pool per node (three nodes share PostgreSQL's 100 connections with the other test runs).</summary>
    public string ConnectionString => Database.ConnectionString + ";Maximum Pool Size=10";

    /// <summary>
    /// The command line of a node, as README documents it: chat on a free port, the cluster on a
    /// free port, <paramref name="seed"/> (null: start a new cluster alone), the default stable-after,
    /// history in PostgreSQL; plus rate limits lifted (the tests send far faster than people) and a
    /// short drain window; then <paramref name="settings"/>.
    /// </summary>
    public static string[] NodeArgs(string connectionString, string? seed, bool cluster = true, IEnumerable<string>? settings = null)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
        };
        if (cluster)
        {
            args.Add("--ActorChat:Cluster:Port=0");
            if (seed is not null)
            {
                args.Add($"--ActorChat:Cluster:SeedNodes:0={seed}");
            }

            // Cluster:StableAfter and Limits:AnswerTimeout are left at their defaults (see above).
        }

        args.Add("--ActorChat:History:Provider=postgresql");
        args.Add($"--ActorChat:History:ConnectionString={connectionString}");
        args.Add("--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        // Rooms log where they recover (2241, Debug): which node took a dead node's room, and when.
        args.Add("--Logging:LogLevel:ActorChat.Actors.Room=Debug");
        args.Add($"--ActorChat:DrainWindow={DrainWindow.ToString("c", CultureInfo.InvariantCulture)}");
        args.Add($"--ActorChat:Sessions:SessionTtl={SessionTtl.ToString("c", CultureInfo.InvariantCulture)}");
        args.AddRange(V1Settings.Unthrottled);
        args.AddRange(settings ?? []);
        return [.. args];
    }

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateAsync();
        try
        {
            var first = await ClusterNode.StartAsync("node1", NodeArgs(ConnectionString, seed: null, settings: _settings), cluster: true, StartBound, Clock);
            _nodes.Add(first);
            List<string> names = ["node2", "node3"];
            var others = names
                .Select(name => ClusterNode.StartAsync(name, NodeArgs(ConnectionString, first.Address, settings: _settings), cluster: true, StartBound, Clock))
                .ToList();
            try
            {
                await Task.WhenAll(others);
            }
            finally
            {
                _nodes.AddRange(others.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The nodes other than <paramref name="node"/>.</summary>
    public IEnumerable<ClusterNode> Others(ClusterNode node) => _nodes.Where(n => n != node);

    /// <summary>Where each node's output stands now, for <see cref="WriteLogs"/>.</summary>
    public int[] LogMarks() => [.. _nodes.Select(n => n.Log.Count)];

    /// <summary>Writes each node's output since <paramref name="marks"/> (its tail) to the test's output.</summary>
    public void WriteLogs(ITestOutputHelper output, int[] marks, int lines = 150)
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            output.WriteLine(_nodes[i].Tail(lines, i < marks.Length ? marks[i] : 0));
        }
    }

    /// <summary>
    /// The node that started room <paramref name="room"/>'s history (log 2240 "Room {Room}: started
    /// a new history"), i.e. the node the room's shard was allocated to when it first woke; waits for
    /// the line up to <paramref name="bound"/>.
    /// </summary>
    public async Task<ClusterNode> HostOfNewRoomAsync(string room, TimeSpan bound)
    {
        var line = $"Room {room}: started a new history";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            foreach (var node in _nodes)
            {
                if (node.FindLog(l => l.Contains(line, StringComparison.Ordinal)) is not null)
                {
                    return node;
                }
            }

            Assert.True(deadline.Elapsed < bound, $"No node logged \"{line}\" within {bound}.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Rooms named <paramref name="prefix"/>0, 1, … joined by every one of <paramref name="joiners"/>
    /// until one lives on node 2 or 3 (the node to stop: not the seed) and one on another node; the
    /// node of each is where its history started (log 2240). Returns that node, a room on it and a
    /// room elsewhere.
    /// </summary>
    public async Task<(ClusterNode Victim, string OnVictim, string Elsewhere)> PlaceRoomsAsync(string prefix, IReadOnlyList<V1Client> joiners, ITestOutputHelper output)
    {
        var hosts = new Dictionary<string, ClusterNode>();
        for (var i = 0; i < 30; i++)
        {
            var room = prefix + i.ToString(CultureInfo.InvariantCulture);
            foreach (var joiner in joiners)
            {
                await joiner.JoinAsync(room);
            }

            hosts[room] = await HostOfNewRoomAsync(room, TestTime.Timeout);
            var candidates = new[] { _nodes[1], _nodes[2] }.Where(n => hosts.ContainsValue(n)).ToList();
            if (i < 5 || candidates.Count == 0)
            {
                continue;
            }

            // The candidate hosting most rooms, and a room of another node.
            var victim = candidates.OrderByDescending(n => hosts.Values.Count(h => h == n)).First();
            if (hosts.FirstOrDefault(h => h.Value != victim) is { Key: not null } elsewhere)
            {
                output.WriteLine($"rooms: {string.Join(", ", hosts.Select(h => $"{h.Key}@{h.Value.Name}"))}");
                return (victim, hosts.First(h => h.Value == victim).Key, elsewhere.Key);
            }
        }

        Assert.Fail($"30 rooms and none on node 2 or 3, or all on one node: {string.Join(", ", hosts.Select(h => $"{h.Key}@{h.Value.Name}"))}");
        throw new InvalidOperationException();
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
