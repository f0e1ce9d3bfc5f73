using System.Globalization;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record CliOptions
{
    public static readonly IReadOnlyList<string> ScenarioNames = ["saturation", "latency", "largest-room", "idle", "slow-consumer"];

    public const string Usage = """
        ActorChat.LoadGen — beej-chat-protocol load generator and benchmark harness (loopback only)

          --quick                 short run: the whole suite over all servers in under two minutes
          --full                  full run (default)
          --smoke                 a few clients for a few seconds; exits 1 unless zero loss
          --scenario NAME[,NAME]  saturation, latency, largest-room, idle, slow-consumer (default: all)
          --servers A[,B]         actorchat, node-ws, node-websocket, raw-kestrel (default: all four);
                                  the harness builds nothing: run bench/run.sh, or build and npm ci first
          --url ws://127.0.0.1:PORT/
                                  use a running server instead (any server speaking the protocol on a
                                  loopback address); add --pid PID for its CPU and memory figures
          --pid PID               the --url server's process id
          --label NAME            the --url server's name in the report (default: external)
          --idle-connections N    scenario 4 size (default 10000 quick, 50000 full; capped by ulimit -n)
          --idle-join             scenario 4 clients join (costs N²/2 join deliveries)
          --actorchat-arg ARG     extra argument for the ActorChat host (repeatable)
          --out DIR               results folder (default: bench/results in the repository)
          --repo DIR              repository root (default: found from the current folder)
          --no-report             print results only; write no files
        """;

    public Profile Profile { get; init; } = Profile.Full;

    public bool Smoke { get; init; }

    public IReadOnlyList<string> Scenarios { get; init; } = ScenarioNames;

    public IReadOnlyList<string> Servers { get; init; } = ServerCatalog.Names;

    public Uri? Url { get; init; }

    public int? Pid { get; init; }

    public string Label { get; init; } = "external";

    public int? IdleConnections { get; init; }

    public bool IdleJoin { get; init; }

    public IReadOnlyList<string> ActorChatArgs { get; init; } = [];

    public string? OutDir { get; init; }

    public string? RepoRoot { get; init; }

    public bool WriteReport { get; init; } = true;

    public bool Help { get; init; }

    public static CliOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CliOptions();
        var actorChatArgs = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => ++i < args.Count ? args[i] : throw new ArgumentException($"{arg} needs a value");
            options = arg switch
            {
                "--quick" => options with { Profile = Profile.Quick },
                "--full" => options with { Profile = Profile.Full },
                "--smoke" => options with { Smoke = true },
                "--scenario" or "--scenarios" => options with { Scenarios = List(Value(), ScenarioNames, "scenario") },
                "--servers" or "--server" => options with { Servers = List(Value(), ServerCatalog.Names, "server") },
                "--url" => options with { Url = new Uri(Value()) },
                "--pid" => options with { Pid = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--label" => options with { Label = Value() },
                "--idle-connections" => options with { IdleConnections = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--idle-join" => options with { IdleJoin = true },
                "--actorchat-arg" => Add(options, actorChatArgs, Value()),
                "--out" => options with { OutDir = Value() },
                "--repo" => options with { RepoRoot = Value() },
                "--no-report" => options with { WriteReport = false },
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"unknown option '{arg}'"),
            };
        }

        return options with { ActorChatArgs = actorChatArgs };
    }

    private static CliOptions Add(CliOptions options, List<string> list, string value)
    {
        list.Add(value);
        return options;
    }

    private static string[] List(string value, IReadOnlyList<string> known, string what)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var item in items)
        {
            if (!known.Contains(item))
            {
                throw new ArgumentException($"unknown {what} '{item}' (known: {string.Join(", ", known)})");
            }
        }

        return [.. known.Where(items.Contains)];
    }
}
