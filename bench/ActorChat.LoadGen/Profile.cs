namespace ActorChat.LoadGen;

/// <summary>Sizes and durations of a run. <see cref="Quick"/> runs the whole suite on four servers in under two minutes.</summary>
internal sealed record Profile(
    string Name,
    IReadOnlyList<int> SaturationRooms,
    int Senders,
    TimeSpan Warmup,
    TimeSpan Measure,
    int Window,
    int LatencyRoom,
    IReadOnlyList<double> LatencyFractions,
    TimeSpan LatencyPhase,
    IReadOnlyList<int> RoomSteps,
    double RoomRatePerBroadcaster,
    TimeSpan RoomStep,
    double RoomBoundMs,
    int IdleConnections,
    TimeSpan IdleSettle,
    TimeSpan SlowBaseline,
    TimeSpan SlowStall,
    TimeSpan ScenarioTimeout)
{
    /// <summary>The largest-room scenario measures loss-free steps up to this size even after one failed the bound.</summary>
    public int RoomMeasureThrough { get; init; }

    /// <summary>Resume trials (the scenario adds one warm-up trial).</summary>
    public int ResumeTrials { get; init; } = 100;

    /// <summary>Members of the presence-storm room.</summary>
    public int StormMembers { get; init; } = 1000;

    /// <summary>Characters of benchmark text per message (the frame is about 60 bytes more).</summary>
    public int TextLength { get; init; } = 100;

    /// <summary>Undelivered deliveries (messages × clients) one saturating sender may have outstanding.</summary>
    public int WindowDeliveries { get; init; } = 8192;

    /// <summary>
    /// A saturating sender's window in messages: at most <see cref="Window"/>, and about
    /// <see cref="WindowDeliveries"/> deliveries, so a big room is not flooded with backlog.
    /// </summary>
    public int WindowFor(int clients) => Math.Clamp(WindowDeliveries / Math.Max(1, clients), 4, Window);

    /// <summary>A paced sender's window: a generous safety bound that a healthy server never reaches.</summary>
    public int PacedWindowFor(int clients) => 4 * WindowFor(clients);

    public static Profile Quick { get; } = new(
        "quick",
        SaturationRooms: [100, 1000],
        Senders: 4,
        Warmup: TimeSpan.FromSeconds(1),
        Measure: TimeSpan.FromSeconds(1.5),
        Window: 64,
        LatencyRoom: 100,
        LatencyFractions: [0.25, 0.5, 0.8],
        LatencyPhase: TimeSpan.FromSeconds(1),
        RoomSteps: [250, 1000, 3000],
        RoomRatePerBroadcaster: 25,
        RoomStep: TimeSpan.FromSeconds(1),
        RoomBoundMs: 250,
        IdleConnections: 10_000,
        IdleSettle: TimeSpan.FromSeconds(0.5),
        SlowBaseline: TimeSpan.FromSeconds(2.5),
        SlowStall: TimeSpan.FromSeconds(2.5),
        ScenarioTimeout: TimeSpan.FromSeconds(45))
    {
        ResumeTrials = 20,
    };

    public static Profile Full { get; } = new(
        "full",
        SaturationRooms: [100, 1000],
        Senders: 4,
        Warmup: TimeSpan.FromSeconds(3),
        Measure: TimeSpan.FromSeconds(10),
        Window: 64,
        LatencyRoom: 100,
        LatencyFractions: [0.25, 0.5, 0.8],
        LatencyPhase: TimeSpan.FromSeconds(10),
        RoomSteps: [250, 500, 1000, 2000, 4000, 6000, 8000, 10000, 12000, 16000],
        RoomRatePerBroadcaster: 25,
        RoomStep: TimeSpan.FromSeconds(5),
        RoomBoundMs: 250,
        IdleConnections: 50_000,
        IdleSettle: TimeSpan.FromSeconds(5),
        SlowBaseline: TimeSpan.FromSeconds(30),
        SlowStall: TimeSpan.FromSeconds(30),
        ScenarioTimeout: TimeSpan.FromMinutes(5))
    {
        RoomMeasureThrough = 10_000,
    };
}
