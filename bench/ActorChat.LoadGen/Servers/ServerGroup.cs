using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ActorChat.LoadGen.Servers;

/// <summary>
/// A started server: one process, or the nodes of an ActorChat cluster on this machine, and the
/// PostgreSQL database it keeps its history in (fresh per start). A cluster starts as the README
/// documents: node 1 with <c>Port=0</c> and no seed nodes
/// reports its address in log event 1070 ("Cluster node {Address} started"); the others get it as
/// <c>SeedNodes:0</c>; the group is ready when every node's <c>/readyz</c> answers 200 (Up, room
/// shard region registered). Disposing kills every process still running and drops the database;
/// so does the harness process exiting (SIGTERM, Ctrl-C), so no node outlives a run.
/// </summary>
internal sealed partial class ServerGroup : IAsyncDisposable
{
    private static readonly TimeSpan s_scrapeTimeout = TimeSpan.FromSeconds(5);
    private readonly List<RunningServer> _nodes = [];
    private readonly HttpClient _http = new() { Timeout = s_scrapeTimeout };
    private readonly EventHandler _onExit;
    private PostgresDatabase? _database;
    private int _disposed;

    private ServerGroup(ServerSpec spec)
    {
        Spec = spec;
        _onExit = (_, _) => _nodes.ForEach(n => n.Kill());
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    public ServerSpec Spec { get; }

    public IReadOnlyList<RunningServer> Nodes => _nodes;

    /// <summary>Each node's WebSocket URL, in node order (clients are spread over them).</summary>
    public IReadOnlyList<Uri> Urls => [.. _nodes.Select(n => n.Url)];

    /// <summary>CPU and memory of all the processes together.</summary>
    public ProcessStats Stats { get; private set; } = null!;

    /// <summary>Each node's cluster address (akka.tcp://actorchat@127.0.0.1:port); empty for one process.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>Bytes in the one-process server's data folder (its SQLite history); null otherwise.</summary>
    public long? DataBytes => _nodes.Count == 1 ? _nodes[0].DataBytes : null;

    /// <summary>What the database is, for the log; null without one.</summary>
    public string? DatabaseDescription => _database?.Description;

    public static async Task<ServerGroup> StartAsync(ServerSpec spec, TimeSpan startTimeout, Action<string> log, CancellationToken cancellationToken)
    {
        if (spec.Nodes == 1 && !spec.Postgres)
        {
            var single = new ServerGroup(spec);
            try
            {
                single._nodes.Add(await RunningServer.StartAsync(spec, startTimeout, cancellationToken));
                single.Stats = new ProcessStats(single._nodes[0].Pid);
                return single;
            }
            catch
            {
                await single.DisposeAsync();
                throw;
            }
        }

        if (!File.Exists(spec.RequiredFile))
        {
            throw new InvalidOperationException($"{spec.Name} is not built: {spec.RequiredFile} is missing (bench/run.sh builds it)");
        }

        var group = new ServerGroup(spec);
        try
        {
            var started = Stopwatch.GetTimestamp();
            group._database = await PostgresDatabase.CreateAsync(spec.Nodes > 1 ? $"c{spec.Nodes}" : "pg", cancellationToken);
            var environment = new Dictionary<string, string> { ["ActorChat__History__ConnectionString"] = group._database.ConnectionString };
            if (spec.Nodes == 1)
            {
                var node = group.Launch(new NodeStart(FreePort(), null, [], environment));
                await node.WaitUntilAcceptingAsync(startTimeout, cancellationToken);
                await node.WaitUntilReadyAsync(group._http, startTimeout, cancellationToken);
            }
            else
            {
                var first = group.Launch(new NodeStart(FreePort(), null, ClusterArgs(null), environment));
                var address = (await first.WaitForLineAsync(ClusterStarted(), startTimeout, cancellationToken)).Groups["address"].Value;
                var addresses = new List<string> { address };
                for (var i = 1; i < spec.Nodes; i++)
                {
                    group.Launch(new NodeStart(FreePort(), null, ClusterArgs(address), environment));
                }

                foreach (var node in group._nodes.Skip(1))
                {
                    addresses.Add((await node.WaitForLineAsync(ClusterStarted(), startTimeout, cancellationToken)).Groups["address"].Value);
                }

                group.Addresses = addresses;
                await Task.WhenAll(group._nodes.Select(n => n.WaitUntilReadyAsync(group._http, startTimeout, cancellationToken)));
            }

            group.Stats = new ProcessStats([.. group._nodes.Select(n => n.Pid)]);
            log(string.Create(CultureInfo.InvariantCulture, $"{spec.Name}: {spec.Nodes} process(es) ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s on ports {string.Join(", ", group._nodes.Select(n => n.Port))}{(group.Addresses.Count > 0 ? $", cluster {string.Join(", ", group.Addresses)}" : "")}; {group._database.Description}"));
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs node <paramref name="node"/> (0-based): no drain, no leaving; the others must notice on their own.</summary>
    public void Kill(int node) => _nodes[node].Kill();

    /// <summary>
    /// Reads node <paramref name="node"/>'s <c>/metrics</c> (Prometheus text) and sums, per name in
    /// <paramref name="names"/>, every sample of that metric (all label sets); a metric not exported is absent.
    /// </summary>
    public async Task<Dictionary<string, double>> ScrapeAsync(int node, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri(_nodes[node].HttpBase, "metrics"), cancellationToken);
        return SumMetrics(text, names);
    }

    /// <summary>Sums the samples of each named metric in a Prometheus text exposition.</summary>
    public static Dictionary<string, double> SumMetrics(string text, IReadOnlyList<string> names)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOfAny([' ', '{']);
            if (end <= 0)
            {
                continue;
            }

            var name = line[..end];
            if (!names.Contains(name))
            {
                continue;
            }

            // value: the field after the labels (a timestamp may follow it)
            var rest = line[end..];
            if (rest[0] == '{')
            {
                var close = rest.LastIndexOf('}');
                rest = close < 0 ? "" : rest[(close + 1)..];
            }

            var fields = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sums[name] = sums.GetValueOrDefault(name) + value;
            }
        }

        return sums;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        _http.Dispose();
    }

    /// <summary>The settings that make a process one node of the cluster: any free Akka port, node 1's address as seed (none for node 1).</summary>
    private static List<string> ClusterArgs(string? seed)
    {
        var args = new List<string>
        {
            "--ActorChat:Cluster:Port=0",
            // event 1070 (the node's address) is Information; connections' own host logs stay at Warning
            "--Logging:LogLevel:ActorChat.Host=Information",
            "--Logging:LogLevel:ActorChat.Host.WebSockets=Warning",
        };
        if (seed is not null)
        {
            args.Add($"--ActorChat:Cluster:SeedNodes:0={seed}");
        }

        return args;
    }

    private RunningServer Launch(NodeStart start)
    {
        var node = RunningServer.Launch($"{Spec.Name} node {_nodes.Count + 1}", Spec.StartInfo(start), start.Port, start.Data);
        _nodes.Add(node);
        return node;
    }

    [GeneratedRegex(@"Cluster node (?<address>akka\.tcp://actorchat@[^\s]+?) started")]
    private static partial Regex ClusterStarted();

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
