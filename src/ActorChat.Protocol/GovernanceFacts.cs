namespace ActorChat.Protocol;

/// <summary>A room role, lowest first; <see cref="Admin"/> is the server role, above every room's owner.</summary>
public enum RoomRole
{
    /// <summary>No grant (a <c>grant</c> with <c>role: none</c> revokes one).</summary>
    None,
    Member,
    Moderator,
    Owner,
    Admin,
}

/// <summary><c>visibility</c>: who may join.</summary>
public enum RoomVisibility
{
    Public,
    Private,
}

/// <summary><c>posting</c>: who may send.</summary>
public enum RoomPosting
{
    Everyone,
    Moderators,
}

/// <summary>
/// A room's settings as <c>joined</c>, <c>configured</c> and <c>room</c> show them:
/// <paramref name="SlowMode"/> in seconds (0: off), <paramref name="Topic"/> 0–200 characters;
/// <paramref name="AnonymousAllowed"/> is always false in a private room.
/// </summary>
public sealed record RoomRules(RoomVisibility Visibility, bool AnonymousAllowed, RoomPosting Posting, int SlowMode, string Topic)
{
    /// <summary>The longest slow mode, in seconds (6 hours).</summary>
    public const int MaxSlowMode = 21600;

    /// <summary>The longest topic, in UTF-16 code units.</summary>
    public const int MaxTopicLength = 200;

    /// <summary>A new room's settings (and always the lobby's).</summary>
    public static RoomRules Default { get; } = new(RoomVisibility.Public, true, RoomPosting.Everyone, 0, "");
}

/// <summary>Whom a moderation act was made on, as the wire shows it: a user's id, or an anonymous member's name.</summary>
public sealed record ModerationTarget(string? User, string? Name);

/// <summary>One entry of a <c>bans</c> reply; <paramref name="Until"/> null: until <c>unban</c>.</summary>
public sealed record BanView(long Id, string? User, string Name, DateTimeOffset? Until, string? Reason);

/// <summary>
/// One entry of a room's audit: every moderation act, grant, configure (never a message's text).
/// <paramref name="Role"/> is a grant's role (an addition to the contract's shape).
/// </summary>
public sealed record AuditEntry(
    long Seq,
    DateTimeOffset At,
    string By,
    string Action,
    ModerationTarget? Target,
    long? Offset,
    string? Reason,
    DateTimeOffset? Until,
    RoomRole? Role);

/// <summary>What a room tells about its roles, settings and moderation (room → member); a protocol without them encodes nothing.</summary>
public abstract record GovernanceFact(string Room, string? Ref);

/// <summary><c>configured {room, settings}</c>: the reply to <c>configure</c>.</summary>
public sealed record RoomConfiguredFact(string Room, string? Ref, RoomRules Rules) : GovernanceFact(Room, Ref);

/// <summary><c>room {room, settings}</c>: every member learns the new settings.</summary>
public sealed record RoomRulesChangedFact(string Room, RoomRules Rules) : GovernanceFact(Room, null);

/// <summary><c>granted {room, user, role}</c>: the reply to <c>grant</c>.</summary>
public sealed record GrantedFact(string Room, string? Ref, string User, RoomRole Role) : GovernanceFact(Room, Ref);

/// <summary><c>bans {room, bans}</c>: the reply to <c>bans</c>.</summary>
public sealed record BansFact(string Room, string? Ref, IReadOnlyList<BanView> Bans) : GovernanceFact(Room, Ref);

/// <summary><c>moderated {room, action, target}</c>: the reply to a kick, ban, unban, mute or unmute.</summary>
public sealed record ModeratedFact(string Room, string? Ref, ModerationAction Action, ModerationTarget Target) : GovernanceFact(Room, Ref);

/// <summary><c>muted {room, by, until, reason}</c>: to the muted member.</summary>
public sealed record MutedFact(string Room, string By, DateTimeOffset? Until, string? Reason) : GovernanceFact(Room, null);

/// <summary><c>audit {room, entries, more}</c>: the reply to <c>audit</c>, oldest first.</summary>
public sealed record AuditFact(string Room, string? Ref, IReadOnlyList<AuditEntry> Entries, bool More) : GovernanceFact(Room, Ref);

/// <summary>
/// A message was deleted: with <paramref name="Ref"/>, the reply <c>deleted {room, offset}</c> to the
/// <c>delete</c>; without, what every member gets, <c>deleted {room, offset, by}</c>.
/// </summary>
public sealed record MessageDeletedFact(string Room, string? Ref, long Offset, string? By) : GovernanceFact(Room, Ref);

/// <summary>What a <c>configure</c> asks to change; null members stay as they are.</summary>
public sealed record RoomRulesChange(RoomVisibility? Visibility = null, bool? AnonymousAllowed = null, RoomPosting? Posting = null, int? SlowMode = null, string? Topic = null)
{
    /// <summary>True when it changes what only the owner (or an admin) may: visibility, anonymous access, posting.</summary>
    public bool NeedsOwner => Visibility is not null || AnonymousAllowed is not null || Posting is not null;

    public bool IsEmpty => !NeedsOwner && SlowMode is null && Topic is null;
}

/// <summary>The moderation requests that name a target.</summary>
public enum ModerationAction
{
    Kick,
    Ban,
    Unban,
    Mute,
    Unmute,
}

/// <summary>
/// A moderation request's target as the client named it: <c>{user}</c> (a user id), <c>{name}</c>
/// (whoever holds that name in the room now), or, for <c>unban</c>, <c>{ban}</c> (a ban's id).
/// </summary>
public sealed record TargetSpec(string? User, string? Name, long? Ban = null);
