using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>The room state's reads (durable state only), snapshots and what the journal may forget.</summary>
public sealed partial class RoomState
{
    // ---- reads (durable state only) ----

    /// <summary>
    /// The history part of a <c>join</c>. With <paramref name="since"/>: when its epoch is this
    /// room's, the history still holds every message after its offset (the first of them is not
    /// trimmed) and there are at most <see cref="RoomLimits.RecoveryLimit"/> of them, exactly those
    /// (none when the client is up to date) and <c>Recovered: true</c>. Otherwise (another epoch, an
    /// offset beyond the last or negative, a gap trimmed by retention, too far behind) the last
    /// <paramref name="limit"/> messages and <c>Recovered: false</c>: never a partial recovery.
    /// Without <paramref name="since"/>: the last <paramref name="limit"/> messages, <c>Recovered: null</c>.
    /// </summary>
    public JoinHistory Join(StreamPosition? since, int? limit)
    {
        var epoch = RequireEpoch();
        var last = LastOffset;
        if (since is { } position && CanRecover(position))
        {
            return new JoinHistory(epoch, last, Recovered: true, Slice(position.Offset + 1, last));
        }

        var from = Math.Max(_firstKept, last - EffectiveLimit(limit) + 1);
        return new JoinHistory(epoch, last, since is null ? null : false, Slice(from, last));
    }

    /// <summary>
    /// A <c>history</c> page: up to <paramref name="limit"/> (default
    /// <see cref="RoomLimits.DefaultHistoryLimit"/>, capped at <see cref="RoomLimits.MaxHistoryLimit"/>)
    /// kept messages with offsets below <paramref name="before"/> (default: all), the newest of
    /// them, oldest first; <c>More</c> when older ones are kept.
    /// </summary>
    public HistoryPage History(long? before, int? limit)
    {
        RequireEpoch();
        if (before <= _firstKept || KeptCount == 0)
        {
            return new HistoryPage(Slice(_firstKept, _firstKept - 1), More: false);
        }

        var end = before < _nextOffset ? before.Value - 1 : LastOffset;

        var from = Math.Max(_firstKept, end - EffectiveLimit(limit) + 1);
        return new HistoryPage(Slice(from, end), More: from > _firstKept);
    }

    private bool CanRecover(StreamPosition since) =>
        string.Equals(since.Epoch, _epoch, StringComparison.Ordinal)
        && since.Offset >= 0
        && since.Offset <= LastOffset
        && since.Offset + 1 >= _firstKept
        && LastOffset - since.Offset <= _limits.RecoveryLimit;

    private long EffectiveLimit(int? limit) => Math.Clamp(limit ?? _limits.DefaultHistoryLimit, 0, _limits.MaxHistoryLimit);

    /// <summary>Kept messages <paramref name="from"/>..<paramref name="to"/>, from memory as far as the tail reaches.</summary>
    private MessageSlice Slice(long from, long to)
    {
        if (to < from)
        {
            return new MessageSlice(from, from - 1, [], null);
        }

        var tailFirst = TailFirstOffset;
        var memoryFrom = Math.Max(from, tailFirst);
        ChatMessage[] inMemory = memoryFrom <= to ? _tail.Copy((int)(memoryFrom - tailFirst), (int)(to - memoryFrom + 1)) : [];
        JournalRange? journal = null;
        HashSet<long>? deleted = null;
        if (from < tailFirst)
        {
            var journalTo = Math.Min(to, tailFirst - 1);
            journal = new JournalRange(from, journalTo, KeptAt(from).SequenceNr, KeptAt(journalTo).SequenceNr);

            // The journal may still hold a deleted message's text (until it is purged): shown as its tombstone.
            deleted = DeletedBetween(from, journalTo);
        }

        return new MessageSlice(from, to, inMemory, journal, deleted);
    }

    private KeptMessage KeptAt(long offset) => _kept[(int)(offset - _firstKept)];

    // ---- snapshots and the journal ----

    /// <summary>
    /// The highest journal sequence number that may be deleted once a snapshot taken at
    /// <paramref name="snapshotSequenceNr"/> is saved: nothing after the snapshot (recovery replays
    /// it), and nothing from the oldest kept message on (history reads need it).
    /// </summary>
    public long DeletableUpTo(long snapshotSequenceNr)
    {
        var firstNeeded = _kept.Count > 0 ? _kept.First.SequenceNr : _sequenceNr + 1;
        return Math.Max(0, Math.Min(Math.Min(snapshotSequenceNr, _sequenceNr), firstNeeded - 1));
    }

    /// <summary>True when <paramref name="cid"/> from <paramref name="sessionId"/> repeats a kept or pending message: a retry, acked, never refused.</summary>
    public bool IsRepeat(string sessionId, string? cid) =>
        cid is not null && (_pendingCids.ContainsKey(new CidKey(sessionId, cid)) || _cids.ContainsKey(new CidKey(sessionId, cid)));

    /// <summary>The applied state (pending events are not in it), to save as the snapshot at <see cref="SequenceNr"/>.</summary>
    public RoomSnapshot ToSnapshot() =>
        new(Room, RequireEpoch(), _nextOffset, _firstKept, _sequenceNr, _kept.ToArray(), _tail.ToArray(), Governance.IsPristine ? null : Governance.ToSnapshot(), _unpurged.Count == 0 ? null : [.. _unpurged.Values]);

    /// <summary>
    /// The state a snapshot stands for, under today's <paramref name="limits"/> (a smaller tail bound
    /// drops the oldest tail messages; a larger one cannot bring back what the snapshot lacks).
    /// </summary>
    public static RoomState FromSnapshot(RoomSnapshot snapshot, RoomLimits limits)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(snapshot.Epoch, nameof(snapshot));
        var state = new RoomState(snapshot.Room, limits);
        var kept = snapshot.Kept;
        var tail = snapshot.Tail;
        if (snapshot.FirstKeptOffset < 1 || snapshot.NextOffset < snapshot.FirstKeptOffset
            || kept.Count != snapshot.NextOffset - snapshot.FirstKeptOffset || tail.Count > kept.Count
            || snapshot.SequenceNr < 1)
        {
            throw new ArgumentException($"Inconsistent snapshot of room \"{snapshot.Room}\".", nameof(snapshot));
        }

        for (var i = 0; i < kept.Count; i++)
        {
            if (kept[i].Offset != snapshot.FirstKeptOffset + i)
            {
                throw new ArgumentException($"Snapshot of room \"{snapshot.Room}\": kept offsets are not consecutive.", nameof(snapshot));
            }
        }

        var tailFirst = snapshot.NextOffset - tail.Count;
        for (var i = 0; i < tail.Count; i++)
        {
            if (tail[i].Offset != tailFirst + i)
            {
                throw new ArgumentException($"Snapshot of room \"{snapshot.Room}\": tail offsets do not end at the last offset.", nameof(snapshot));
            }
        }

        state._epoch = snapshot.Epoch;
        state._nextOffset = snapshot.NextOffset;
        state._firstKept = snapshot.FirstKeptOffset;
        state._sequenceNr = snapshot.SequenceNr;
        foreach (var entry in kept)
        {
            state._kept.Add(entry);
            if (entry.Cid is not null && entry.SessionId is not null)
            {
                state._cids.TryAdd(new CidKey(entry.SessionId, entry.Cid), entry.Offset);
            }
        }

        foreach (var message in tail)
        {
            state._tail.Add(message);
            state._tailBytes += CostOf(message);
        }

        if (snapshot.Governance is { } governance)
        {
            state.Governance.Restore(governance);
        }

        state.RestoreUnpurged(snapshot.Unpurged);

        state.BoundTail();
        state.SyncDecided();
        return state;
    }
}
