using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;
using Member = ActorChat.Actors.Rooms.RoomMember<Akka.Actor.IActorRef>;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The room's roles, settings and moderation (PROTOCOL-V1.1 Part B): requests routed to the pure
/// <see cref="RoomGovernance"/>, its events persisted in the room's journal, their effects performed
/// (replies, settings broadcast, members removed or told they are muted).
/// </summary>
public sealed partial class RoomActor
{
    private RoomGovernance Governance => _state.Governance;

    private static RoomPrincipal PrincipalOf(Member member) => new(member.SessionId, member.Name, member.Identity);

    private static RoomIdentity IdentityOf(JoinIdentity? joiner) => joiner is null
        ? RoomIdentity.Anonymous
        : new RoomIdentity(
            joiner.UserId,
            joiner.IsAdmin && joiner.UserId is not null,
            joiner.UserId is null ? RoomRole.None : joiner.RoomGrant switch
            {
                "moderator" => RoomRole.Moderator,
                "member" => RoomRole.Member,
                _ => RoomRole.None,
            },
            joiner.Address);

    private RoomStanding StandingOf(Member member) =>
        new(Governance.RoleOf(member.Identity), Governance.Rules, Governance.MuteOf(PrincipalOf(member), _time.GetUtcNow()));

    // ---- entries ----

    private void GovernEnter(Enter enter, IActorRef connection, IRoomEventEncoder encoder)
    {
        var identity = IdentityOf(enter.Identity);
        var now = _time.GetUtcNow();
        if (Governance.CheckJoin(new RoomPrincipal(enter.SessionId, enter.Name, identity), now) is { } refused)
        {
            _logger.RoomGovernanceRefused(_room, "join", refused.Code);
            if (_members.Find(enter.SessionId) is { } member)
            {
                // A member coming back on another connection after it was banned is one no more.
                RemoveAtOnce(member);
            }

            _outbox.Tell(connection, new Denied(_room, refused.Code, refused.Message, enter.Ref, refused.Until, refused.Reason, refused.RetryAfter, Join: true));
            return;
        }

        // The first user to join a room with no history and no owner ever owns it.
        if (Governance.DecideClaim(identity, roomIsNew: _state.NextOffset == 1 && _state.SequenceNr <= 1, now) is { } claim)
        {
            PersistGovernance(claim, _ => Admit(enter, connection, encoder, identity));
            return;
        }

        Admit(enter, connection, encoder, identity);
    }

    /// <summary>Whether the member may post now; when not, refused (a muted <c>beej-chat-protocol</c> member's post is dropped silently).</summary>
    private bool MaySend(Member member, Post post)
    {
        // A retry of a message already kept is acked, whatever the room's rules are now.
        if (_state.IsRepeat(post.SessionId, post.Cid) || Governance.DecideSend(PrincipalOf(member), _time.GetUtcNow()) is not { } refused)
        {
            return true;
        }

        if (!(refused.Code == ErrorCodes.Muted && ReferenceEquals(member.Encoder, RoomEventEncoders.Beej)))
        {
            _outbox.Tell(Sender, new Denied(_room, refused.Code, refused.Message, post.Ref, refused.Until, refused.Reason, refused.RetryAfter, Join: false));
        }

        return false;
    }

    // ---- requests ----

    private void OnConfigure(Configure configure)
    {
        if (AskerOf(configure.SessionId, configure.Ref) is not { } actor)
        {
            return;
        }

        var decision = Governance.DecideConfigure(actor.Principal, configure.Change, _members.Members.Select(m => m.Identity), _time.GetUtcNow());
        Decided(decision, configure.Ref, "configure", e =>
        {
            var rules = Governance.Rules;
            Answer(actor, new RoomConfiguredFact(_room, configure.Ref, rules));
            _delivery.Governance(new RoomRulesChangedFact(_room, rules));
            if (rules.Visibility == RoomVisibility.Private)
            {
                // Anonymous members may not stay in a private room.
                RemoveAll(_members.Members.Where(m => m.Identity.UserId is null).ToList(), "private", e.By, null, null);
            }
        });
    }

    private void OnGrant(Grant grant)
    {
        if (AskerOf(grant.SessionId, grant.Ref) is not { } actor)
        {
            return;
        }

        var target = _members.Members.FirstOrDefault(m => string.Equals(m.Identity.UserId, grant.UserId, StringComparison.Ordinal))?.Identity
            ?? new RoomIdentity(grant.UserId, false, RoomRole.None, null);
        Decided(Governance.DecideGrant(actor.Principal, target, grant.Role, _time.GetUtcNow()), grant.Ref, "grant", _ =>
            Answer(actor, new GrantedFact(_room, grant.Ref, grant.UserId, grant.Role)));
    }

    private void OnModerate(Moderate moderate)
    {
        if (AskerOf(moderate.SessionId, moderate.Ref) is not { } actor)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var principal = actor.Principal;
        var spec = moderate.Target;
        if (moderate.Action == ModerationAction.Unban)
        {
            var decision = Governance.DecideUnban(principal, spec.Ban, spec.User, spec.Name, now);
            var banned = decision is GovernanceAccepted { Event: MemberUnbanned u } ? Governance.BansInForce(now).FirstOrDefault(b => b.Id == u.BanId) : null;
            Decided(decision, moderate.Ref, "unban", _ =>
                Answer(actor, new ModeratedFact(_room, moderate.Ref, ModerationAction.Unban, new ModerationTarget(banned?.User, banned?.User is null ? banned?.Name : null))));
            return;
        }

        if (Resolve(spec) is not { } resolved || (moderate.Action == ModerationAction.Kick && resolved.Members.Count == 0))
        {
            Deny(new GovernanceRefused(ErrorCodes.NotFound, $"Nobody in the room \"{_room}\" is {(spec.User is { } u ? "user " + u : spec.Name)}."), moderate.Ref, moderate.Action.ToString());
            return;
        }

        var (target, members) = resolved;
        TimeSpan? duration = moderate.DurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        var act = moderate.Action switch
        {
            ModerationAction.Kick => Governance.DecideKick(principal, target, moderate.Reason, now),
            ModerationAction.Ban => Governance.DecideBan(principal, target, duration, moderate.Reason, now),
            ModerationAction.Mute => Governance.DecideMute(principal, target, duration, moderate.Reason, now),
            _ => Governance.DecideUnmute(principal, target, now),
        };
        var shown = ModerationSubject.Of(target).ToTarget();
        Decided(act, moderate.Ref, V1Name(moderate.Action), e =>
        {
            // The reply comes before the events the act causes, which the actor's connections get too.
            Answer(actor, new ModeratedFact(_room, moderate.Ref, moderate.Action, shown));
            var still = members.Where(m => _members.Find(m.SessionId) == m).ToList();
            switch (e)
            {
                case MemberKicked kicked:
                    RemoveAll(still, "kick", kicked.By, kicked.Reason, null);
                    break;
                case MemberBanned banned:
                    RemoveAll(still, "ban", banned.By, banned.Ban.Reason, banned.Ban.Until);
                    break;
                case MemberMuted muted:
                    foreach (var member in still)
                    {
                        Reply(member, new MutedFact(_room, muted.By, muted.Mute.Until, muted.Mute.Reason));
                    }

                    break;
            }
        });
    }

    private void OnDeleteMessage(DeleteMessage delete)
    {
        if (AskerOf(delete.SessionId, delete.Ref) is not { } actor)
        {
            return;
        }

        var decision = _state.DecideDelete(actor.Principal, delete.Offset, delete.Reason, _time.GetUtcNow());
        if (decision is DeleteRepeated repeated)
        {
            // Idempotent: a message already deleted is answered as deleted, and nobody is told again.
            Answer(actor, new MessageDeletedFact(_room, delete.Ref, repeated.Offset, null));
            return;
        }

        Decided(decision, delete.Ref, "delete", e =>
        {
            var deleted = (MessageDeleted)e;
            Answer(actor, new MessageDeletedFact(_room, delete.Ref, deleted.Offset, null));
            _delivery.Governance(new MessageDeletedFact(_room, null, deleted.Offset, deleted.By));
        });
    }

    private void OnReadBans(ReadBans read)
    {
        if (Requester(read.SessionId, read.Ref) is not { } actor)
        {
            return;
        }

        if (Governance.CheckModerator(PrincipalOf(actor)) is { } refused)
        {
            Deny(refused, read.Ref, "bans");
            return;
        }

        Reply(actor, new BansFact(_room, read.Ref, Governance.BansInForce(_time.GetUtcNow())));
    }

    private void OnReadAudit(ReadAudit read)
    {
        if (AskerOf(read.SessionId, read.Ref) is not { } reader)
        {
            return;
        }

        if (Governance.CheckModerator(reader.Principal) is { } refused)
        {
            Deny(refused, read.Ref, "audit");
            return;
        }

        var (entries, more) = Governance.AuditPage(read.Before, Math.Clamp(read.Limit ?? 50, 1, 100));
        Answer(reader, new AuditFact(_room, read.Ref, entries, more));
    }

    // ---- helpers ----

    /// <summary>
    /// Who makes a governance request: a member of the room, or the server API, which is no member,
    /// acts with admin rights (<c>by: "api"</c>) and is answered where it asked from.
    /// </summary>
    private readonly record struct Asker(RoomPrincipal Principal, Member? Member, IActorRef ReplyTo);

    /// <summary>The server API as an actor in a room: no user, no session of a member, an admin.</summary>
    private static readonly RoomIdentity ApiIdentity = new(null, IsAdmin: true, RoomRole.None, null);

    /// <summary>The asker of a request: the server API (its session id starts with <see cref="ApiSenderPrefix"/>; a member's has no colon), or a member; anyone else is answered <c>not-in-room</c>.</summary>
    private Asker? AskerOf(string sessionId, string? requestRef)
    {
        if (sessionId.StartsWith(ApiSenderPrefix, StringComparison.Ordinal))
        {
            return new Asker(new RoomPrincipal(sessionId, ApiActorName, ApiIdentity), null, Sender);
        }

        return Requester(sessionId, requestRef) is { } member ? new Asker(PrincipalOf(member), member, Sender) : null;
    }

    /// <summary>A reply to the asker: in the member's protocol, or to the server API as an <c>actorchat.v1</c> frame (its payload is the API's body).</summary>
    private void Answer(Asker asker, GovernanceFact fact)
    {
        if (asker.Member is { } member)
        {
            Reply(member, fact);
        }
        else
        {
            _delivery.Governance(asker.ReplyTo, fact);
        }
    }

    /// <summary>The member making a request; a session not in the room is answered <c>not-in-room</c>.</summary>
    private Member? Requester(string sessionId, string? requestRef)
    {
        if (_members.Find(sessionId) is { Connection: not null } member)
        {
            return member;
        }

        _outbox.Tell(Sender, new Refused(_room, ErrorCodes.NotInRoom, $"Join the room \"{_room}\" first.", requestRef));
        return null;
    }

    /// <summary>
    /// A target resolved now: <c>{user}</c> to that user (every member it is, and its sessions in grace;
    /// it may be absent), <c>{name}</c> to whoever holds the name here now (a user: all of it).
    /// </summary>
    private (RoomPrincipal Principal, IReadOnlyList<Member> Members)? Resolve(TargetSpec spec)
    {
        if (spec.User is { } user)
        {
            var members = _members.Members.Where(m => string.Equals(m.Identity.UserId, user, StringComparison.Ordinal)).ToList();
            var first = members.FirstOrDefault();
            return (new RoomPrincipal(first?.SessionId ?? "", first?.Name ?? user, first?.Identity ?? new RoomIdentity(user, false, RoomRole.None, null)), members);
        }

        if (spec.Name is not { } name)
        {
            return null;
        }

        var holder = _members.Members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal))
            ?? _members.Members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
        if (holder is null)
        {
            return null;
        }

        return holder.Identity.UserId is { } id ? Resolve(new TargetSpec(id, null)) : (PrincipalOf(holder), new[] { holder });
    }

    /// <summary>Persists an accepted decision and then performs <paramref name="then"/>; answers a refusal.</summary>
    private void Decided(GovernanceDecision decision, string? requestRef, string request, Action<GovernanceEvent> then)
    {
        switch (decision)
        {
            case GovernanceRefused refused:
                Deny(refused, requestRef, request);
                break;
            case GovernanceAccepted accepted:
                PersistGovernance(accepted.Event, e =>
                {
                    _logger.RoomModerated(_room, e.By, request, Describe(e));
                    then(e);
                });
                break;
        }
    }

    /// <summary>
    /// Persists a governance event after the posts already decided (they are written first, in the
    /// order decided), applies it, then performs <paramref name="then"/>. <c>Persist</c> holds every
    /// other command until then: decisions always see the applied state.
    /// </summary>
    private void PersistGovernance(GovernanceEvent decided, Action<GovernanceEvent> then)
    {
        if (_batch.IsOpen)
        {
            FlushBatch();
        }

        Persist(_state.DecideGovernance(decided), persisted =>
        {
            _state.Apply(persisted);
            then(persisted);
            MaybeSnapshot();
        });
    }

    private void Deny(GovernanceRefused refused, string? requestRef, string request)
    {
        _logger.RoomGovernanceRefused(_room, request, refused.Code);
        _outbox.Tell(Sender, new Denied(_room, refused.Code, refused.Message, requestRef, refused.Until, refused.Reason, refused.RetryAfter, Join: false));
    }

    /// <summary>A reply or notice in the member's protocol (nothing when its protocol has none).</summary>
    private void Reply(Member member, GovernanceFact fact)
    {
        if (member.Encoder.Governance(fact) is { } frame)
        {
            _delivery.Send(member, new ConnectionActor.Deliver(frame));
        }
    }

    /// <summary>Each member is out of the room now, without a grace, and its connection is told why; everyone sees the leave at once.</summary>
    private void RemoveAll(List<Member> members, string action, string by, string? reason, DateTimeOffset? until)
    {
        if (members.Count == 0)
        {
            return;
        }

        foreach (var member in members)
        {
            if (member.Connection is { } connection)
            {
                _outbox.Tell(connection, new Removed(_room, action, by, reason, until));
            }

            RemoveAtOnce(member);
        }

        FlushPresence();
    }

    private void RemoveAtOnce(Member member)
    {
        if (member.Pending is not null)
        {
            _delivery.CompleteFromMemory(member);
        }

        Perform(_members.Remove(member));
    }

    private static string Describe(GovernanceEvent e) => e switch
    {
        RoleGranted g => $"user {g.UserId} ({g.Role})",
        MemberKicked k => Describe(k.Target),
        MemberBanned b => Describe(b.Ban.Subject),
        MemberMuted m => Describe(m.Mute.Subject),
        MemberUnmuted u => Describe(u.Target),
        MemberUnbanned u => $"ban {u.BanId}",
        MessageDeleted d => $"message {d.Offset}",
        _ => "the room",
    };

    private static string Describe(ModerationSubject subject) => subject.UserId is { } user ? "user " + user : "anonymous " + subject.Name;

    private static string V1Name(ModerationAction action) => action.ToString().ToLowerInvariant();
}
