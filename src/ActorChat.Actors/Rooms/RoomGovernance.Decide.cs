using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>The decisions: who may join, send, configure, grant and moderate (PROTOCOL-V1.1 Part B).</summary>
public sealed partial class RoomGovernance
{
    /// <summary>Most senders the slow-mode clock remembers before it forgets those whose wait is over.</summary>
    private const int SlowModeClockBound = 1024;

    /// <summary>
    /// The owner a join makes: the first user to join a room that has no history
    /// (<paramref name="roomIsNew"/>) and has never had an owner; never in the lobby.
    /// </summary>
    public OwnerClaimed? DecideClaim(RoomIdentity identity, bool roomIsNew, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return !IsLobby && roomIsNew && !HadOwner && identity.UserId is { } user ? new OwnerClaimed(user, at) : null;
    }

    /// <summary>Whether <paramref name="joiner"/> may join now: refused <c>banned</c>, or <c>forbidden</c> (private, anonymous denied).</summary>
    public GovernanceRefused? CheckJoin(RoomPrincipal joiner, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        var identity = joiner.Identity;
        if (identity.IsAdmin)
        {
            return null;
        }

        if (BanOf(joiner, now) is { } ban)
        {
            return new GovernanceRefused(ErrorCodes.Banned, $"You are banned from the room \"{Room}\".", ban.Until, ban.Reason);
        }

        if (Rules.Visibility == RoomVisibility.Private)
        {
            var allowed = identity.UserId is { } user
                && (string.Equals(user, Owner, StringComparison.Ordinal) || _grants.ContainsKey(user) || identity.TokenGrant is RoomRole.Member or RoomRole.Moderator);
            return allowed ? null : Forbidden($"The room \"{Room}\" is private.");
        }

        return !Rules.AnonymousAllowed && identity.UserId is null
            ? Forbidden($"The room \"{Room}\" admits signed-in users only.")
            : null;
    }

    /// <summary>
    /// Whether <paramref name="sender"/> may send now: refused <c>forbidden</c> (posting: moderators),
    /// <c>muted</c>, or <c>slow-mode</c> with the seconds to wait. An accepted send starts the
    /// sender's slow-mode wait.
    /// </summary>
    public GovernanceRefused? DecideSend(RoomPrincipal sender, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var role = RoleOf(sender.Identity);
        if (Rules.Posting == RoomPosting.Moderators && role < RoomRole.Moderator)
        {
            return Forbidden($"Only moderators post in the room \"{Room}\".");
        }

        if (MuteOf(sender, now) is { } mute)
        {
            return new GovernanceRefused(ErrorCodes.Muted, $"You are muted in the room \"{Room}\".", mute.Until, mute.Reason);
        }

        if (Rules.SlowMode <= 0 || role >= RoomRole.Moderator)
        {
            return null;
        }

        var wait = TimeSpan.FromSeconds(Rules.SlowMode);
        if (_lastSend.TryGetValue(sender.Key, out var last) && now < last + wait)
        {
            var retryAfter = (int)Math.Ceiling((last + wait - now).TotalSeconds);
            return new GovernanceRefused(ErrorCodes.SlowMode, $"Slow mode: one message every {Rules.SlowMode} s in the room \"{Room}\".", RetryAfter: Math.Max(1, retryAfter));
        }

        if (_lastSend.Count >= SlowModeClockBound)
        {
            foreach (var done in _lastSend.Where(s => now >= s.Value + wait).Select(s => s.Key).ToList())
            {
                _lastSend.Remove(done);
            }
        }

        _lastSend[sender.Key] = now;
        return null;
    }

    /// <summary>
    /// A <c>configure</c>: visibility, anonymous access and posting by the owner (or an admin), slow
    /// mode and topic by a moderator and above. Turning private grants <c>member</c> to the users among
    /// <paramref name="members"/> who hold no grant, and denies anonymous members.
    /// </summary>
    public GovernanceDecision DecideConfigure(RoomPrincipal actor, RoomRulesChange change, IEnumerable<RoomIdentity> members, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(members);
        var role = RoleOf(actor.Identity);
        if (role < RoomRole.Moderator)
        {
            return Forbidden("Configuring a room needs a moderator or above.");
        }

        if (change.NeedsOwner && IsLobby)
        {
            return Forbidden("The lobby is always public, open to anonymous members, and everyone posts in it.");
        }

        if (change.NeedsOwner && role < RoomRole.Owner)
        {
            return Forbidden("Only the owner (or an admin) sets visibility, anonymous access and posting.");
        }

        if (change.SlowMode is { } slow && (slow < 0 || slow > RoomRules.MaxSlowMode))
        {
            return new GovernanceRefused(ErrorCodes.InvalidPacket, $"slowMode is 0–{RoomRules.MaxSlowMode} seconds.");
        }

        if (change.Topic is { Length: > RoomRules.MaxTopicLength })
        {
            return new GovernanceRefused(ErrorCodes.InvalidPacket, $"A topic has at most {RoomRules.MaxTopicLength} characters.");
        }

        var visibility = change.Visibility ?? Rules.Visibility;
        var rules = new RoomRules(
            visibility,
            visibility != RoomVisibility.Private && (change.AnonymousAllowed ?? (Rules.Visibility == RoomVisibility.Private || Rules.AnonymousAllowed)),
            change.Posting ?? Rules.Posting,
            change.SlowMode ?? Rules.SlowMode,
            change.Topic ?? Rules.Topic);
        IReadOnlyList<string> granted = [];
        if (visibility == RoomVisibility.Private && Rules.Visibility != RoomVisibility.Private)
        {
            // An array, not a collection expression's list: every copy of the event (a journal's, a test's) reads it back.
            granted = members
                .Where(m => m.UserId is { } u && !m.IsAdmin && !string.Equals(u, Owner, StringComparison.Ordinal) && !_grants.ContainsKey(u))
                .Select(m => m.UserId!)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }

        return new GovernanceAccepted(new RoomConfigured(ByOf(actor), at, rules, granted));
    }

    /// <summary>
    /// A <c>grant</c> of <paramref name="role"/> to <paramref name="target"/> (a user): <c>moderator</c>
    /// by the owner or an admin; <c>member</c> and <c>none</c> by a moderator and above; <c>owner</c>
    /// by the owner or an admin (a hand-over). Always on a user below the actor's role, never oneself.
    /// </summary>
    public GovernanceDecision DecideGrant(RoomPrincipal actor, RoomIdentity target, RoomRole role, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (target.UserId is not { } user)
        {
            return new GovernanceRefused(ErrorCodes.InvalidPacket, "Only users (ids) can be granted a role.");
        }

        if (role == RoomRole.Admin)
        {
            return new GovernanceRefused(ErrorCodes.InvalidPacket, "A room grants owner, moderator, member or none.");
        }

        var actorRole = RoleOf(actor.Identity);
        var needed = role is RoomRole.Owner or RoomRole.Moderator ? RoomRole.Owner : RoomRole.Moderator;
        if (actorRole < needed)
        {
            return Forbidden(needed == RoomRole.Owner ? $"Granting {Name(role)} needs the owner or an admin." : "Granting needs a moderator or above.");
        }

        if (string.Equals(user, actor.Identity.UserId, StringComparison.Ordinal))
        {
            return Forbidden("Nobody grants a role to themselves.");
        }

        if (role == RoomRole.Owner && IsLobby)
        {
            return Forbidden("The lobby has no owner.");
        }

        return RoleOf(target) >= actorRole
            ? Forbidden("A grant is only ever on a user below one's own role.")
            : new GovernanceAccepted(new RoleGranted(ByOf(actor), at, user, role));
    }

    /// <summary>A <c>kick</c>: by a moderator and above, on a target of lower role.</summary>
    public GovernanceDecision DecideKick(RoomPrincipal actor, RoomPrincipal target, string? reason, DateTimeOffset at) =>
        CheckAct(actor, target) ?? (GovernanceDecision)new GovernanceAccepted(new MemberKicked(ByOf(actor), at, ModerationSubject.Of(target), reason));

    /// <summary>A <c>ban</c> for <paramref name="duration"/> (null: until <c>unban</c>): by a moderator and above, on a target of lower role.</summary>
    public GovernanceDecision DecideBan(RoomPrincipal actor, RoomPrincipal target, TimeSpan? duration, string? reason, DateTimeOffset at) =>
        CheckAct(actor, target)
        ?? (GovernanceDecision)new GovernanceAccepted(new MemberBanned(ByOf(actor), at, new RoomBan(_nextBanId, ModerationSubject.Of(target), at + duration, reason)));

    /// <summary>A <c>mute</c> for <paramref name="duration"/> (null: until <c>unmute</c>): by a moderator and above, on a target of lower role.</summary>
    public GovernanceDecision DecideMute(RoomPrincipal actor, RoomPrincipal target, TimeSpan? duration, string? reason, DateTimeOffset at) =>
        CheckAct(actor, target)
        ?? (GovernanceDecision)new GovernanceAccepted(new MemberMuted(ByOf(actor), at, new RoomMute(ModerationSubject.Of(target), at + duration, reason)));

    /// <summary>An <c>unmute</c>: by a moderator and above, on a target of lower role; <c>not-found</c> when it is not muted.</summary>
    public GovernanceDecision DecideUnmute(RoomPrincipal actor, RoomPrincipal target, DateTimeOffset at)
    {
        if (CheckAct(actor, target) is { } refused)
        {
            return refused;
        }

        return MuteOf(target, at) is null
            ? new GovernanceRefused(ErrorCodes.NotFound, $"{target.Name} is not muted in the room \"{Room}\".")
            : new GovernanceAccepted(new MemberUnmuted(ByOf(actor), at, ModerationSubject.Of(target)));
    }

    /// <summary>
    /// An <c>unban</c> by ban id, by user id, or by the name the ban was made on: by a moderator and
    /// above; <c>not-found</c> when no ban in force matches.
    /// </summary>
    public GovernanceDecision DecideUnban(RoomPrincipal actor, long? banId, string? user, string? name, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (CheckModerator(actor) is { } refused)
        {
            return refused;
        }

        var ban = _bans.Find(b => InForce(b.Until, at)
            && (banId is { } id ? b.Id == id
                : user is not null ? string.Equals(b.Subject.UserId, user, StringComparison.Ordinal)
                : name is not null && b.Subject.UserId is null && string.Equals(b.Subject.Name, name, StringComparison.Ordinal)));
        return ban is null
            ? new GovernanceRefused(ErrorCodes.NotFound, $"No such ban in the room \"{Room}\".")
            : new GovernanceAccepted(new MemberUnbanned(ByOf(actor), at, ban.Id));
    }

    /// <summary><c>bans</c> and <c>audit</c>: a moderator and above, or <c>forbidden</c>.</summary>
    public GovernanceRefused? CheckModerator(RoomPrincipal actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return RoleOf(actor.Identity) < RoomRole.Moderator ? Forbidden("This needs a moderator or above.") : null;
    }

    /// <summary>A moderation act: a moderator and above, never on oneself, nobody on an admin, only on a lower role.</summary>
    private GovernanceRefused? CheckAct(RoomPrincipal actor, RoomPrincipal target)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (CheckModerator(actor) is { } refused)
        {
            return refused;
        }

        if (string.Equals(actor.Key, target.Key, StringComparison.Ordinal))
        {
            return Forbidden("Nobody moderates themselves.");
        }

        if (target.Identity.IsAdmin)
        {
            return Forbidden("Nobody moderates a server admin.");
        }

        return RoleOf(target.Identity) >= RoleOf(actor.Identity) ? Forbidden("Moderation acts only on a lower role.") : null;
    }

    /// <summary>Who an act is by, in the audit: the actor's user id (only users reach a moderator's role).</summary>
    internal static string ByOf(RoomPrincipal actor) => actor.Identity.UserId ?? actor.Name;

    private static GovernanceRefused Forbidden(string message) => new(ErrorCodes.Forbidden, message);

    private static string Name(RoomRole role) => role.ToString().ToLowerInvariant();
}
