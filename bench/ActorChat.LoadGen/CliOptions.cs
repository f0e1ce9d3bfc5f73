using System.Globalization;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record CliOptions
{
    public static readonly IReadOnlyList<string> ScenarioNames = ["saturation", "latency", "largest-room", "idle", "slow-consumer", "resume", "presence-storm", "many-rooms", "cross-node", "kill-recovery"];

    /// <summary>Scenarios of a run without <c>--scenario</c> (kill-recovery needs a cluster, cross-node is for clusters and their one-node reference).</summary>
    public static readonly IReadOnlyList<string> DefaultScenarioNames = ["saturation", "latency", "largest-room", "idle", "slow-consumer", "resume", "presence-storm", "many-rooms"];

    /// <summary>Scenarios that speak <c>actorchat.v1</c> whatever <c>--protocol</c> says (run against ActorChat only).</summary>
    public static readonly IReadOnlyList<string> V1ScenarioNames = ["resume", "presence-storm", "many-rooms", "cross-node", "kill-recovery"];

    public const string Usage = """
        ActorChat.LoadGen — beej-chat-protocol and actorchat.v1 load generator and benchmark harness (loopback only)

          --quick                 short run: the whole suite in a few minutes (smoke check, not figures)
          --full                  full run (default)
          --smoke                 a few clients for a few seconds; exits 1 unless zero loss
          --scenario NAME[,NAME]  saturation, latency, largest-room, idle, slow-consumer (any server);
                                  resume, presence-storm, many-rooms (actorchat.v1: ActorChat only)
                                  (default: these eight); cross-node (v1: send -> delivery on the
                                  sender's node and on the others), kill-recovery (v1, a cluster of 3:
                                  SIGKILL the last node during a stream)
          --servers A[,B]         actorchat (durable history, SQLite in a temp folder), actorchat-memory
                                  (history in memory), node-ws, node-websocket, raw-kestrel (default: these);
                                  actorchat-pg (one node, history in PostgreSQL), actorchat-cluster3 (three
                                  cluster nodes on 127.0.0.1, one PostgreSQL database): a fresh database per
                                  start from $ACTORCHAT_BENCH_POSTGRES or $ACTORCHAT_TEST_POSTGRES
                                  (scripts/with-postgres.sh); clients go to the nodes round-robin;
                                  the harness builds nothing: run bench/run.sh, or build and npm ci first
          --cross-clients N       cross-node room size (default 100)
          --cross-rates R[,R]     cross-node offered msg/s, one phase each (default 100,500)
          --kill-rooms N          kill-recovery rooms per batch (default 6; more batches until one
                                  room lives on the node to be killed)
          --kill-rate MSG_PER_S   kill-recovery stream per room (default 20)
          --kill-bound SECONDS    kill-recovery observation bound after the kill (default 90)
          --clients N[,N]         saturation room sizes (default 100,1000; the first is also the
                                  latency and slow-consumer room)
          --measure SECONDS       length of each measured phase (saturation, latency, cross-node), for
                                  a run between --quick (1-1.5 s) and full (10 s)
          --protocol beej|v1      subprotocol of saturation, latency, largest-room and slow-consumer
                                  (default beej; v1: every client says hello and joins room 'bench';
                                  servers that speak beej only are skipped). idle always speaks beej
          --resume-trials N       resume trials (default 20 quick, 100 full; one more as warm-up)
          --resume-behind N       messages the resuming client missed (default 1000)
          --storm-members N       presence-storm room size (default 1000)
          --storm-grace SECONDS   the server's PresenceGrace: the storm is watched this long + 2 s (default 15)
          --rooms N --members N   many-rooms size (default 100 rooms of 10)
          --rate MSG_PER_S        many-rooms latency phase rate, all rooms together (default: half the saturated rate)
          --baseline FILE         an earlier results JSON (e.g. bench/results/2026-11-25.json): the report
                                  compares ActorChat's figures with that file's 'actorchat', and any
                                  other server's with its own there (the machine's drift)
          --tag NAME              results files are named <date>[-<mode>]-<tag>.*
          --window N              a saturating sender's window: at most N of its messages undelivered
                                  (default 64), and at most 128·N deliveries (default 8192) for big rooms
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
          --before DIR            another ActorChat checkout: each actorchat* server also runs from it, as <name>@before, in the same run
          --no-report             print results only; write no files
        """;

    public Profile Profile { get; init; } = Profile.Full;

    public bool Smoke { get; init; }

    public IReadOnlyList<string> Scenarios { get; init; } = DefaultScenarioNames;

    public IReadOnlyList<string> Servers { get; init; } = ServerCatalog.DefaultNames;

    public int CrossClients { get; init; } = 100;

    public IReadOnlyList<double> CrossRates { get; init; } = [100, 500];

    public int KillRooms { get; init; } = 6;

    public double KillRate { get; init; } = 20;

    public double KillBoundSeconds { get; init; } = 90;

    /// <summary>Overrides the profile's measured phase lengths (<see cref="Profile.Measure"/>, <see cref="Profile.LatencyPhase"/>).</summary>
    public double? MeasureSeconds { get; init; }

    /// <summary>Overrides the profile's saturation room sizes (<see cref="Profile.SaturationRooms"/>; the first is the latency room).</summary>
    public IReadOnlyList<int>? SaturationClients { get; init; }

    public Uri? Url { get; init; }

    public int? Pid { get; init; }

    public string Label { get; init; } = "external";

    public int? IdleConnections { get; init; }

    public bool IdleJoin { get; init; }

    public IReadOnlyList<string> ActorChatArgs { get; init; } = [];

    public string? OutDir { get; init; }

    public string? RepoRoot { get; init; }

    /// <summary>
    /// Another checkout of ActorChat (built in Release) whose server runs beside this one's in the
    /// same run: each ActorChat server of <c>--servers</c> is followed by its <c>@before</c> twin,
    /// so a before/after comparison shares the machine's noise.
    /// </summary>
    public string? BeforeRoot { get; init; }

    public bool WriteReport { get; init; } = true;

    public bool Help { get; init; }

    public Clients.WireProtocol Protocol { get; init; } = Clients.WireProtocol.Beej;

    public int? ResumeTrials { get; init; }

    public int ResumeBehind { get; init; } = 1000;

    public int? StormMembers { get; init; }

    public double StormGraceSeconds { get; init; } = 15;

    public int Rooms { get; init; } = 100;

    public int RoomMembers { get; init; } = 10;

    public double? RoomsRate { get; init; }

    public string? Baseline { get; init; }

    public string? Tag { get; init; }

    /// <summary>Overrides the profile's sender window (<see cref="Profile.Window"/>, and 128× it in deliveries).</summary>
    public int? Window { get; init; }

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
                "--before" => options with { BeforeRoot = Path.GetFullPath(Value()) },
                "--no-report" => options with { WriteReport = false },
                "--protocol" => options with { Protocol = ParseProtocol(Value()) },
                "--resume-trials" => options with { ResumeTrials = Int(Value()) },
                "--resume-behind" => options with { ResumeBehind = Int(Value()) },
                "--storm-members" => options with { StormMembers = Int(Value()) },
                "--storm-grace" => options with { StormGraceSeconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--rooms" => options with { Rooms = Int(Value()) },
                "--members" => options with { RoomMembers = Int(Value()) },
                "--rate" => options with { RoomsRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--baseline" => options with { Baseline = Value() },
                "--tag" => options with { Tag = Value() },
                "--window" => options with { Window = Int(Value()) },
                "--cross-clients" => options with { CrossClients = Int(Value()) },
                "--cross-rates" => options with { CrossRates = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))] },
                "--kill-rooms" => options with { KillRooms = Int(Value()) },
                "--kill-rate" => options with { KillRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--clients" => options with { SaturationClients = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Int)] },
                "--measure" => options with { MeasureSeconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--kill-bound" => options with { KillBoundSeconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"unknown option '{arg}'"),
            };
        }

        if (options.Window is { } window)
        {
            options = options with { Profile = options.Profile with { Window = window, WindowDeliveries = 128 * window } };
        }

        if (options.MeasureSeconds is { } measure)
        {
            options = options with { Profile = options.Profile with { Measure = TimeSpan.FromSeconds(measure), LatencyPhase = TimeSpan.FromSeconds(measure) } };
        }

        if (options.SaturationClients is [var first, ..] clients)
        {
            options = options with { Profile = options.Profile with { SaturationRooms = clients, LatencyRoom = first } };
        }

        if (options.BeforeRoot is not null)
        {
            options = options with { Servers = [.. options.Servers.SelectMany(s => ServerCatalog.IsActorChat(s) ? new[] { s, s + ServerCatalog.BeforeSuffix } : [s])] };
        }

        return options with { ActorChatArgs = actorChatArgs };
    }

    private static Clients.WireProtocol ParseProtocol(string value) => value switch
    {
        "beej" => Clients.WireProtocol.Beej,
        "v1" => Clients.WireProtocol.V1,
        _ => throw new ArgumentException($"unknown protocol '{value}' (known: beej, v1)"),
    };

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

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
