using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Who a member of a room is, as its connection proved it on entry: a user (<paramref name="UserId"/>,
/// a server admin or not, the token's grant for this room) or an anonymous session; and the client
/// address, which an anonymous ban also holds against. Not persisted: members enter again after a restart.
/// </summary>
public sealed record RoomIdentity(string? UserId, bool IsAdmin, RoomRole TokenGrant, string? Address)
{
    /// <summary>An anonymous member whose address is unknown.</summary>
    public static RoomIdentity Anonymous { get; } = new(null, false, RoomRole.None, null);

    public bool IsUser => UserId is not null;
}

/// <summary>Someone in a room, as its governance decides about them: its session, its name now, and who it is.</summary>
public sealed record RoomPrincipal(string SessionId, string Name, RoomIdentity Identity)
{
    /// <summary>What a mute, a slow mode or a kick is kept against: the user, or the anonymous session.</summary>
    public string Key => Identity.UserId is { } user ? "u:" + user : "s:" + SessionId;
}

/// <summary>
/// A moderation act's target, resolved when the act is made: a user (<paramref name="UserId"/>, all its
/// connections) or an anonymous session (<paramref name="SessionId"/>, with its address for a ban), and
/// the name it had then.
/// </summary>
public sealed record ModerationSubject(string? UserId, string? SessionId, string? Address, string Name)
{
    public string Key => UserId is { } user ? "u:" + user : "s:" + SessionId;

    /// <summary>As the wire shows it: a user by id, an anonymous member by name (a session id never leaves the server).</summary>
    public ModerationTarget ToTarget() => UserId is { } user ? new ModerationTarget(user, null) : new ModerationTarget(null, Name);

    public static ModerationSubject Of(RoomPrincipal principal) =>
        new(principal.Identity.UserId, principal.Identity.UserId is null ? principal.SessionId : null, principal.Identity.UserId is null ? principal.Identity.Address : null, principal.Name);
}

/// <summary>A ban as the room keeps it; <paramref name="Until"/> null: until <c>unban</c>.</summary>
public sealed record RoomBan(long Id, ModerationSubject Subject, DateTimeOffset? Until, string? Reason);

/// <summary>A mute as the room keeps it; <paramref name="Until"/> null: until <c>unmute</c>.</summary>
public sealed record RoomMute(ModerationSubject Subject, DateTimeOffset? Until, string? Reason);

/// <summary>
/// What the room persists about its roles, settings and moderation, in its journal beside its history
/// (<see cref="RoomState.Apply"/> hands them to <see cref="RoomGovernance.Apply"/>). Each names who
/// made it (<see cref="By"/>: a user id) and when; each is one audit entry. Retention and an epoch
/// reset never drop them: a snapshot keeps their state (<see cref="GovernanceSnapshot"/>).
/// </summary>
public abstract record GovernanceEvent(string By, DateTimeOffset At) : RoomEvent;

/// <summary>The first user to join a room with no history and no owner ever became its owner.</summary>
public sealed record OwnerClaimed(string By, DateTimeOffset At) : GovernanceEvent(By, At);

/// <summary>The settings are now <paramref name="Rules"/>; <paramref name="Granted"/>: users who were members when it turned private, now granted <c>member</c>.</summary>
public sealed record RoomConfigured(string By, DateTimeOffset At, RoomRules Rules, IReadOnlyList<string> Granted) : GovernanceEvent(By, At)
{
    public bool Equals(RoomConfigured? other) =>
        other is not null && By == other.By && At == other.At && Rules == other.Rules && Granted.SequenceEqual(other.Granted);

    public override int GetHashCode() => HashCode.Combine(By, At, Rules, Granted.Count);
}

/// <summary><paramref name="UserId"/> now has <paramref name="Role"/> (<see cref="RoomRole.None"/>: no grant; <see cref="RoomRole.Owner"/>: the room was handed over, the old owner is a moderator).</summary>
public sealed record RoleGranted(string By, DateTimeOffset At, string UserId, RoomRole Role) : GovernanceEvent(By, At);

/// <summary>A kick: the target's connections left; kept in the audit only.</summary>
public sealed record MemberKicked(string By, DateTimeOffset At, ModerationSubject Target, string? Reason) : GovernanceEvent(By, At);

public sealed record MemberBanned(string By, DateTimeOffset At, RoomBan Ban) : GovernanceEvent(By, At);

public sealed record MemberUnbanned(string By, DateTimeOffset At, long BanId) : GovernanceEvent(By, At);

public sealed record MemberMuted(string By, DateTimeOffset At, RoomMute Mute) : GovernanceEvent(By, At);

public sealed record MemberUnmuted(string By, DateTimeOffset At, ModerationSubject Target) : GovernanceEvent(By, At);

/// <summary>
/// The message at <paramref name="Offset"/> was deleted (by its author, a moderator and above, or the
/// API): from now on it is shown without its text, and its text is purged from the store
/// (<see cref="RoomState"/> applies it to the history; the audit records it, never the text).
/// </summary>
public sealed record MessageDeleted(string By, DateTimeOffset At, long Offset, string? Reason) : GovernanceEvent(By, At);

/// <summary>A room's governance as a snapshot keeps it.</summary>
public sealed record GovernanceSnapshot(
    string? Owner,
    bool HadOwner,
    IReadOnlyList<KeyValuePair<string, RoomRole>> Grants,
    RoomRules Rules,
    IReadOnlyList<RoomBan> Bans,
    long NextBanId,
    IReadOnlyList<RoomMute> Mutes,
    IReadOnlyList<AuditEntry> Audit,
    long NextAuditSeq);

/// <summary>A governance decision: the event to persist, or why not (an <c>error</c> code and message, and its details).</summary>
public abstract record GovernanceDecision;

public sealed record GovernanceAccepted(GovernanceEvent Event) : GovernanceDecision;

/// <summary>Refused with <paramref name="Code"/> (<c>forbidden</c>, <c>banned</c>, <c>muted</c>, <c>slow-mode</c>, <c>not-found</c>, <c>invalid-packet</c>).</summary>
public sealed record GovernanceRefused(string Code, string Message, DateTimeOffset? Until = null, string? Reason = null, int? RetryAfter = null) : GovernanceDecision;
