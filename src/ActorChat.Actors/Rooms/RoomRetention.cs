namespace ActorChat.Actors.Rooms;

/// <summary>
/// When a room saves a snapshot and what it may then delete from its journal and snapshot store.
/// Pure: no actors; the owner saves and deletes, and reports the outcomes. What the history keeps
/// is <see cref="RoomState.DecideTrim"/>'s rule; this is what the store may forget once it has.
/// </summary>
/// <remarks>
/// A snapshot is saved every <c>snapshotEvery</c> events, one at a time, and only when every decided
/// event is applied (the snapshot is the applied state at the journal's last sequence number). Once
/// it is saved at S, journal entries up to <see cref="RoomState.DeletableUpTo"/>(S) are deleted (each
/// range once; a failed delete is tried again with the next snapshot), and snapshots before S.
/// </remarks>
public sealed class RoomRetention
{
    private readonly int _snapshotEvery;
    private long _lastSnapshotSequenceNr;
    private bool _saving;
    private long _deletedUpTo;
    private bool _replaceSnapshots;

    public RoomRetention(int snapshotEvery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        _snapshotEvery = snapshotEvery;
    }

    /// <summary>The sequence number of the newest snapshot saved (or recovered from).</summary>
    public long LastSnapshotSequenceNr => _lastSnapshotSequenceNr;

    /// <summary>A snapshot is being saved.</summary>
    public bool IsSaving => _saving;

    /// <summary>The room recovered from the snapshot at <paramref name="sequenceNr"/>.</summary>
    public void Recovered(long sequenceNr) => _lastSnapshotSequenceNr = sequenceNr;

    /// <summary>
    /// True when a snapshot of the state at <paramref name="stateSequenceNr"/> is to be saved now (it
    /// is then saving); <paramref name="journalSequenceNr"/> is the journal's last (the actor's
    /// <c>LastSequenceNr</c>): a state behind it has events decided and not applied.
    /// </summary>
    public bool DecideSnapshot(long stateSequenceNr, long journalSequenceNr)
    {
        if (_saving || stateSequenceNr != journalSequenceNr)
        {
            return false;
        }

        // After a purge: a snapshot older than the state may hold a purged message's text in its
        // tail (one taken at the state's sequence number was taken after the deletions: tombstones).
        // Saving one now deletes the older ones (Saved).
        var replace = _replaceSnapshots && _lastSnapshotSequenceNr > 0 && stateSequenceNr > _lastSnapshotSequenceNr;
        _replaceSnapshots &= replace;
        if (!replace && stateSequenceNr - _lastSnapshotSequenceNr < _snapshotEvery)
        {
            return false;
        }

        _replaceSnapshots = false;
        _saving = true;
        return true;
    }

    /// <summary>
    /// Journal rows were purged of deleted text: the next chance (<see cref="DecideSnapshot"/>) saves
    /// a snapshot, whatever <c>snapshotEvery</c> says, if an older one may still hold that text. While
    /// one is being saved it is decided again after it.
    /// </summary>
    public void Purged() => _replaceSnapshots = true;

    /// <summary>
    /// The snapshot at <paramref name="sequenceNr"/> is saved; <paramref name="deletable"/> is
    /// <see cref="RoomState.DeletableUpTo"/> of it. What to delete now.
    /// </summary>
    public SnapshotCleanup Saved(long sequenceNr, long deletable)
    {
        _saving = false;
        _lastSnapshotSequenceNr = Math.Max(_lastSnapshotSequenceNr, sequenceNr);
        long? messages = null;
        if (deletable > _deletedUpTo)
        {
            _deletedUpTo = deletable;
            messages = deletable;
        }

        return new SnapshotCleanup(messages, sequenceNr > 1 ? sequenceNr - 1 : null);
    }

    /// <summary>Saving the snapshot failed: the next batch may try again.</summary>
    public void SaveFailed() => _saving = false;

    /// <summary>Deleting journal entries failed: the next snapshot deletes them again.</summary>
    public void DeleteFailed() => _deletedUpTo = 0;
}

/// <summary>After a snapshot: delete journal entries up to <paramref name="MessagesUpTo"/>, snapshots up to <paramref name="SnapshotsUpTo"/> (null: none).</summary>
public sealed record SnapshotCleanup(long? MessagesUpTo, long? SnapshotsUpTo);
