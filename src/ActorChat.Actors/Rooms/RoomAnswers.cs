using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>What <see cref="RoomState.DecidePost"/> decided about a <c>send</c>.</summary>
public abstract record PostDecision;

/// <summary>
/// A new message: persist <paramref name="Event"/> (in the order decided), apply it, then ack its
/// sender with its offset and broadcast it.
/// </summary>
public sealed record PostAccepted(MessagePosted Event) : PostDecision
{
    public long Offset => Event.Message.Offset;
}

/// <summary>
/// A repeat of a <c>cid</c> the same session already sent to this room: nothing to persist; ack
/// with <paramref name="Offset"/>, the original message's. When <paramref name="Pending"/> the
/// original is decided but not yet applied (its batch is not durable): ack only once the event with
/// that offset has been applied, since an ack promises durability.
/// </summary>
public sealed record PostDuplicate(long Offset, bool Pending) : PostDecision;

/// <summary>
/// Journal entries to read to complete a <see cref="MessageSlice"/>: the messages with offsets
/// <paramref name="FromOffset"/> to <paramref name="ToOffset"/>, which are the
/// <see cref="MessagePosted"/> events with journal sequence numbers <paramref name="FromSequenceNr"/>
/// to <paramref name="ToSequenceNr"/> (other events in that range are not messages: skip them).
/// </summary>
public sealed record JournalRange(long FromOffset, long ToOffset, long FromSequenceNr, long ToSequenceNr)
{
    public long Count => ToOffset - FromOffset + 1;
}

/// <summary>
/// The consecutive messages <paramref name="FromOffset"/> to <paramref name="ToOffset"/> (none when
/// <paramref name="ToOffset"/> &lt; <paramref name="FromOffset"/>), oldest first. The newest are in
/// <paramref name="InMemory"/>; those before are not in the room's memory when
/// <paramref name="Journal"/> is set, and must be read from the journal
/// (<see cref="TryComplete"/>). <paramref name="DeletedInJournal"/>: the offsets read from the journal
/// that were deleted (their rows may still hold the text until the purge): completed as tombstones.
/// </summary>
public sealed record MessageSlice(long FromOffset, long ToOffset, IReadOnlyList<ChatMessage> InMemory, JournalRange? Journal, IReadOnlySet<long>? DeletedInJournal = null)
{
    public long Count => Math.Max(0, ToOffset - FromOffset + 1);

    public bool NeedsJournal => Journal is not null;

    /// <summary>All the messages, when the slice needs no journal read.</summary>
    public IReadOnlyList<ChatMessage> Messages => Journal is null
        ? InMemory
        : throw new InvalidOperationException($"Messages {Journal.FromOffset}–{Journal.ToOffset} must be read from the journal first (TryComplete).");

    /// <summary>
    /// Joins the messages read from the journal for <see cref="Journal"/> with the in-memory ones.
    /// False when the journal did not return exactly the offsets asked for, in order (they were
    /// deleted by retention meanwhile): then ask the state again, which now knows they are gone,
    /// rather than answer a partial recovery.
    /// </summary>
    public bool TryComplete(IReadOnlyList<ChatMessage> fromJournal, out IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(fromJournal);
        messages = [];
        if (Journal is null)
        {
            if (fromJournal.Count != 0)
            {
                return false;
            }

            messages = InMemory;
            return true;
        }

        if (fromJournal.Count != Journal.Count)
        {
            return false;
        }

        for (var i = 0; i < fromJournal.Count; i++)
        {
            if (fromJournal[i].Offset != Journal.FromOffset + i)
            {
                return false;
            }
        }

        messages = DeletedInJournal is { Count: > 0 } deleted
            ? [.. fromJournal.Select(m => deleted.Contains(m.Offset) && !m.Deleted ? m.Tombstone() : m), .. InMemory]
            : [.. fromJournal, .. InMemory];
        return true;
    }
}

/// <summary>
/// The history part of <c>joined</c>: <paramref name="Epoch"/> and <paramref name="Offset"/> (the
/// room's last durable offset, 0 when empty), whether the join's <c>since</c> was
/// <paramref name="Recovered"/> (null when the join gave none), and the messages to send.
/// </summary>
public sealed record JoinHistory(string Epoch, long Offset, bool? Recovered, MessageSlice Messages);

/// <summary>A <c>history</c> page: the messages, oldest first, and whether older ones are kept.</summary>
public sealed record HistoryPage(MessageSlice Messages, bool More);
