namespace ActorChat.Protocol;

/// <summary>
/// A place in a room's history. Offsets count 1, 2, 3… per room with no gaps (0: before the first
/// message); an offset means something only with its epoch, which changes only when the room's
/// history is lost or reset.
/// </summary>
public readonly record struct StreamPosition(string Epoch, long Offset);

/// <summary>
/// A chat message as a room keeps it in its history and publishes it; the shape of
/// <c>actorchat.v1</c>'s <c>message</c> payload. <paramref name="Cid"/> is the sender's own id for
/// it (1–64 characters), echoed so the sender can match it to its send; null when none was given.
/// <paramref name="Via"/> says how a message not sent by a member came in (<see cref="ViaApi"/>:
/// the server API); null for a member's. <paramref name="Deleted"/>: the message was deleted; its
/// text is empty (<see cref="Tombstone"/>), and the wire shows neither its cid nor how it came in.
/// </summary>
public sealed record ChatMessage(string Room, long Offset, string From, string Text, DateTimeOffset At, string? Cid, string? Via = null, bool Deleted = false)
{
    /// <summary>The <see cref="Via"/> of a message posted through the server API.</summary>
    public const string ViaApi = "api";

    /// <summary>What a deleted message is shown as: where and when it was, by whom, and nothing it said.</summary>
    public ChatMessage Tombstone() => this with { Text = "", Deleted = true };
}

/// <summary>A member of a room changed its name from <paramref name="From"/> to <paramref name="To"/>.</summary>
public sealed record Rename(string From, string To);

/// <summary>
/// Presence changes in one room since the previous diff, coalesced: a name that left and came back
/// within one interval is in neither list.
/// </summary>
public sealed record PresenceDiff(string Room, IReadOnlyList<string> Joins, IReadOnlyList<string> Leaves, IReadOnlyList<Rename> Renames)
{
    public bool IsEmpty => Joins.Count == 0 && Leaves.Count == 0 && Renames.Count == 0;
}
