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
/// <param name="Unpurged">Deleted messages whose text is still in the journal: the purge to do.</param>
public sealed record RoomSnapshot(
    string Room,
    string Epoch,
    long NextOffset,
    long FirstKeptOffset,
    long SequenceNr,
    IReadOnlyList<KeptMessage> Kept,
    IReadOnlyList<ChatMessage> Tail,
    GovernanceSnapshot? Governance = null,
    IReadOnlyList<UnpurgedMessage>? Unpurged = null);

/// <summary>
/// What the room remembers of every message it keeps, in memory or not: enough to recognize a
/// repeated <c>cid</c>, to apply retention by age and to find the message in the journal.
/// <paramref name="SessionId"/> is recorded only with a <paramref name="Cid"/> (it serves dedup only).
/// <paramref name="Author"/> is who may delete it as its author (<see cref="MessagePosted.AuthorKey"/>;
/// null in snapshots from before deletion: then only moderators may); <paramref name="Deleted"/>: it
/// was deleted, and is shown as a <see cref="ChatMessage.Tombstone"/>.
/// </summary>
public sealed record KeptMessage(long Offset, long SequenceNr, DateTimeOffset At, string? SessionId, string? Cid, string? Author = null, bool Deleted = false);

/// <summary>
/// A deleted message whose text is still in the journal row of its <see cref="MessagePosted"/>
/// (<paramref name="SequenceNr"/>), deleted at <paramref name="DeletedAt"/>: the purge rewrites that row.
/// </summary>
public sealed record UnpurgedMessage(long Offset, long SequenceNr, DateTimeOffset DeletedAt);
