using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Deleting a message (PROTOCOL-V1.1 Part B, <c>delete</c>): decided here, applied by
/// <see cref="Apply"/> (the message is a tombstone in memory and in every read from then on), and the
/// purge of its text from the journal, which the room performs (<see cref="Unpurged"/>, <see cref="Purged"/>).
/// </summary>
public sealed partial class RoomState
{
    /// <summary>Deleted messages whose text is still in their journal row, oldest offset first.</summary>
    public IReadOnlyCollection<UnpurgedMessage> Unpurged => _unpurged.Values;

    /// <summary>
    /// A <c>delete</c> of the message at <paramref name="offset"/> by <paramref name="actor"/>: its author
    /// (the same user; for an anonymous author, the same session) or a moderator and above. Refused
    /// <c>not-found</c> when no kept, durable message has that offset, <c>forbidden</c> for anyone else;
    /// <see cref="DeleteRepeated"/> when it is already deleted (answered <c>deleted</c> again, nothing persisted).
    /// </summary>
    public GovernanceDecision DecideDelete(RoomPrincipal actor, long offset, string? reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(actor);
        RequireStarted();
        if (offset < _firstKept || offset >= _nextOffset)
        {
            return new GovernanceRefused(ErrorCodes.NotFound, $"The room \"{Room}\" keeps no message {offset}.");
        }

        var kept = KeptAt(offset);
        var isAuthor = kept.Author is { } author && string.Equals(author, actor.Key, StringComparison.Ordinal);
        if (!isAuthor && Governance.RoleOf(actor.Identity) < RoomRole.Moderator)
        {
            return new GovernanceRefused(ErrorCodes.Forbidden, "Only its author or a moderator and above deletes a message.");
        }

        if (kept.Deleted)
        {
            return new DeleteRepeated(offset);
        }

        return new GovernanceAccepted(new MessageDeleted(RoomGovernance.ByOf(actor), TruncateToMilliseconds(at.ToUniversalTime()), offset, reason));
    }

    /// <summary>
    /// The journal rows of <paramref name="offsets"/> were rewritten without their text: nothing of
    /// theirs is left to purge (a snapshot saved from now on says so).
    /// </summary>
    public void Purged(IEnumerable<long> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        foreach (var offset in offsets)
        {
            _unpurged.Remove(offset);
        }
    }

    private void ApplyDeleted(MessageDeleted deleted)
    {
        RequireStarted(applied: true);
        var offset = deleted.Offset;
        if (offset < _firstKept || offset >= _nextOffset)
        {
            // Not kept (a replay can only see this from an older journal): nothing to show or purge.
            return;
        }

        var index = (int)(offset - _firstKept);
        var kept = _kept[index];
        if (!kept.Deleted)
        {
            _kept.Set(index, kept with { Deleted = true });
            _unpurged[offset] = new UnpurgedMessage(offset, kept.SequenceNr, deleted.At);
        }

        var tailFirst = TailFirstOffset;
        if (offset >= tailFirst)
        {
            var tailIndex = (int)(offset - tailFirst);
            var message = _tail[tailIndex];
            var tombstone = message.Tombstone();
            _tail.Set(tailIndex, tombstone);
            _tailBytes += CostOf(tombstone) - CostOf(message);
        }
    }

    /// <summary>The offsets among <paramref name="from"/>..<paramref name="to"/> (kept) that are deleted; null when none is.</summary>
    private HashSet<long>? DeletedBetween(long from, long to)
    {
        HashSet<long>? deleted = null;
        for (var offset = from; offset <= to; offset++)
        {
            if (KeptAt(offset).Deleted)
            {
                (deleted ??= []).Add(offset);
            }
        }

        return deleted;
    }

    private void RestoreUnpurged(IReadOnlyList<UnpurgedMessage>? unpurged)
    {
        foreach (var entry in unpurged ?? [])
        {
            _unpurged[entry.Offset] = entry;
        }
    }
}

/// <summary>A <c>delete</c> of a message already deleted: answered <c>deleted</c> again; nothing is persisted or told the room.</summary>
public sealed record DeleteRepeated(long Offset) : GovernanceDecision;
