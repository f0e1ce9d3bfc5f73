using System.ComponentModel.DataAnnotations;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// How a <see cref="RoomActor"/> runs, besides the history rules of <see cref="RoomLimits"/>: presence
/// grace, passivation, batching, snapshots and journal reads. Every buffer the room keeps has its bound
/// here. The host binds these from configuration like <see cref="RoomLimits"/>.
/// </summary>
public sealed record RoomSettings
{
    /// <summary>
    /// How long a member whose connection died stays shown in the room (<c>PresenceGrace</c>): a session
    /// that enters again within it causes no leave and no join. Zero shows the leave at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PresenceGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A room with no members that received nothing for this long asks its region to passivate it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Most posts (new ones and repeats of a cid still in the batch) in one write. Posts that queued up
    /// while the room was busy go out together; a batch that reaches this is written at once, the
    /// rest wait for the next one.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxBatchPosts { get; init; } = 500;

    /// <summary>
    /// Events between snapshots. A snapshot bounds recovery time and is when the journal is trimmed
    /// (retention deletes journal entries only up to a saved snapshot), so the journal holds at most
    /// about this many events besides the kept messages. A snapshot holds the in-memory tail and an
    /// entry per kept message (megabytes at the defaults), and SQLite writes it under the same lock as
    /// the journal: every 1,000 events it cost more than half of one busy room's durable rate.
    /// </summary>
    [Range(1, 10_000_000)]
    public int SnapshotEvery { get; init; } = 10_000;

    /// <summary>
    /// How often an active room applies retention by age when nobody posts (every write and every
    /// wake apply it too), and how often the <see cref="RoomRetentionSweeper"/> wakes the rooms asleep
    /// to apply it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Most rooms the <see cref="RoomRetentionSweeper"/> wakes per second to apply retention (each
    /// recovers from the store, trims, and passivates at once when empty): a store of many rooms is
    /// swept over several seconds rather than loaded at once.
    /// </summary>
    [Range(1, 10_000)]
    public int RetentionWakesPerSecond { get; init; } = 10;

    /// <summary>
    /// Journal reads (history pages and joins reaching past the in-memory tail) one room runs at once.
    /// Past it a history request is refused (<see cref="RoomContract.Unavailable"/>) and a join is
    /// answered from memory (<c>recovered: false</c> when it asked to recover).
    /// </summary>
    [Range(0, 1000)]
    public int MaxJournalReads { get; init; } = 8;

    /// <summary>A journal read that takes longer fails (and is answered as in <see cref="MaxJournalReads"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan JournalReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Frames held for a member whose <c>joined</c> waits on a journal read (live events must follow
    /// it). Past it the join is answered from memory at once, then the held frames follow.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxHeldFrames { get; init; } = 10_000;

    /// <summary>
    /// How long a deleted message's text may stay in the store (<c>History:PurgeAfter</c>,
    /// PROTOCOL-V1.1 Part B): the room purges its deletions every half of it (<see cref="RoomPurge"/>),
    /// so a deletion is gone from the journal within it while the store can be written, and a room
    /// about to passivate purges first.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PurgeAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Most journal rows one purge rewrites (one store transaction); more follow at once.</summary>
    [Range(1, 10_000)]
    public int MaxPurgeRows { get; init; } = 100;

    /// <summary>A purge that takes longer fails (logged, and tried again at the next sweep).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PurgeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The journal plugin (HOCON path); null: <c>akka.persistence.journal.plugin</c>.</summary>
    public string? JournalPluginId { get; init; }

    /// <summary>The snapshot store plugin (HOCON path); null: <c>akka.persistence.snapshot-store.plugin</c>.</summary>
    public string? SnapshotPluginId { get; init; }
}
