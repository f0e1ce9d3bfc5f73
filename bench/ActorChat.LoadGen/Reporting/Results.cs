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
    IReadOnlyDictionary<string, long> Errors)
{
    /// <summary>A cluster's room counters over the measurement (null when the server exports none).</summary>
    public RelayCounters? Counters { get; init; }
}

/// <summary>
/// Room counters over a phase, from every node's <c>/metrics</c>: broadcasts rooms handed to their
/// members and messages rooms sent to another node's relay (<c>actorchat_room_broadcasts_total</c>,
/// <c>actorchat_room_remote_messages_total</c>), summed over the nodes; broadcasts also per node
/// (the room's home node is the one that broadcast).
/// </summary>
internal sealed record RelayCounters(double Broadcasts, double RemoteMessages, IReadOnlyList<double> BroadcastsPerNode)
{
    /// <summary>Remote messages per broadcast: at most nodes − 1 for a broadcast, more with single replies (acks) to a sender on another node.</summary>
    public double? RemotePerBroadcast => Broadcasts > 0 ? Math.Round(RemoteMessages / Broadcasts, 3) : null;
}

/// <summary>Cross-node latency: one phase at a fixed rate, deliveries split by whether the receiver is on the sender's node.</summary>
internal sealed record CrossNodePhase(
    double OfferedPerSecond,
    double AchievedPerSecond,
    double DeliveriesPerSecond,
    long SameNodeDeliveries,
    double? SameP50Ms,
    double? SameP99Ms,
    double? SameMaxMs,
    long CrossNodeDeliveries,
    double? CrossP50Ms,
    double? CrossP99Ms,
    double? CrossMaxMs,
    double AckP50Ms,
    double AckP99Ms,
    long Loss,
    long Reordered,
    long WindowWaits,
    RelayCounters? Counters)
{
    /// <summary>Send → delivery p50 per receiving node (ms; null for a node with no receiver).</summary>
    public IReadOnlyList<double?> PerNodeP50Ms { get; init; } = [];

    /// <summary>Send → delivery p99 per receiving node (ms).</summary>
    public IReadOnlyList<double?> PerNodeP99Ms { get; init; } = [];
}

/// <summary>Cross-node latency: one room, its sender on node 0, its other members spread over the nodes round-robin.</summary>
internal sealed record CrossNodeResult(
    int Clients,
    int Nodes,
    int SenderNode,
    int? RoomNode,
    IReadOnlyList<int> ClientsPerNode,
    IReadOnlyList<CrossNodePhase> Phases,
    IReadOnlyDictionary<string, long> Errors);

/// <summary>One room of the kill-recovery scenario.</summary>
/// <param name="AckAgainMs">From the SIGKILL to the ack that ended the longest silence of acks since (for a room of the killed node: when it serves again); null if still silent at the end.</param>
/// <param name="DeliveredAgainMs">The same for deliveries to the member on node 2 (of messages sent after the kill).</param>
/// <param name="LongestAckGapMs">The longest time between two acks from the kill to the end of the observation.</param>
/// <param name="Rejoins">Times the sender got <c>not-in-room</c> and it and the member on node 1 joined again (the room had come back without them).</param>
internal sealed record KillRecoveryRoom(string Room, int? HomeNode, double? AckAgainMs, double? DeliveredAgainMs, double LongestAckGapMs, long SentAfterKill, long AckedAfterKill, int Rejoins);

/// <summary>One client of the killed node, reconnected to a survivor with <c>hello {session}</c> and <c>join {since}</c>.</summary>
internal sealed record KillRecoveryVictim(string Name, string Room, double? ResumedMs, int Attempts, bool SessionResumed, bool Recovered, bool Exact, string? LastProblem)
{
    /// <summary>A member on a surviving node of a room that was on the killed node: when the server closed its connection (ms after the kill).</summary>
    public double? ClosedMs { get; init; }

    /// <summary>How that connection ended (<c>close 1012</c>, <c>reset</c>).</summary>
    public string? CloseCode { get; init; }
}

/// <summary>
/// Kill recovery: rooms with a sender on node 0 and members on every node; node <c>KilledNode</c> is
/// SIGKILLed during the stream. How long until its rooms ack again and its clients have resumed on
/// another node.
/// </summary>
internal sealed record KillRecoveryResult(
    int Nodes,
    int KilledNode,
    int Rooms,
    int RoomsOnKilledNode,
    double RatePerRoom,
    double? RoomsAckAgainMaxMs,
    double? RoomsDeliveredAgainMaxMs,
    double? SurvivorRoomsLongestAckGapMs,
    int Victims,
    int VictimsResumed,
    int VictimsRecovered,
    double? VictimsResumedP50Ms,
    double? VictimsAllResumedMs,
    double BoundSeconds,
    IReadOnlyList<KillRecoveryRoom> RoomDetails,
    IReadOnlyList<KillRecoveryVictim> VictimDetails,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyList<string> Problems)
{
    /// <summary>The members on surviving nodes of the killed node's rooms: closed by the server, then resumed on node 2.</summary>
    public IReadOnlyList<KillRecoveryVictim> LostRoomMembers { get; init; } = [];
}

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

/// <summary>Resume: a v1 client <c>Behind</c> messages behind reconnects (hello with session, join with since); milliseconds over the trials.</summary>
internal sealed record ResumeResult(
    int Trials,
    int Behind,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    double ConnectP50Ms,
    double HelloP50Ms,
    double JoinP50Ms,
    double JoinP99Ms,
    int JoinedFrameBytes,
    int NotResumed,
    int Inexact,
    IReadOnlyList<string> Problems);

/// <summary>Presence storm: every member of one room drops and reconnects (resuming) within a second.</summary>
internal sealed record PresenceStormResult(
    string Mode,
    int Members,
    int Rejoined,
    int Resumed,
    int Recovered,
    double JoinSeconds,
    bool Settled,
    double JoinPhasePresenceFramesPerMember,
    double DropSeconds,
    double ReconnectSpreadSeconds,
    double AllBackSeconds,
    double StormPresenceFramesPerMember,
    double PresenceFramesPerMemberMean,
    long PresenceFramesPerMemberMax,
    int MembersWithNoPresence,
    long PresenceNames,
    double? StormCpuSeconds,
    double StormSeconds,
    double? ObservedCpuSeconds,
    double ObservedSeconds,
    double? IdleCpuSecondsPerSecond,
    double LoadGenCpuSeconds,
    double GraceSeconds,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyList<string> Failures)
{
    /// <summary>The server's CPU-seconds in each second from the drop to the end of the observation.</summary>
    public IReadOnlyList<double> CpuPerSecond { get; init; } = [];
}

/// <summary>Many rooms over v1: saturated persisted messages/s, then send → ack latency at a fixed rate.</summary>
internal sealed record ManyRoomsResult(
    int Rooms,
    int Members,
    int Window,
    double PersistedPerSecond,
    double DeliveriesPerSecond,
    long SaturatedLoss,
    double? ServerCpuCores,
    double SaturatedAckP99Ms,
    double PacedTargetPerSecond,
    double PacedAchievedPerSecond,
    double AckP50Ms,
    double AckP99Ms,
    double AckMaxMs,
    double DeliveryP50Ms,
    double DeliveryP99Ms,
    long PacedLoss,
    long PacedWindowWaits,
    double? DataMiB,
    IReadOnlyDictionary<string, long> Errors);

/// <summary>Everything measured for one server.</summary>
internal sealed class ServerResult(string name, string description)
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>The subprotocol of the room scenarios (saturation, latency, largest room, slow consumer): <c>beej</c> or <c>v1</c>.</summary>
    public string Protocol { get; set; } = "beej";

    public List<SaturationResult> Saturation { get; } = [];

    public List<LatencyResult> Latency { get; } = [];

    public LargestRoomResult? LargestRoom { get; set; }

    public IdleResult? Idle { get; set; }

    public SlowConsumerResult? SlowConsumer { get; set; }

    public SmokeResult? Smoke { get; set; }

    public ResumeResult? Resume { get; set; }

    public List<PresenceStormResult> PresenceStorms { get; } = [];

    public ManyRoomsResult? ManyRooms { get; set; }

    /// <summary>Processes the server ran as (the nodes of a cluster on this machine).</summary>
    public int Nodes { get; set; } = 1;

    public CrossNodeResult? CrossNode { get; set; }

    public KillRecoveryResult? KillRecovery { get; set; }

    public List<string> Failures { get; } = [];
}

/// <summary>The machine the run happened on.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Os, string Kernel, string DotNet, string Node, long OpenFilesLimit);

/// <summary>One run of the harness: what bench/results/&lt;date&gt;.json holds.</summary>
internal sealed record BenchReport(string Date, string Mode, string Command, double WallSeconds, MachineInfo Machine, IReadOnlyList<ServerResult> Servers)
{
    /// <summary>Names the results files beside date and mode (<c>--tag</c>).</summary>
    public string? Tag { get; init; }

    /// <summary>Machine load (<c>/proc/loadavg</c>) when the run started and ended: other work shares the cores.</summary>
    public string? LoadAverage { get; init; }

    /// <summary>ActorChat with durable history against the same server with history in memory, same run.</summary>
    public IReadOnlyList<ComparisonRow> HistoryComparison { get; init; } = [];

    /// <summary>ActorChat against an earlier results file (<c>--baseline</c>).</summary>
    public IReadOnlyList<ComparisonRow> BaselineComparison { get; init; } = [];
}
