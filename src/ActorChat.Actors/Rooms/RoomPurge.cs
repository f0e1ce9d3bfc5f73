namespace ActorChat.Actors.Rooms;

/// <summary>
/// The store's side of the purge (PROTOCOL-V1.1 Part B: a deleted message's text is removed from the
/// database within <c>History:PurgeAfter</c>): rewrites the journal rows of <paramref name="persistenceId"/>
/// that hold <paramref name="messages"/> (each at its <see cref="UnpurgedMessage.SequenceNr"/>) so that
/// each reads back as its message's <see cref="Protocol.ChatMessage.Tombstone"/>, with everything else
/// in the row (offset, author, time, cid) as it was: recovery replays them to the same offsets and
/// the same tombstones. A row that is gone (retention deleted it) or already purged counts as purged.
/// Completes when the rows are durable; throws (or faults) when they could not be written.
/// Defined here, free of SQL; the history store implements it (ActorChat.History's <c>HistoryPurge</c>).
/// </summary>
public delegate Task RoomJournalPurge(string persistenceId, IReadOnlyList<UnpurgedMessage> messages, CancellationToken cancellation);

/// <summary>
/// When a room purges its deleted messages' text from the journal, and how much at a time. Pure: no
/// actors, no clock; the room runs the <see cref="RoomJournalPurge"/> and reports how it went.
/// </summary>
/// <remarks>
/// One purge at a time, of at most <c>maxRows</c> rows, oldest offset first: a room with many
/// deletions does not hold a store transaction (SQLite's single writer lock) for long, and the rest
/// follows at once after a success (<see cref="Completed"/> says whether more is due). After a failure
/// nothing is tried before the next sweep (<see cref="RoomSettings.PurgeAfter"/> / 2): a store that
/// is down is not hammered.
/// </remarks>
public sealed class RoomPurge
{
    private readonly int _maxRows;

    public RoomPurge(int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        _maxRows = maxRows;
    }

    /// <summary>A purge is running (its outcome not reported yet).</summary>
    public bool IsRunning { get; private set; }

    /// <summary>The last purge failed and none has succeeded since.</summary>
    public bool LastFailed { get; private set; }

    /// <summary>
    /// The rows to purge now, from <paramref name="unpurged"/> (<see cref="RoomState.Unpurged"/>,
    /// oldest offset first): every message deleted at or before <paramref name="now"/>, at most
    /// <c>maxRows</c> of them; null when none is due or a purge is running (then it is running).
    /// </summary>
    public IReadOnlyList<UnpurgedMessage>? Next(IReadOnlyCollection<UnpurgedMessage> unpurged, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(unpurged);
        if (IsRunning)
        {
            return null;
        }

        var due = unpurged.Where(u => u.DeletedAt <= now).Take(_maxRows).ToArray();
        if (due.Length == 0)
        {
            return null;
        }

        IsRunning = true;
        return due;
    }

    /// <summary>
    /// The running purge succeeded (the room has applied <see cref="RoomState.Purged"/>); true when
    /// <paramref name="remaining"/> still holds a row due at <paramref name="now"/>, to purge at once.
    /// </summary>
    public bool Completed(IReadOnlyCollection<UnpurgedMessage> remaining, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(remaining);
        IsRunning = false;
        LastFailed = false;
        return remaining.Any(u => u.DeletedAt <= now);
    }

    /// <summary>The running purge failed: tried again at the next sweep.</summary>
    public void Failed()
    {
        IsRunning = false;
        LastFailed = true;
    }
}

/// <summary>Purges that need no store.</summary>
public static class RoomJournalPurges
{
    /// <summary>
    /// Purges nothing and reports every row purged: for Akka's in-memory journal (the <c>memory</c>
    /// provider), which no SQL reaches and which is gone when the server stops; and for rooms given
    /// no purge (tests).
    /// </summary>
    public static RoomJournalPurge None { get; } = (_, _, _) => Task.CompletedTask;
}
