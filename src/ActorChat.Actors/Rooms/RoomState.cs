using System.Security.Cryptography;
using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The durable part of one room: its epoch, its offsets, its kept history with an in-memory tail of
/// the newest messages, the <c>cid</c> index, and retention. Pure: no actors, no clock, no I/O, no
/// randomness except <see cref="NewEpoch"/>, which the caller invokes.
/// </summary>
/// <remarks>
/// <para>
/// Event sourcing, as in the Akka.NET samples' <c>ProductState</c>: a command is decided against the
/// state (<c>Decide…</c>) and yields the event to persist, or an answer that needs none;
/// <see cref="Apply"/> evolves the state and is the only thing recovery replays. Unlike
/// <c>ProductState</c> the state is mutable: it holds up to <see cref="RoomLimits.TailMessages"/>
/// messages and an index of every kept message, which an immutable copy per event would copy.
/// </para>
/// <para>
/// <b>Decided, then applied.</b> A decision records its event as <i>pending</i> and later decisions
/// take it into account (the next post gets the next offset; a repeated <c>cid</c> of a pending
/// post is a duplicate of it), but reads (<see cref="Join"/>, <see cref="History"/>,
/// <see cref="LastOffset"/>, <see cref="ToSnapshot"/>) see only applied events. Applied means
/// persisted, so the room never shows or acks a message that is not yet durable. The contract for
/// the persistent actor that owns the state:
/// </para>
/// <list type="number">
/// <item>Recovery: start from <c>new RoomState(room, limits)</c>, or <see cref="FromSnapshot"/> on a
/// snapshot offer; <see cref="Apply"/> every replayed <see cref="RoomEvent"/>. On recovery completed,
/// when <see cref="IsStarted"/> is false, persist <see cref="DecideStart"/>(<see cref="NewEpoch"/>())
/// and apply it (a blocking <c>Persist</c> stashes commands until then: nothing else may be decided
/// before the room is started). <see cref="SequenceNr"/> then equals the actor's
/// <c>LastSequenceNr</c>; check it.</item>
/// <item>Sends: <see cref="DecidePost"/> for each <c>send</c> as it arrives, collecting the
/// accepted events (with their senders) into the open batch. A <see cref="PostDuplicate"/> that is
/// not pending is acked at once; a pending one is acked after the event with its offset is applied.</item>
/// <item>When the batch closes (e.g. on a flush message the actor tells itself after the first
/// send, which arrives after the sends already queued in the mailbox), optionally add
/// <see cref="DecideTrim"/>(now) to its end, then persist the batch with one <c>PersistAll</c>, in
/// decided order. In each event's handler: <see cref="Apply"/> it, then ack and broadcast a
/// <see cref="MessagePosted"/>. Every decided event must be persisted and applied exactly once, in
/// the order decided, and nothing else may be persisted under the room's persistence id:
/// <see cref="Apply"/> refuses an event that is not the oldest pending one.</item>
/// <item>A rejected write (<c>OnPersistRejected</c>) leaves the pending events undecidable and
/// consumes a sequence number: restart the actor (throw), which recovers from the journal.
/// A failed write stops the actor anyway.</item>
/// <item>Reads may be answered at any time: they see only durable messages. When a
/// <see cref="MessageSlice"/> <see cref="MessageSlice.NeedsJournal"/>, read its
/// <see cref="JournalRange"/> from the journal and <see cref="MessageSlice.TryComplete"/>; if that
/// fails (retention deleted them meanwhile), ask again.</item>
/// <item>Retention: after a <see cref="HistoryTrimmed"/> is applied (and every so many events),
/// save <see cref="ToSnapshot"/>; once the snapshot is saved at sequence number S, delete journal
/// entries up to <see cref="DeletableUpTo"/>(S). Never delete past it: kept messages that are not in
/// the tail live only in the journal.</item>
/// </list>
/// </remarks>
public sealed partial class RoomState
{
    /// <summary>Estimated bytes per tail message besides its characters (object headers, the record, list slot).</summary>
    public const int MessageOverheadBytes = 80;

    private readonly RoomLimits _limits;

    // Applied (durable) state. _kept covers offsets _firstKept.._nextOffset-1; _tail the newest
    // _tail.Count of them; _cids maps (session, cid) to the offset of every kept message with a cid.
    private string? _epoch;
    private long _nextOffset = 1;
    private long _firstKept = 1;
    private long _sequenceNr;
    private readonly Window<KeptMessage> _kept = new();
    private readonly Window<ChatMessage> _tail = new();
    private long _tailBytes;
    private readonly Dictionary<CidKey, long> _cids = [];

    // Deleted messages whose text is still in the journal (RoomState.Deletion.cs), by offset.
    private readonly SortedDictionary<long, UnpurgedMessage> _unpurged = [];

    // Decided, not yet applied: the events in order, and the state as it will be once they are.
    private readonly Queue<RoomEvent> _pending = new();
    private readonly Dictionary<CidKey, long> _pendingCids = [];
    private string? _decidedEpoch;
    private long _decidedNextOffset = 1;
    private long _decidedFirstKept = 1;
    private DateTimeOffset _decidedLastAt = DateTimeOffset.MinValue;

    /// <summary>A room with no history yet (not started: see <see cref="DecideStart"/>).</summary>
    public RoomState(string room, RoomLimits limits)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.TailMessages);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.TailBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.RecoveryLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxMessagesPerRoom, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limits.MaxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxHistoryLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.DefaultHistoryLimit);
        Room = room;
        _limits = limits;
        Governance = new RoomGovernance(room);
    }

    public string Room { get; }

    public RoomLimits Limits => _limits;

    /// <summary>The room's roles, settings, bans, mutes and audit: their events are this room's too (<see cref="DecideGovernance"/>).</summary>
    public RoomGovernance Governance { get; }

    /// <summary>The epoch of the history; null until the room is started.</summary>
    public string? Epoch => _epoch;

    public bool IsStarted => _epoch is not null;

    /// <summary>The offset of the newest durable message; 0 when there is none.</summary>
    public long LastOffset => _nextOffset - 1;

    /// <summary>The offset the next applied message has.</summary>
    public long NextOffset => _nextOffset;

    /// <summary>The oldest offset still in the history; <see cref="NextOffset"/> when none is kept.</summary>
    public long FirstKeptOffset => _firstKept;

    /// <summary>Messages in the history (in memory or only in the journal).</summary>
    public long KeptCount => _nextOffset - _firstKept;

    /// <summary>The oldest offset in memory; <see cref="NextOffset"/> when the tail is empty.</summary>
    public long TailFirstOffset => _nextOffset - _tail.Count;

    public int TailCount => _tail.Count;

    /// <summary>The tail's estimated size (<see cref="CostOf"/> summed).</summary>
    public long TailBytes => _tailBytes;

    /// <summary>Events applied so far, counting those a snapshot stands for: the journal sequence number of the last one.</summary>
    public long SequenceNr => _sequenceNr;

    /// <summary>Events decided and not yet applied.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Where the durable history ends, as a client would resume from it.</summary>
    public StreamPosition Position => new(RequireEpoch(), LastOffset);

    /// <summary>A new epoch: 64 random bits as 16 lowercase hex digits.</summary>
    public static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>What a message costs in the tail: two bytes per UTF-16 unit of its strings plus <see cref="MessageOverheadBytes"/>.</summary>
    public static long CostOf(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MessageOverheadBytes + (2L * (message.From.Length + message.Text.Length + (message.Cid?.Length ?? 0)));
    }

    // ---- decisions ----

    /// <summary>Starts the room's history under <paramref name="epoch"/>. Only for a room not started, with nothing pending.</summary>
    public HistoryStarted DecideStart(string epoch)
    {
        ArgumentException.ThrowIfNullOrEmpty(epoch);
        if (_decidedEpoch is not null || _pending.Count > 0)
        {
            throw new InvalidOperationException($"Room \"{Room}\" is already started (epoch {_decidedEpoch}).");
        }

        var started = new HistoryStarted(epoch);
        _pending.Enqueue(started);
        _decidedEpoch = epoch;
        _decidedNextOffset = 1;
        _decidedFirstKept = 1;
        _decidedLastAt = DateTimeOffset.MinValue;
        return started;
    }

    /// <summary>
    /// Decides a <c>send</c> from <paramref name="sessionId"/> (the stable internal session id) as
    /// <paramref name="from"/>. A <paramref name="cid"/> this session already used for a message
    /// still kept in this room (or pending) makes it a <see cref="PostDuplicate"/>, whatever the text;
    /// otherwise the message gets the next offset and is stamped <paramref name="at"/>, in UTC, to the
    /// millisecond, and never earlier than the previous message (a clock that steps back does not
    /// reorder the history, and retention by age may rely on times only growing).
    /// Text and cid rules are the protocol's; they are not checked again here. <paramref name="via"/>
    /// is carried in the message (<see cref="ChatMessage.Via"/>: how a message not sent by a member came in).
    /// </summary>
    public PostDecision DecidePost(string sessionId, string from, string text, string? cid, DateTimeOffset at, string? via = null, string? userId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (cid is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(cid);
        }

        RequireStarted();
        CidKey? key = cid is null ? null : new CidKey(sessionId, cid);
        if (key is { } k)
        {
            if (_pendingCids.TryGetValue(k, out var pendingOffset))
            {
                return new PostDuplicate(pendingOffset, Pending: true);
            }

            if (_cids.TryGetValue(k, out var keptOffset))
            {
                return new PostDuplicate(keptOffset, Pending: false);
            }
        }

        var stamped = TruncateToMilliseconds(at.ToUniversalTime());
        if (stamped < _decidedLastAt)
        {
            stamped = _decidedLastAt;
        }

        var posted = new MessagePosted(new ChatMessage(Room, _decidedNextOffset, from, text, stamped, cid, via), sessionId, userId);
        _pending.Enqueue(posted);
        if (key is { } added)
        {
            _pendingCids.Add(added, _decidedNextOffset);
        }

        _decidedNextOffset++;
        _decidedLastAt = stamped;
        return new PostAccepted(posted);
    }

    /// <summary>
    /// Retention at <paramref name="now"/>: the trim to persist, or null when every kept message may
    /// stay. Keeps at most <see cref="RoomLimits.MaxMessagesPerRoom"/> messages (counting pending
    /// posts, so a trim decided at the end of a batch holds the bound once the batch is applied) and
    /// none older than <see cref="RoomLimits.MaxAge"/> (judged on applied messages: pending ones were
    /// stamped just now, and the next trim sees them).
    /// </summary>
    public HistoryTrimmed? DecideTrim(DateTimeOffset now)
    {
        RequireStarted();
        var first = Math.Max(_decidedFirstKept, _decidedNextOffset - _limits.MaxMessagesPerRoom);
        var cutoff = now - _limits.MaxAge;
        for (var i = first - _firstKept; i < _kept.Count && _kept[(int)i].At < cutoff; i++)
        {
            first = _kept[(int)i].Offset + 1;
        }

        if (first <= _decidedFirstKept)
        {
            return null;
        }

        var trimmed = new HistoryTrimmed(first);
        _pending.Enqueue(trimmed);
        _decidedFirstKept = first;
        return trimmed;
    }

    /// <summary>
    /// Takes a decided <see cref="GovernanceEvent"/> into the order of events to persist (after those
    /// already pending, as the owner persists it after them), and returns it.
    /// </summary>
    public T DecideGovernance<T>(T governanceEvent)
        where T : GovernanceEvent
    {
        ArgumentNullException.ThrowIfNull(governanceEvent);
        _pending.Enqueue(governanceEvent);
        return governanceEvent;
    }

    // ---- evolution ----

    /// <summary>
    /// Applies a persisted event: live, the oldest pending one (anything else is refused: the
    /// journal would no longer say what the state is); on recovery, each replayed event in order.
    /// </summary>
    public void Apply(RoomEvent roomEvent)
    {
        ArgumentNullException.ThrowIfNull(roomEvent);
        if (_pending.TryPeek(out var expected) && !ReferenceEquals(expected, roomEvent) && !expected.Equals(roomEvent))
        {
            throw new InvalidOperationException($"Room \"{Room}\" applied {roomEvent} while {expected} was the next decided event.");
        }

        switch (roomEvent)
        {
            case HistoryStarted started:
                ApplyStarted(started);
                break;
            case MessagePosted posted:
                ApplyPosted(posted);
                break;
            case HistoryTrimmed trimmed:
                ApplyTrimmed(trimmed);
                break;
            case MessageDeleted deleted:
                ApplyDeleted(deleted);
                Governance.Apply(deleted);
                break;
            case GovernanceEvent governance:
                Governance.Apply(governance);
                break;
            default:
                throw new ArgumentException($"Unknown room event {roomEvent.GetType().Name}.", nameof(roomEvent));
        }

        _sequenceNr++;
        if (expected is not null)
        {
            _pending.Dequeue();
        }

        if (_pending.Count == 0)
        {
            SyncDecided();
        }
    }

    private void ApplyStarted(HistoryStarted started)
    {
        ArgumentException.ThrowIfNullOrEmpty(started.Epoch, nameof(started));
        _epoch = started.Epoch;
        _nextOffset = 1;
        _firstKept = 1;
        _kept.Clear();
        _tail.Clear();
        _tailBytes = 0;
        _cids.Clear();
    }

    private void ApplyPosted(MessagePosted posted)
    {
        RequireStarted(applied: true);
        var message = posted.Message;
        if (message.Offset != _nextOffset || !string.Equals(message.Room, Room, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Room \"{Room}\" expected offset {_nextOffset} and got {message.Room}#{message.Offset}.");
        }

        var dedup = message.Cid is not null;

        // A row purged after its deletion reads back as its tombstone: deleted, and nothing to purge.
        _kept.Add(new KeptMessage(message.Offset, _sequenceNr + 1, message.At, dedup ? posted.SessionId : null, message.Cid, posted.AuthorKey, message.Deleted));
        if (dedup)
        {
            var key = new CidKey(posted.SessionId, message.Cid!);
            _pendingCids.Remove(key);
            _cids.TryAdd(key, message.Offset);
        }

        _tail.Add(message);
        _tailBytes += CostOf(message);
        _nextOffset++;
        BoundTail();
    }

    private void ApplyTrimmed(HistoryTrimmed trimmed)
    {
        RequireStarted(applied: true);
        if (trimmed.FirstKeptOffset > _nextOffset)
        {
            throw new InvalidOperationException($"Room \"{Room}\" cannot trim to offset {trimmed.FirstKeptOffset}: its next offset is {_nextOffset}.");
        }

        if (trimmed.FirstKeptOffset <= _firstKept)
        {
            return;
        }

        _firstKept = trimmed.FirstKeptOffset;
        while (_kept.Count > 0 && _kept.First.Offset < _firstKept)
        {
            Forget(_kept.RemoveFirst());
        }

        while (_tail.Count > 0 && _tail.First.Offset < _firstKept)
        {
            _tailBytes -= CostOf(_tail.RemoveFirst());
        }
    }

    private void Forget(KeptMessage kept)
    {
        // Only the entry that owns the key removes it (a journal might hold a repeated key).
        if (kept.Cid is not null && kept.SessionId is not null)
        {
            var key = new CidKey(kept.SessionId, kept.Cid);
            if (_cids.TryGetValue(key, out var offset) && offset == kept.Offset)
            {
                _cids.Remove(key);
            }
        }
    }

    private void BoundTail()
    {
        while (_tail.Count > 0 && (_tail.Count > _limits.TailMessages || _tailBytes > _limits.TailBytes))
        {
            _tailBytes -= CostOf(_tail.RemoveFirst());
        }
    }

    private void SyncDecided()
    {
        _pendingCids.Clear();
        _decidedEpoch = _epoch;
        _decidedNextOffset = _nextOffset;
        _decidedFirstKept = _firstKept;
        _decidedLastAt = _kept.Count > 0 ? _kept[_kept.Count - 1].At : DateTimeOffset.MinValue;
    }

    // ---- helpers ----

    private void RequireStarted(bool applied = false)
    {
        if ((applied ? _epoch : _decidedEpoch) is null)
        {
            throw new InvalidOperationException($"Room \"{Room}\" has no history yet: start it first (DecideStart).");
        }
    }

    private string RequireEpoch() =>
        _epoch ?? throw new InvalidOperationException($"Room \"{Room}\" has no history yet: start it first (DecideStart).");

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset at) =>
        new(at.Ticks - (at.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private readonly record struct CidKey(string SessionId, string Cid);
}
