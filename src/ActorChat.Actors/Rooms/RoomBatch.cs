namespace ActorChat.Actors.Rooms;

/// <summary>
/// The room's batch writer: which decided events form the next write, when it is written, and what
/// is acked and broadcast once it is durable. Pure: no actors, no clock; <typeparamref name="TAck"/>
/// is whatever the owner needs to ack a post (where it came from, how to encode it).
/// </summary>
/// <remarks>
/// <para>
/// Posts are collected into the open batch as they are decided (<see cref="Accepted"/>, and
/// <see cref="PendingDuplicate"/> for a repeat of a <c>cid</c> whose original is not durable yet). The
/// first one asks for a flush (<see cref="BatchStep.QueueFlush"/>: the owner tells itself a message,
/// which arrives after the posts already queued), and a batch reaching its bound is written at once
/// (<see cref="BatchStep.Write"/>). <see cref="Close"/> takes the open batch, with retention's trim at
/// its end, as the events of one write; one write is in flight at a time (its owner handles nothing
/// else until every event of it is persisted: Akka's <c>PersistAll</c>).
/// </para>
/// <para>
/// Each persisted event is reported with <see cref="Persisted"/>, in order; after the last one
/// <see cref="Finish"/> hands over the acks (in the order the posts came) and the messages (in
/// offset order) to send.
/// </para>
/// </remarks>
public sealed class RoomBatch<TAck>
{
    private readonly int _maxPosts;

    // The open batch: decided, not yet written.
    private readonly List<RoomEvent> _open = [];
    private readonly List<TAck> _openAcks = [];
    private int _posts;
    private bool _flushQueued;

    // The batch being written.
    private TAck[] _writtenAcks = [];
    private List<MessagePosted> _applied = [];
    private int _unapplied;

    public RoomBatch(int maxPosts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPosts, 1);
        _maxPosts = maxPosts;
    }

    /// <summary>Events are decided and not yet written.</summary>
    public bool IsOpen => _open.Count > 0;

    /// <summary>A write is in flight: some of its events are not persisted yet, or it is not finished.</summary>
    public bool IsWriting { get; private set; }

    /// <summary>A flush was asked for and has not arrived yet.</summary>
    public bool FlushQueued => _flushQueued;

    /// <summary>An accepted post joins the open batch; it is acked with <paramref name="ack"/> once durable.</summary>
    public BatchStep Accepted(MessagePosted posted, TAck ack)
    {
        ArgumentNullException.ThrowIfNull(posted);
        _open.Add(posted);
        _openAcks.Add(ack);
        return Counted();
    }

    /// <summary>A repeat of a <c>cid</c> whose original is in the open batch: acked with it, once it is durable.</summary>
    public BatchStep PendingDuplicate(TAck ack)
    {
        _openAcks.Add(ack);
        return Counted();
    }

    /// <summary>The flush asked for by <see cref="BatchStep.QueueFlush"/> arrived (the owner then closes the batch).</summary>
    public void FlushArrived() => _flushQueued = false;

    /// <summary>
    /// Closes the open batch with <paramref name="trim"/> (retention decided now) at its end: the
    /// events to persist as one write, in decided order; null when there is nothing to write.
    /// </summary>
    public RoomEvent[]? Close(HistoryTrimmed? trim)
    {
        if (IsWriting)
        {
            throw new InvalidOperationException("A batch is still being written: one write at a time.");
        }

        if (trim is not null)
        {
            _open.Add(trim);
        }

        if (_open.Count == 0)
        {
            return null;
        }

        RoomEvent[] events = [.. _open];
        _open.Clear();
        _writtenAcks = [.. _openAcks];
        _openAcks.Clear();
        _posts = 0;
        _unapplied = events.Length;
        IsWriting = true;
        return events;
    }

    /// <summary>An event of the write was persisted (and applied): true when it was the last one.</summary>
    public bool Persisted(RoomEvent persisted)
    {
        ArgumentNullException.ThrowIfNull(persisted);
        if (!IsWriting || _unapplied == 0)
        {
            throw new InvalidOperationException($"{persisted.GetType().Name} was persisted with no write in flight.");
        }

        if (persisted is MessagePosted posted)
        {
            _applied.Add(posted);
        }

        return --_unapplied == 0;
    }

    /// <summary>The write is durable: its acks and messages, to send now. The next batch may be written.</summary>
    public WrittenBatch<TAck> Finish()
    {
        if (!IsWriting || _unapplied != 0)
        {
            throw new InvalidOperationException("No write is complete.");
        }

        IsWriting = false;
        var written = new WrittenBatch<TAck>(_writtenAcks, _applied);
        _writtenAcks = [];
        _applied = [];
        return written;
    }

    private BatchStep Counted()
    {
        if (++_posts >= _maxPosts)
        {
            return BatchStep.Write;
        }

        if (_flushQueued)
        {
            return BatchStep.None;
        }

        _flushQueued = true;
        return BatchStep.QueueFlush;
    }
}

/// <summary>What the owner of a <see cref="RoomBatch{TAck}"/> does after a post joined it.</summary>
public enum BatchStep
{
    /// <summary>Nothing: a flush is already on its way.</summary>
    None,

    /// <summary>Tell itself a flush, which closes the batch when it arrives.</summary>
    QueueFlush,

    /// <summary>The batch is full: close and write it now.</summary>
    Write,
}

/// <summary>A durable write: the acks of its posts in the order they came, and its messages in offset order.</summary>
public sealed record WrittenBatch<TAck>(IReadOnlyList<TAck> Acks, IReadOnlyList<MessagePosted> Messages);
