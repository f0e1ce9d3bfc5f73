namespace ActorChat.LoadGen.Reporting;

/// <summary>Scenario 1: one room, senders as fast as the window allows.</summary>
internal sealed record SaturationResult(
    int Clients,
    int Senders,
    double Seconds,
    long Messages,
    long Deliveries,
    double DeliveriesPerSecond,
    double MessagesPerSecond,
    long Loss,
    long Reordered,
    double? ServerCpuSeconds,
    double? ServerCpuSecondsPerMillionDeliveries,
    double? ServerPeakRssMiB,
    double LoadGenCpuSeconds,
    long WindowWaits,
    IReadOnlyDictionary<string, long> Errors);

/// <summary>Scenario 2: one phase at a fixed offered rate.</summary>
internal sealed record LatencyResult(
    int Clients,
    double Fraction,
    double OfferedMessagesPerSecond,
    double AchievedMessagesPerSecond,
    double DeliveriesPerSecond,
    long Deliveries,
    double P50Ms,
    double P90Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    long Loss,
    long Reordered,
    long WindowWaits);

/// <summary>One room size in scenario 3.</summary>
internal sealed record RoomStep(int Clients, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double DeliveriesPerSecond, long Loss, bool Passed);

/// <summary>Scenario 3: the largest room whose p95 stays under the bound.</summary>
internal sealed record LargestRoomResult(int Broadcasters, double MessagesPerSecondEach, double BoundMs, int? LargestPassing, string StopReason, IReadOnlyList<RoomStep> Steps);

/// <summary>Scenario 4: idle connections.</summary>
internal sealed record IdleResult(
    int Requested,
    int Connected,
    bool Joined,
    int SourceAddresses,
    double ConnectSeconds,
    double ConnectsPerSecond,
    double? BaselineRssMiB,
    double? RssMiB,
    double? RssPerConnectionKiB,
    int ClosedByServer,
    string Note);

/// <summary>Scenario 5: one client stops reading at 50 % load.</summary>
internal sealed record SlowConsumerResult(
    int Clients,
    double Fraction,
    double OfferedMessagesPerSecond,
    double BaselineP99Ms,
    double StalledP99Ms,
    double P99ChangePercent,
    double? RssAtStallMiB,
    double? PeakRssDuringStallMiB,
    double? MemoryGrowthMiB,
    double StallSeconds,
    double? CutOffSeconds,
    string CutOff,
    int? CloseCode,
    string Ending,
    long LossOthers);

/// <summary>The quick smoke check: a few clients, a few seconds, zero loss required.</summary>
internal sealed record SmokeResult(int Clients, int Senders, long Messages, long Expected, long Delivered, long Loss, long Reordered, IReadOnlyDictionary<string, long> Errors)
{
    public bool Passed => Loss == 0 && Reordered == 0 && Delivered == Expected && Messages > 0;
}

/// <summary>Everything measured for one server.</summary>
internal sealed class ServerResult(string name, string description)
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public List<SaturationResult> Saturation { get; } = [];

    public List<LatencyResult> Latency { get; } = [];

    public LargestRoomResult? LargestRoom { get; set; }

    public IdleResult? Idle { get; set; }

    public SlowConsumerResult? SlowConsumer { get; set; }

    public SmokeResult? Smoke { get; set; }

    public List<string> Failures { get; } = [];
}

/// <summary>The machine the run happened on.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Os, string Kernel, string DotNet, string Node, long OpenFilesLimit);

/// <summary>One run of the harness: what bench/results/&lt;date&gt;.json holds.</summary>
internal sealed record BenchReport(string Date, string Mode, string Command, double WallSeconds, MachineInfo Machine, IReadOnlyList<ServerResult> Servers);
