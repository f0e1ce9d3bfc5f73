using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Everything needed to restore a <see cref="RoomState"/> without replaying the events before it
/// (<see cref="RoomState.ToSnapshot"/>, <see cref="RoomState.FromSnapshot"/>).
/// </summary>
/// <param name="Room">The room's name.</param>
/// <param name="Epoch">The epoch of the room's history.</param>
/// <param name="NextOffset">The offset the next message gets (the last message's offset + 1).</param>
/// <param name="FirstKeptOffset">The oldest offset still in the history (<paramref name="NextOffset"/> when none is).</param>
/// <param name="SequenceNr">Events applied to the state so far; the journal sequence number the snapshot is taken at.</param>
/// <param name="Kept">One entry per kept message, offsets <paramref name="FirstKeptOffset"/> to <paramref name="NextOffset"/> − 1 in order: the cid index, the ages retention needs, and where each message is in the journal.</param>
/// <param name="Tail">The newest messages, held in memory; offsets consecutive and ending at <paramref name="NextOffset"/> − 1.</param>
/// <param name="Governance">The room's roles, settings, bans, mutes and audit; null when it never had any.</param>
public sealed record RoomSnapshot(
    string Room,
    string Epoch,
    long NextOffset,
    long FirstKeptOffset,
    long SequenceNr,
    IReadOnlyList<KeptMessage> Kept,
    IReadOnlyList<ChatMessage> Tail,
    GovernanceSnapshot? Governance = null);

/// <summary>
/// What the room remembers of every message it keeps, in memory or not: enough to recognize a
/// repeated <c>cid</c>, to apply retention by age and to find the message in the journal.
/// <paramref name="SessionId"/> is recorded only with a <paramref name="Cid"/> (it serves dedup only).
/// </summary>
public sealed record KeptMessage(long Offset, long SequenceNr, DateTimeOffset At, string? SessionId, string? Cid);
