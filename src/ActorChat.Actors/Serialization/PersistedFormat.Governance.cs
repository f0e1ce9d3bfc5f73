using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using P = ActorChat.Actors.Serialization.Persisted;

namespace ActorChat.Actors.Serialization;

/// <summary>Roles and moderation as stored: the governance events (one message, <c>GovernanceEvent</c>, under a manifest per kind) and the snapshot's part.</summary>
public static partial class PersistedFormat
{
    /// <summary>Reads a governance event of <paramref name="kind"/> (<see cref="GovernanceKind"/>).</summary>
    public static GovernanceEvent ReadGovernanceEvent(byte[] bytes, GovernanceKind kind)
    {
        var p = Parse(P.GovernanceEvent.Parser, bytes);
        var at = FromProto(p.At);
        return kind switch
        {
            GovernanceKind.Claim => new OwnerClaimed(p.By, at),
            GovernanceKind.Configure => new RoomConfigured(p.By, at, FromProto(p.Rules ?? throw Corrupt("a configure without its settings")), p.Granted.ToArray()),
            GovernanceKind.Grant => new RoleGranted(p.By, at, p.UserId, RoleFrom(p.Role)),
            GovernanceKind.Kick => new MemberKicked(p.By, at, FromProto(p.Target), p.HasReason ? p.Reason : null),
            GovernanceKind.Ban => new MemberBanned(p.By, at, FromProto(p.Ban ?? throw Corrupt("a ban without its ban"))),
            GovernanceKind.Unban => new MemberUnbanned(p.By, at, p.BanId),
            GovernanceKind.Mute => new MemberMuted(p.By, at, FromProto(p.Mute ?? throw Corrupt("a mute without its mute"))),
            GovernanceKind.Unmute => new MemberUnmuted(p.By, at, FromProto(p.Target)),
            GovernanceKind.Delete => new MessageDeleted(p.By, at, p.Offset, p.HasReason ? p.Reason : null),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>The kind a governance event is stored as (its manifest names it).</summary>
    public static GovernanceKind KindOf(GovernanceEvent e) => e switch
    {
        OwnerClaimed => GovernanceKind.Claim,
        RoomConfigured => GovernanceKind.Configure,
        RoleGranted => GovernanceKind.Grant,
        MemberKicked => GovernanceKind.Kick,
        MemberBanned => GovernanceKind.Ban,
        MemberUnbanned => GovernanceKind.Unban,
        MemberMuted => GovernanceKind.Mute,
        MemberUnmuted => GovernanceKind.Unmute,
        MessageDeleted => GovernanceKind.Delete,
        _ => throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e)),
    };

    private static P.GovernanceEvent ToProto(GovernanceEvent e)
    {
        var p = new P.GovernanceEvent { By = e.By, At = ToProto(e.At) };
        switch (e)
        {
            case RoomConfigured configured:
                p.Rules = ToProto(configured.Rules);
                p.Granted.Add(configured.Granted);
                break;
            case RoleGranted granted:
                p.UserId = granted.UserId;
                p.Role = RoleTo(granted.Role);
                break;
            case MemberKicked kicked:
                p.Target = ToProto(kicked.Target);
                if (kicked.Reason is { } reason)
                {
                    p.Reason = reason;
                }

                break;
            case MemberBanned banned:
                p.Ban = ToProto(banned.Ban);
                break;
            case MemberUnbanned unbanned:
                p.BanId = unbanned.BanId;
                break;
            case MemberMuted muted:
                p.Mute = ToProto(muted.Mute);
                break;
            case MemberUnmuted unmuted:
                p.Target = ToProto(unmuted.Target);
                break;
            case MessageDeleted deleted:
                p.Offset = deleted.Offset;
                if (deleted.Reason is { } deleteReason)
                {
                    p.Reason = deleteReason;
                }

                break;
        }

        return p;
    }

    private static P.RoomGovernance ToProto(GovernanceSnapshot g)
    {
        var p = new P.RoomGovernance { HadOwner = g.HadOwner, Rules = ToProto(g.Rules), NextBanId = g.NextBanId, NextAuditSeq = g.NextAuditSeq };
        if (g.Owner is { } owner)
        {
            p.Owner = owner;
        }

        p.Grants.Add(g.Grants.Select(kv => new P.RoomGrant { UserId = kv.Key, Role = RoleTo(kv.Value) }));
        p.Bans.Add(g.Bans.Select(ToProto));
        p.Mutes.Add(g.Mutes.Select(ToProto));
        foreach (var entry in g.Audit)
        {
            var a = new P.AuditEntry { Seq = entry.Seq, At = ToProto(entry.At), By = entry.By, Action = entry.Action };
            if (entry.Target?.User is { } user)
            {
                a.TargetUser = user;
            }

            if (entry.Target?.Name is { } name)
            {
                a.TargetName = name;
            }

            if (entry.Offset is { } offset)
            {
                a.Offset = offset;
            }

            if (entry.Reason is { } reason)
            {
                a.Reason = reason;
            }

            if (entry.Until is { } until)
            {
                a.Until = ToProto(until);
            }

            if (entry.Role is { } role)
            {
                a.Role = RoleTo(role);
            }

            p.Audit.Add(a);
        }

        return p;
    }

    private static GovernanceSnapshot FromProto(P.RoomGovernance p) => new(
        p.HasOwner ? p.Owner : null,
        p.HadOwner,
        [.. p.Grants.Select(g => KeyValuePair.Create(g.UserId, RoleFrom(g.Role)))],
        p.Rules is { } rules ? FromProto(rules) : RoomRules.Default,
        [.. p.Bans.Select(FromProto)],
        p.NextBanId,
        [.. p.Mutes.Select(FromProto)],
        [.. p.Audit.Select(a => new AuditEntry(
            a.Seq,
            FromProto(a.At),
            a.By,
            a.Action,
            a.HasTargetUser || a.HasTargetName ? new ModerationTarget(a.HasTargetUser ? a.TargetUser : null, a.HasTargetName ? a.TargetName : null) : null,
            a.HasOffset ? a.Offset : null,
            a.HasReason ? a.Reason : null,
            a.Until is { } until ? FromProto(until) : null,
            a.HasRole ? RoleFrom(a.Role) : null))],
        p.NextAuditSeq);

    private static P.RoomRules ToProto(RoomRules r) => new()
    {
        Visibility = r.Visibility == RoomVisibility.Private ? 1 : 0,
        AnonymousDenied = !r.AnonymousAllowed,
        Posting = r.Posting == RoomPosting.Moderators ? 1 : 0,
        SlowMode = r.SlowMode,
        Topic = r.Topic,
    };

    private static RoomRules FromProto(P.RoomRules p) => new(
        p.Visibility switch
        {
            0 => RoomVisibility.Public,
            1 => RoomVisibility.Private,
            _ => throw Corrupt($"visibility {p.Visibility}"),
        },
        !p.AnonymousDenied,
        p.Posting switch
        {
            0 => RoomPosting.Everyone,
            1 => RoomPosting.Moderators,
            _ => throw Corrupt($"posting {p.Posting}"),
        },
        p.SlowMode,
        p.Topic);

    private static P.ModerationSubject ToProto(ModerationSubject s)
    {
        var p = new P.ModerationSubject { Name = s.Name };
        if (s.UserId is { } user)
        {
            p.UserId = user;
        }

        if (s.SessionId is { } session)
        {
            p.SessionId = session;
        }

        if (s.Address is { } address)
        {
            p.Address = address;
        }

        return p;
    }

    private static ModerationSubject FromProto(P.ModerationSubject? p) =>
        p is null ? throw Corrupt("a moderation act without its target")
        : new(p.HasUserId ? p.UserId : null, p.HasSessionId ? p.SessionId : null, p.HasAddress ? p.Address : null, p.Name);

    private static P.RoomBan ToProto(RoomBan b)
    {
        var p = new P.RoomBan { Id = b.Id, Subject = ToProto(b.Subject) };
        if (b.Until is { } until)
        {
            p.Until = ToProto(until);
        }

        if (b.Reason is { } reason)
        {
            p.Reason = reason;
        }

        return p;
    }

    private static RoomBan FromProto(P.RoomBan p) =>
        new(p.Id, FromProto(p.Subject), p.Until is { } until ? FromProto(until) : null, p.HasReason ? p.Reason : null);

    private static P.RoomMute ToProto(RoomMute m)
    {
        var p = new P.RoomMute { Subject = ToProto(m.Subject) };
        if (m.Until is { } until)
        {
            p.Until = ToProto(until);
        }

        if (m.Reason is { } reason)
        {
            p.Reason = reason;
        }

        return p;
    }

    private static RoomMute FromProto(P.RoomMute p) =>
        new(FromProto(p.Subject), p.Until is { } until ? FromProto(until) : null, p.HasReason ? p.Reason : null);

    private static int RoleTo(RoomRole role) => role switch
    {
        RoomRole.None => 0,
        RoomRole.Member => 1,
        RoomRole.Moderator => 2,
        RoomRole.Owner => 3,
        _ => throw new ArgumentException($"A room does not store the role {role}.", nameof(role)),
    };

    private static RoomRole RoleFrom(int role) => role switch
    {
        0 => RoomRole.None,
        1 => RoomRole.Member,
        2 => RoomRole.Moderator,
        3 => RoomRole.Owner,
        _ => throw Corrupt($"role {role}"),
    };
}

/// <summary>The kinds of governance event, each stored under its own manifest.</summary>
public enum GovernanceKind
{
    Claim,
    Configure,
    Grant,
    Kick,
    Ban,
    Unban,
    Mute,
    Unmute,
    Delete,
}
