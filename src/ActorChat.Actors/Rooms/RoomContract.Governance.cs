using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>Roles and moderation: what a member asks of its room's governance, and what the room tells a connection it refused or removed.</summary>
public static partial class RoomContract
{
    /// <summary>
    /// Who joins (connection → room, inside <see cref="Enter"/>): a user's id (null: anonymous), whether
    /// it is a server admin, its token's grant for this room (<c>member</c>, <c>moderator</c> or null),
    /// and the client's address (an anonymous ban holds against it).
    /// </summary>
    public sealed record JoinIdentity(string? UserId = null, bool IsAdmin = false, string? RoomGrant = null, string? Address = null);

    /// <summary><c>configure</c> (member → room): answered <c>configured</c>, or <see cref="Denied"/>.</summary>
    public sealed record Configure(string Room, string SessionId, RoomRulesChange Change, string? Ref) : IWithRoom;

    /// <summary><c>grant {user, role}</c> (member → room): answered <c>granted</c>, or <see cref="Denied"/>.</summary>
    public sealed record Grant(string Room, string SessionId, string UserId, RoomRole Role, string? Ref) : IWithRoom;

    /// <summary>
    /// <c>kick</c>, <c>ban</c>, <c>unban</c>, <c>mute</c>, <c>unmute</c> (member → room); <paramref name="DurationSeconds"/>
    /// for a ban or a mute (null: until lifted). Answered <c>moderated</c> before the events it causes, or <see cref="Denied"/>.
    /// </summary>
    public sealed record Moderate(string Room, string SessionId, ModerationAction Action, TargetSpec Target, long? DurationSeconds, string? Reason, string? Ref) : IWithRoom;

    /// <summary><c>bans</c> (member → room): answered <c>bans</c>, or <see cref="Denied"/>.</summary>
    public sealed record ReadBans(string Room, string SessionId, string? Ref) : IWithRoom;

    /// <summary><c>audit {before?, limit?}</c> (member → room): answered <c>audit</c>, or <see cref="Denied"/>.</summary>
    public sealed record ReadAudit(string Room, string SessionId, long? Before, int? Limit, string? Ref) : IWithRoom;

    /// <summary><c>delete {offset, reason?}</c> (member or the server API → room): answered <c>deleted</c>, or <see cref="Denied"/>.</summary>
    public sealed record DeleteMessage(string Room, string SessionId, long Offset, string? Reason, string? Ref) : IWithRoom;

    /// <summary>
    /// A request the room's governance refused (room → sender): <paramref name="Code"/> with its details
    /// (<c>banned</c>: until, reason; <c>muted</c>: until; <c>slow-mode</c>: retry after, in seconds).
    /// <paramref name="Join"/>: it was the connection's <see cref="Enter"/>: it is not in the room.
    /// </summary>
    public sealed record Denied(string Room, string Code, string Message, string? Ref, DateTimeOffset? Until, string? Reason, int? RetryAfter, bool Join);

    /// <summary>
    /// The connection's session was removed from the room (room → connection) by <paramref name="By"/>:
    /// <paramref name="Action"/> <c>kick</c>, <c>ban</c> (until <paramref name="Until"/>) or <c>private</c>
    /// (the room turned private). It is no longer a member, at once, without a grace.
    /// </summary>
    public sealed record Removed(string Room, string Action, string By, string? Reason, DateTimeOffset? Until);
}
