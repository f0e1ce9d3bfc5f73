using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The room's journal reads: which joins and history pages are answered from memory, which wait on
/// a read of the journal, how many reads run at once, and what a finished or failed read answers.
/// Pure: no actors; the owner starts each read (<see cref="RoomJournalReader"/>) under the id decided
/// here and reports its outcome. <typeparamref name="TReplyTo"/> is where a history page goes.
/// </summary>
/// <remarks>
/// At most <c>maxReads</c> reads run at once. Past it a join is answered from memory (never claiming
/// recovery) and a history page is refused (<see cref="RoomContract.Unavailable"/>). A history page
/// whose messages the journal no longer holds in full (retention deleted them meanwhile) is asked of
/// the state again, at most <see cref="MaxHistoryAttempts"/> times in all.
/// </remarks>
public sealed class RoomReads<TReplyTo>
{
    /// <summary>Reads of one history page before it is refused.</summary>
    public const int MaxHistoryAttempts = 3;

    private readonly int _maxReads;
    private readonly Dictionary<long, PendingRead> _reads = [];
    private long _lastReadId;

    public RoomReads(int maxReads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxReads);
        _maxReads = maxReads;
    }

    /// <summary>Reads in progress.</summary>
    public int Count => _reads.Count;

    /// <summary>
    /// A join's history: answered now (<see cref="EnterAnswer.ReadId"/> null) with
    /// <see cref="EnterAnswer.Messages"/> and <see cref="EnterAnswer.Recovered"/>, or to wait on the
    /// read <see cref="EnterAnswer.ReadId"/> of <see cref="EnterAnswer.Range"/>.
    /// </summary>
    public EnterAnswer DecideEnter(string sessionId, JoinHistory join)
    {
        ArgumentNullException.ThrowIfNull(join);
        if (join.Messages.Journal is not { } range)
        {
            return new EnterAnswer(join.Messages.InMemory, join.Recovered, Busy: false, null, null);
        }

        if (_reads.Count >= _maxReads)
        {
            return new EnterAnswer(join.Messages.InMemory, RoomReads.FromMemory(join), Busy: true, null, null);
        }

        return new EnterAnswer([], null, Busy: false, Start(new EnterRead(range, sessionId)), range);
    }

    /// <summary>A history page of <paramref name="state"/>, as asked: answered now, refused, or to wait on a read.</summary>
    public HistoryAnswer DecideHistory(RoomState state, TReplyTo replyTo, long? before, int? limit, string? requestRef) =>
        DecideHistory(state.History(before, limit), replyTo, before, limit, requestRef, attempt: 1);

    /// <summary>
    /// A read finished with <paramref name="messages"/>: what it answers; null when it is unknown (or
    /// no longer awaited by anyone: the owner checks a join's member itself).
    /// </summary>
    public ReadOutcome? Completed(long readId, IReadOnlyList<ChatMessage> messages, RoomState state)
    {
        if (!_reads.Remove(readId, out var pending))
        {
            return null;
        }

        switch (pending)
        {
            case EnterRead enter:
                return new EnterReadOutcome(enter.Range, enter.SessionId, messages);
            case HistoryRead history:
                if (history.Page.Messages.TryComplete(messages, out var page))
                {
                    return new HistoryReadOutcome(history.Range, history.ReplyTo, history.Ref, new HistoryAnswered(page, history.Page.More));
                }

                // Retention deleted them meanwhile: the state knows, ask it again.
                var again = DecideHistory(state.History(history.Before, history.Limit), history.ReplyTo, history.Before, history.Limit, history.Ref, history.Attempt + 1);
                return new HistoryReadOutcome(history.Range, history.ReplyTo, history.Ref, again);
            default:
                throw new InvalidOperationException($"Unknown read {pending}.");
        }
    }

    /// <summary>A read failed: what it answers (a join from memory, a history page refused); null when it is unknown.</summary>
    public ReadOutcome? Failed(long readId)
    {
        if (!_reads.Remove(readId, out var pending))
        {
            return null;
        }

        return pending switch
        {
            EnterRead enter => new EnterReadOutcome(enter.Range, enter.SessionId, null),
            HistoryRead history => new HistoryReadOutcome(history.Range, history.ReplyTo, history.Ref, new HistoryUnavailable(Busy: false)),
            _ => throw new InvalidOperationException($"Unknown read {pending}."),
        };
    }

    private HistoryAnswer DecideHistory(HistoryPage page, TReplyTo replyTo, long? before, int? limit, string? requestRef, int attempt)
    {
        if (page.Messages.Journal is not { } range)
        {
            return new HistoryAnswered(page.Messages.InMemory, page.More);
        }

        if (_reads.Count >= _maxReads || attempt > MaxHistoryAttempts)
        {
            return new HistoryUnavailable(Busy: true);
        }

        return new HistoryReading(Start(new HistoryRead(range, replyTo, before, limit, requestRef, page, attempt)), range);
    }

    private long Start(PendingRead read)
    {
        var readId = ++_lastReadId;
        _reads[readId] = read;
        return readId;
    }

    private abstract record PendingRead(JournalRange Range);

    private sealed record EnterRead(JournalRange Range, string SessionId) : PendingRead(Range);

    private sealed record HistoryRead(
        JournalRange Range,
        TReplyTo ReplyTo,
        long? Before,
        int? Limit,
        string? Ref,
        HistoryPage Page,
        int Attempt) : PendingRead(Range);

    /// <summary>What a finished read answers.</summary>
    public abstract record ReadOutcome(JournalRange Range);

    /// <summary>A join's read: <paramref name="Messages"/> as read, or null when the read failed.</summary>
    public sealed record EnterReadOutcome(JournalRange Range, string SessionId, IReadOnlyList<ChatMessage>? Messages) : ReadOutcome(Range);

    /// <summary>A history page's read, and what to answer to <paramref name="ReplyTo"/> now.</summary>
    public sealed record HistoryReadOutcome(JournalRange Range, TReplyTo ReplyTo, string? Ref, HistoryAnswer Answer) : ReadOutcome(Range);
}

/// <summary>Answers of joins that waited on the journal.</summary>
public static class RoomReads
{
    /// <summary>
    /// A join waiting on the journal, answered with what the read returned: its messages, or (when the
    /// read failed or came back incomplete) the newest of them from memory, never claiming recovery.
    /// </summary>
    public static (IReadOnlyList<ChatMessage> Messages, bool? Recovered, bool Incomplete) CompleteJoin(JoinHistory join, IReadOnlyList<ChatMessage>? read)
    {
        ArgumentNullException.ThrowIfNull(join);
        if (read is null)
        {
            return (join.Messages.InMemory, FromMemory(join), false);
        }

        return join.Messages.TryComplete(read, out var messages)
            ? (messages, join.Recovered, false)
            : (join.Messages.InMemory, FromMemory(join), true);
    }

    /// <summary>What a join answered from memory says of recovery: nothing asked, nothing claimed.</summary>
    public static bool? FromMemory(JoinHistory join) => join.Recovered is null ? null : false;
}

/// <summary>A join's history as <see cref="RoomReads{TReplyTo}.DecideEnter"/> decided it; <paramref name="Busy"/>: answered from memory because too many reads run.</summary>
public sealed record EnterAnswer(IReadOnlyList<ChatMessage> Messages, bool? Recovered, bool Busy, long? ReadId, JournalRange? Range);

/// <summary>What a <c>history</c> request gets.</summary>
public abstract record HistoryAnswer;

/// <summary>The page, to send now.</summary>
public sealed record HistoryAnswered(IReadOnlyList<ChatMessage> Messages, bool More) : HistoryAnswer;

/// <summary>Refused as <see cref="RoomContract.Unavailable"/>; <paramref name="Busy"/>: because too many reads run (or too many attempts), not because a read failed.</summary>
public sealed record HistoryUnavailable(bool Busy) : HistoryAnswer;

/// <summary>Waiting on the journal read <paramref name="ReadId"/> of <paramref name="Range"/>, which the owner starts now.</summary>
public sealed record HistoryReading(long ReadId, JournalRange Range) : HistoryAnswer;
