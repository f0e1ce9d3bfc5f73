namespace ActorChat.Protocol;

/// <summary>
/// A member's entry was answered (room → member): its position in the room's history, the names as
/// the member's view starts from them (capped; <paramref name="MemberCount"/> is exact), the messages
/// to send with it, and whether <c>since</c> was recovered (null without one). <paramref name="Role"/>,
/// <paramref name="Rules"/> and the mute (<paramref name="Muted"/>, until <paramref name="MutedUntil"/>;
/// null: until unmuted) are the joiner's standing in the room (null rules: not shown).
/// </summary>
public sealed record RoomEntered(
    string Room,
    string? Ref,
    string Name,
    StreamPosition Position,
    IReadOnlyList<string> Members,
    int MemberCount,
    IReadOnlyList<ChatMessage> Messages,
    bool? Recovered,
    RoomRole Role = RoomRole.Member,
    RoomRules? Rules = null,
    bool Muted = false,
    DateTimeOffset? MutedUntil = null);

/// <summary>A member's post is durable at <paramref name="Offset"/> (room → member).</summary>
public sealed record PostAcked(string Room, string? Ref, long Offset);

/// <summary>A page of a room's history, oldest first; <paramref name="More"/> when older messages are kept.</summary>
public sealed record HistoryPageRead(string Room, string? Ref, IReadOnlyList<ChatMessage> Messages, bool More);

/// <summary>A session left the room (room → that member).</summary>
public sealed record RoomLeft(string Room, string? Ref);
