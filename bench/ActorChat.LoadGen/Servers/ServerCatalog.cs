using System.Diagnostics;
using System.Globalization;

namespace ActorChat.LoadGen.Servers;

/// <summary>A server the harness can start: how to launch it on a port, and what it needs built.</summary>
/// <param name="Setup">Installs what is missing (the Node peers' <c>npm ci</c>); null when nothing can be installed here.</param>
/// <param name="TempData">Makes a fresh folder for the server's data (its history file) per start, deleted when it stops; null when it keeps none.</param>
/// <param name="SpeaksV1">Whether it serves <c>actorchat.v1</c> (the v1 scenarios run only against such servers).</param>
internal sealed record ServerSpec(string Name, string Description, string RequiredFile, Func<NodeStart, ProcessStartInfo> StartInfo, ProcessStartInfo? Setup = null, bool TempData = false, bool SpeaksV1 = false)
{
    /// <summary>Processes the server runs as: 1, or the nodes of a cluster on this machine (<see cref="ServerGroup"/>).</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Its history is in PostgreSQL: a fresh database per start (<see cref="PostgresDatabase"/>).</summary>
    public bool Postgres { get; init; }
}

/// <summary>How one process of a server is started: its HTTP port, its data folder, and arguments and environment the harness adds (database, cluster seeds).</summary>
internal sealed record NodeStart(int Port, string? Data, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment);

/// <summary>ActorChat and its peers, as the harness starts them (see bench/README.md).</summary>
internal static class ServerCatalog
{
    /// <summary>
    /// <c>actorchat</c> runs with its default durable history (SQLite, WAL) in a file of a temp folder;
    /// <c>actorchat-memory</c> is the same server with <c>ActorChat:History:Provider=memory</c>, to show
    /// what durability costs in the same run.
    /// </summary>
    public static readonly IReadOnlyList<string> Names = ["actorchat", "actorchat-memory", "actorchat-pg", "actorchat-cluster3", "node-ws", "node-websocket", "raw-kestrel"];

    /// <summary>The servers of a run without <c>--servers</c>: those that need nothing but this repository (the PostgreSQL ones need a database).</summary>
    public static readonly IReadOnlyList<string> DefaultNames = ["actorchat", "actorchat-memory", "node-ws", "node-websocket", "raw-kestrel"];

    /// <summary>Nodes of <c>actorchat-cluster3</c>.</summary>
    public const int ClusterNodes = 3;

    /// <summary>
    /// Settings ActorChat gets under benchmark: its per-connection rate limits would drop the
    /// senders' floods, and its per-address connection limits (1000 open, 20 new per second)
    /// would refuse big rooms opened from one loopback address. The outbound queue bound (the
    /// slow-consumer policy) keeps its default.
    /// </summary>
    public static readonly IReadOnlyList<string> ActorChatBenchmarkArgs =
    [
        "--ActorChat:MaxConnectionsPerAddress=1000000",
        "--ActorChat:ConnectionsPerSecondPerAddress=1000000",
        "--ActorChat:ConnectionBurstPerAddress=1000000",
        "--ActorChat:Limits:PacketsPerSecond=100000000",
        "--ActorChat:Limits:PacketBurst=100000000",
        "--ActorChat:Limits:FloodTolerance=100000000",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
    ];

    /// <summary>The history arguments of an ActorChat variant; <paramref name="data"/> is its temp folder.</summary>
    /// <remarks>PostgreSQL's connection string (with its password) goes in the environment, not the command line (<see cref="ServerGroup"/>).</remarks>
    public static IReadOnlyList<string> HistoryArgs(string provider, string? data) => provider switch
    {
        "memory" => ["--ActorChat:History:Provider=memory"],
        "postgresql" => ["--ActorChat:History:Provider=postgresql"],
        _ => ["--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={Path.Combine(data ?? "data", "actorchat.db")}"],
    };

    /// <summary>The suffix of an ActorChat server started from the <c>--before</c> checkout.</summary>
    public const string BeforeSuffix = "@before";

    public static bool IsActorChat(string name) => name.StartsWith("actorchat", StringComparison.Ordinal);

    /// <summary>A server by name; a name ending in <see cref="BeforeSuffix"/> is that ActorChat server built from <paramref name="beforeRoot"/>.</summary>
    public static ServerSpec Get(string name, string repoRoot, IReadOnlyList<string> actorChatArgs, string? beforeRoot)
    {
        if (!name.EndsWith(BeforeSuffix, StringComparison.Ordinal))
        {
            return Get(name, repoRoot, actorChatArgs);
        }

        var root = beforeRoot ?? throw new ArgumentException($"{name} needs --before <checkout>");
        var spec = Get(name[..^BeforeSuffix.Length], root, actorChatArgs);
        return spec with { Name = name, Description = $"{spec.Description} — the checkout at {root}" };
    }

    public static ServerSpec Get(string name, string repoRoot, IReadOnlyList<string> actorChatArgs) => name switch
    {
        "actorchat" => ActorChat("actorchat", "ActorChat (Akka.NET + Kestrel), durable history: SQLite", "sqlite", repoRoot, actorChatArgs),
        "actorchat-memory" => ActorChat("actorchat-memory", "ActorChat (Akka.NET + Kestrel), history in memory", "memory", repoRoot, actorChatArgs),
        "actorchat-pg" => ActorChat("actorchat-pg", "ActorChat, one node, history in PostgreSQL", "postgresql", repoRoot, actorChatArgs) with { Postgres = true },
        "actorchat-cluster3" => ActorChat("actorchat-cluster3", $"ActorChat, {ClusterNodes} cluster nodes on this machine, history in one PostgreSQL database", "postgresql", repoRoot, actorChatArgs) with { Postgres = true, Nodes = ClusterNodes },
        "node-ws" => Node(name, "Node.js + npm ws", repoRoot, "node-ws"),
        "node-websocket" => Node(name, "Node.js + npm websocket (the original's library)", repoRoot, "node-websocket"),
        "raw-kestrel" => RawKestrel(repoRoot),
        _ => throw new ArgumentException($"unknown server '{name}' (known: {string.Join(", ", Names)})"),
    };

    private static ServerSpec ActorChat(string name, string description, string provider, string repoRoot, IReadOnlyList<string> extraArgs)
    {
        var dll = Path.Combine(repoRoot, "src", "ActorChat.Host", "bin", "Release", "net10.0", "ActorChat.Host.dll");
        return new ServerSpec(
            name,
            description,
            dll,
            start =>
            {
                var info = DotnetInfo(dll, repoRoot);
                info.ArgumentList.Add("--urls");
                info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{start.Port}"));
                foreach (var arg in ActorChatBenchmarkArgs.Concat(HistoryArgs(provider, start.Data)).Concat(start.Args).Concat(extraArgs))
                {
                    info.ArgumentList.Add(arg);
                }

                foreach (var (key, value) in start.Environment)
                {
                    info.Environment[key] = value;
                }

                return info;
            },
            TempData: provider == "sqlite",
            SpeaksV1: true);
    }

    private static ServerSpec RawKestrel(string repoRoot)
    {
        var dll = Path.Combine(repoRoot, "bench", "peers", "RawKestrel", "bin", "Release", "net10.0", "RawKestrel.dll");
        return new ServerSpec("raw-kestrel", "ASP.NET Core WebSockets, no actors", dll, start =>
        {
            var info = DotnetInfo(dll, Path.GetDirectoryName(dll)!);
            info.ArgumentList.Add("--port");
            info.ArgumentList.Add(start.Port.ToString(CultureInfo.InvariantCulture));
            return info;
        });
    }

    private static ServerSpec Node(string name, string description, string repoRoot, string folder)
    {
        var directory = Path.Combine(repoRoot, "bench", "peers", folder);
        var setup = new ProcessStartInfo("npm") { WorkingDirectory = directory };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            setup.ArgumentList.Add(arg);
        }

        return new ServerSpec(
            name,
            description,
            Path.Combine(directory, "node_modules", ".package-lock.json"),
            start =>
            {
                var info = new ProcessStartInfo("node") { WorkingDirectory = directory };
                info.ArgumentList.Add("server.js");
                info.ArgumentList.Add("--port");
                info.ArgumentList.Add(start.Port.ToString(CultureInfo.InvariantCulture));
                return info;
            },
            setup);
    }

    private static ProcessStartInfo DotnetInfo(string dll, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory };
        info.ArgumentList.Add(dll);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return info;
    }
}
