using ActorChat.Actors.Rooms;
using ActorChat.Protocol;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The pure rules of roles and moderation (PROTOCOL-V1.1 Part B): each privilege, and each refusal.</summary>
public sealed class RoomGovernanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    internal static RoomPrincipal User(string id, bool admin = false, RoomRole token = RoomRole.None) =>
        new("s-" + id, id, new RoomIdentity(id, admin, token, "10.0.0.1"));

    internal static RoomPrincipal Anonymous(string name, string address = "192.0.2.7") =>
        new("s-" + name, name, new RoomIdentity(null, false, RoomRole.None, address));

    /// <summary>A room owned by <c>owner</c>, with <c>mod</c> a moderator.</summary>
    internal static RoomGovernance Owned(string room = "general")
    {
        var g = new RoomGovernance(room);
        Apply(g, g.DecideClaim(User("owner").Identity, roomIsNew: true, T0)!);
        Apply(g, g.DecideGrant(User("owner"), User("mod").Identity, RoomRole.Moderator, T0));
        return g;
    }

    internal static GovernanceEvent Apply(RoomGovernance g, GovernanceDecision decision)
    {
        var accepted = Assert.IsType<GovernanceAccepted>(decision);
        g.Apply(accepted.Event);
        return accepted.Event;
    }

    internal static GovernanceEvent Apply(RoomGovernance g, GovernanceEvent e)
    {
        g.Apply(e);
        return e;
    }

    private static void Refused(GovernanceDecision decision, string code = ErrorCodes.Forbidden) =>
        Assert.Equal(code, Assert.IsType<GovernanceRefused>(decision).Code);

    // ---- roles ----

    [Fact]
    public void The_first_user_to_join_a_new_room_owns_it_and_nobody_after()
    {
        var g = new RoomGovernance("general");
        Assert.Null(g.DecideClaim(Anonymous("anon").Identity, roomIsNew: true, T0));
        Assert.Null(g.DecideClaim(User("late").Identity, roomIsNew: false, T0));
        Apply(g, g.DecideClaim(User("alice").Identity, roomIsNew: true, T0)!);
        Assert.Equal("alice", g.Owner);
        Assert.Equal(RoomRole.Owner, g.RoleOf(User("alice").Identity));
        Assert.Null(g.DecideClaim(User("bob").Identity, roomIsNew: true, T0));

        // Even once it has none any more: a join never makes an owner of a room that had one.
        Apply(g, g.DecideGrant(User("root", admin: true), User("alice").Identity, RoomRole.None, T0));
        Assert.Null(g.Owner);
        Assert.Null(g.DecideClaim(User("bob").Identity, roomIsNew: true, T0));
    }

    [Fact]
    public void The_lobby_has_no_owner_and_stays_public_with_everyone_posting()
    {
        var g = new RoomGovernance(RoomNames.Lobby);
        Assert.Null(g.DecideClaim(User("alice").Identity, roomIsNew: true, T0));
        var admin = User("root", admin: true);
        Refused(g.DecideConfigure(admin, new RoomRulesChange(Visibility: RoomVisibility.Private), [], T0));
        Refused(g.DecideConfigure(admin, new RoomRulesChange(Posting: RoomPosting.Moderators), [], T0));
        Refused(g.DecideGrant(admin, User("alice").Identity, RoomRole.Owner, T0));
        Apply(g, g.DecideConfigure(admin, new RoomRulesChange(Topic: "welcome"), [], T0));
        Assert.Equal("welcome", g.Rules.Topic);
    }

    [Fact]
    public void Roles_order_admin_over_owner_over_moderator_over_member_and_anonymous_is_a_member()
    {
        var g = Owned();
        Assert.Equal(RoomRole.Admin, g.RoleOf(User("owner", admin: true).Identity));
        Assert.Equal(RoomRole.Owner, g.RoleOf(User("owner").Identity));
        Assert.Equal(RoomRole.Moderator, g.RoleOf(User("mod").Identity));
        Assert.Equal(RoomRole.Member, g.RoleOf(User("carol").Identity));
        Assert.Equal(RoomRole.Member, g.RoleOf(Anonymous("anon").Identity));
        Assert.Equal(RoomRole.Moderator, g.RoleOf(User("dave", token: RoomRole.Moderator).Identity));
        Assert.Equal(RoomRole.Member, g.RoleOf(new RoomIdentity(null, false, RoomRole.Moderator, null)));
    }

    // ---- settings ----

    [Fact]
    public void Visibility_and_posting_are_the_owners_slow_mode_and_topic_a_moderators()
    {
        var g = Owned();
        Refused(g.DecideConfigure(User("carol"), new RoomRulesChange(Topic: "x"), [], T0));
        Refused(g.DecideConfigure(Anonymous("anon"), new RoomRulesChange(SlowMode: 5), [], T0));
        Refused(g.DecideConfigure(User("mod"), new RoomRulesChange(Visibility: RoomVisibility.Private), [], T0));
        Refused(g.DecideConfigure(User("mod"), new RoomRulesChange(Posting: RoomPosting.Moderators), [], T0));
        Refused(g.DecideConfigure(User("mod"), new RoomRulesChange(AnonymousAllowed: false), [], T0));
        Apply(g, g.DecideConfigure(User("mod"), new RoomRulesChange(SlowMode: 30, Topic: "rules"), [], T0));
        Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(Posting: RoomPosting.Moderators), [], T0));
        Apply(g, g.DecideConfigure(User("root", admin: true), new RoomRulesChange(AnonymousAllowed: false), [], T0));
        Assert.Equal(new RoomRules(RoomVisibility.Public, false, RoomPosting.Moderators, 30, "rules"), g.Rules);
        Refused(g.DecideConfigure(User("mod"), new RoomRulesChange(SlowMode: RoomRules.MaxSlowMode + 1), [], T0), ErrorCodes.InvalidPacket);
        Refused(g.DecideConfigure(User("mod"), new RoomRulesChange(Topic: new string('t', RoomRules.MaxTopicLength + 1)), [], T0), ErrorCodes.InvalidPacket);
    }

    [Fact]
    public void A_room_turning_private_grants_its_users_and_admits_only_grants_never_anonymous()
    {
        var g = Owned();
        var decided = Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(Visibility: RoomVisibility.Private), [User("carol").Identity, Anonymous("anon").Identity, User("owner").Identity], T0));
        Assert.Equal(["carol"], ((RoomConfigured)decided).Granted);
        Assert.False(g.Rules.AnonymousAllowed);
        Assert.Null(g.CheckJoin(User("carol"), T0));
        Assert.Null(g.CheckJoin(User("mod"), T0));
        Assert.Null(g.CheckJoin(User("owner"), T0));
        Assert.Null(g.CheckJoin(User("root", admin: true), T0));
        Assert.Null(g.CheckJoin(User("invited", token: RoomRole.Member), T0));
        Assert.Equal(ErrorCodes.Forbidden, g.CheckJoin(User("stranger"), T0)?.Code);
        Assert.Equal(ErrorCodes.Forbidden, g.CheckJoin(Anonymous("anon"), T0)?.Code);

        // A member's invitation by a moderator lets a user in.
        Apply(g, g.DecideGrant(User("mod"), User("stranger").Identity, RoomRole.Member, T0));
        Assert.Null(g.CheckJoin(User("stranger"), T0));
    }

    [Fact]
    public void Anonymous_deny_keeps_anonymous_members_out_of_a_public_room()
    {
        var g = Owned();
        Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(AnonymousAllowed: false), [], T0));
        Assert.Equal(ErrorCodes.Forbidden, g.CheckJoin(Anonymous("anon"), T0)?.Code);
        Assert.Null(g.CheckJoin(User("carol"), T0));
    }

    [Fact]
    public void Posting_moderators_refuses_members_and_slow_mode_holds_members_to_one_message_per_period()
    {
        var g = Owned();
        Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(Posting: RoomPosting.Moderators), [], T0));
        Assert.Equal(ErrorCodes.Forbidden, g.DecideSend(User("carol"), T0)?.Code);
        Assert.Null(g.DecideSend(User("mod"), T0));

        Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(Posting: RoomPosting.Everyone, SlowMode: 10), [], T0));
        Assert.Null(g.DecideSend(User("carol"), T0));
        var early = g.DecideSend(User("carol"), T0.AddSeconds(3.5));
        Assert.Equal(ErrorCodes.SlowMode, early?.Code);
        Assert.Equal(7, early?.RetryAfter);
        Assert.Null(g.DecideSend(User("carol"), T0.AddSeconds(10)));

        // Moderators are exempt; each member has its own clock.
        Assert.Null(g.DecideSend(User("mod"), T0));
        Assert.Null(g.DecideSend(User("mod"), T0));
        Assert.Null(g.DecideSend(Anonymous("anon"), T0));
        Assert.Equal(ErrorCodes.SlowMode, g.DecideSend(Anonymous("anon"), T0.AddSeconds(1))?.Code);
    }

    // ---- grants ----

    [Fact]
    public void Moderator_grants_are_the_owners_member_grants_a_moderators_and_never_on_oneself_or_above()
    {
        var g = Owned();
        Refused(g.DecideGrant(User("mod"), User("carol").Identity, RoomRole.Moderator, T0));
        Refused(g.DecideGrant(User("carol"), User("dave").Identity, RoomRole.Member, T0));
        Refused(g.DecideGrant(Anonymous("anon"), User("dave").Identity, RoomRole.Member, T0));
        Refused(g.DecideGrant(User("mod"), User("mod").Identity, RoomRole.None, T0));
        Refused(g.DecideGrant(User("owner"), User("owner").Identity, RoomRole.Moderator, T0));
        Refused(g.DecideGrant(User("mod"), User("owner").Identity, RoomRole.None, T0));
        Refused(g.DecideGrant(User("owner"), User("root", admin: true).Identity, RoomRole.Member, T0));
        Refused(g.DecideGrant(User("owner"), Anonymous("anon").Identity, RoomRole.Member, T0), ErrorCodes.InvalidPacket);

        // A moderator cannot demote another moderator.
        Apply(g, g.DecideGrant(User("owner"), User("mod2").Identity, RoomRole.Moderator, T0));
        Refused(g.DecideGrant(User("mod"), User("mod2").Identity, RoomRole.None, T0));

        Apply(g, g.DecideGrant(User("mod"), User("carol").Identity, RoomRole.Member, T0));
        Assert.Equal(RoomRole.Member, g.Grants["carol"]);
        Apply(g, g.DecideGrant(User("mod"), User("carol").Identity, RoomRole.None, T0));
        Assert.False(g.Grants.ContainsKey("carol"));
        Apply(g, g.DecideGrant(User("owner"), User("mod2").Identity, RoomRole.None, T0));
        Assert.Equal(RoomRole.Member, g.RoleOf(User("mod2").Identity));
    }

    [Fact]
    public void The_owner_hands_the_room_over_and_stays_a_moderator()
    {
        var g = Owned();
        Refused(g.DecideGrant(User("mod"), User("carol").Identity, RoomRole.Owner, T0));
        Apply(g, g.DecideGrant(User("owner"), User("carol").Identity, RoomRole.Owner, T0));
        Assert.Equal("carol", g.Owner);
        Assert.Equal(RoomRole.Moderator, g.RoleOf(User("owner").Identity));

        // An admin may hand it over too.
        Apply(g, g.DecideGrant(User("root", admin: true), User("mod").Identity, RoomRole.Owner, T0));
        Assert.Equal("mod", g.Owner);
        Assert.Equal(RoomRole.Moderator, g.RoleOf(User("carol").Identity));
    }

    // ---- moderation ----

    [Fact]
    public void A_member_may_not_moderate_at_all()
    {
        var g = Owned();
        var carol = User("carol");
        var anon = Anonymous("anon");
        foreach (var actor in new[] { carol, anon })
        {
            Refused(g.DecideKick(actor, User("dave"), null, T0));
            Refused(g.DecideBan(actor, User("dave"), null, null, T0));
            Refused(g.DecideMute(actor, User("dave"), null, null, T0));
            Refused(g.DecideUnmute(actor, User("dave"), T0));
            Refused(g.DecideUnban(actor, 1, null, null, T0));
            Assert.Equal(ErrorCodes.Forbidden, g.CheckModerator(actor)?.Code);
        }
    }

    [Fact]
    public void Moderation_acts_only_on_lower_roles_never_on_oneself_and_nobody_on_an_admin()
    {
        var g = Owned();
        Apply(g, g.DecideGrant(User("owner"), User("mod2").Identity, RoomRole.Moderator, T0));
        Refused(g.DecideKick(User("mod"), User("owner"), null, T0));
        Refused(g.DecideBan(User("mod"), User("mod2"), null, null, T0));
        Refused(g.DecideMute(User("mod"), User("mod"), null, null, T0));
        Refused(g.DecideBan(User("owner"), User("root", admin: true), null, null, T0));
        Refused(g.DecideKick(User("root", admin: true), User("root2", admin: true), null, T0));
        Apply(g, g.DecideBan(User("owner"), User("mod"), null, null, T0));
        Apply(g, g.DecideKick(User("root", admin: true), User("owner"), "spam", T0));
        Apply(g, g.DecideMute(User("mod2"), Anonymous("anon"), TimeSpan.FromMinutes(1), null, T0));
    }

    [Fact]
    public void A_ban_refuses_the_user_on_any_session_until_it_ends_or_is_lifted()
    {
        var g = Owned();
        var ban = (MemberBanned)Apply(g, g.DecideBan(User("mod"), User("carol"), TimeSpan.FromHours(1), "spam", T0));
        var again = new RoomPrincipal("another-session", "carol2", new RoomIdentity("carol", false, RoomRole.None, "203.0.113.9"));
        var refused = g.CheckJoin(again, T0.AddMinutes(59));
        Assert.Equal(ErrorCodes.Banned, refused?.Code);
        Assert.Equal(T0.AddHours(1), refused?.Until);
        Assert.Equal("spam", refused?.Reason);
        Assert.Null(g.CheckJoin(again, T0.AddHours(1)));
        Assert.Null(g.CheckJoin(User("dave"), T0));

        var view = Assert.Single(g.BansInForce(T0));
        Assert.Equal(new BanView(ban.Ban.Id, "carol", "carol", T0.AddHours(1), "spam"), view);
        Apply(g, g.DecideUnban(User("mod"), null, "carol", null, T0));
        Assert.Null(g.CheckJoin(again, T0));
        Refused(g.DecideUnban(User("mod"), ban.Ban.Id, null, null, T0), ErrorCodes.NotFound);
    }

    [Fact]
    public void An_anonymous_ban_holds_against_its_session_and_its_address_an_ipv4_or_an_ipv6_64()
    {
        var g = Owned();
        var ban = (MemberBanned)Apply(g, g.DecideBan(User("mod"), Anonymous("troll", "2001:db8:1:2:aaaa::1"), null, null, T0));
        Assert.Equal(ErrorCodes.Banned, g.CheckJoin(Anonymous("troll", "198.51.100.1"), T0)?.Code);
        Assert.Equal(ErrorCodes.Banned, g.CheckJoin(new RoomPrincipal("new", "other", new RoomIdentity(null, false, RoomRole.None, "2001:db8:1:2:ffff::9")), T0)?.Code);
        Assert.Null(g.CheckJoin(new RoomPrincipal("new", "other", new RoomIdentity(null, false, RoomRole.None, "2001:db8:1:3::1")), T0));

        // A user from that address is not the banned anonymous member.
        Assert.Null(g.CheckJoin(new RoomPrincipal("new", "u", new RoomIdentity("u", false, RoomRole.None, "2001:db8:1:2:aaaa::1")), T0));

        Apply(g, g.DecideUnban(User("mod"), ban.Ban.Id, null, null, T0));
        Apply(g, g.DecideBan(User("mod"), Anonymous("troll2", "192.0.2.7"), null, null, T0));
        Assert.Equal(ErrorCodes.Banned, g.CheckJoin(Anonymous("new", "::ffff:192.0.2.7"), T0)?.Code);
        Assert.Null(g.CheckJoin(Anonymous("new", "192.0.2.8"), T0));
        Assert.Equal("192.0.2.7", RoomGovernance.AddressKey("::ffff:192.0.2.7"));
    }

    [Fact]
    public void A_mute_refuses_sends_until_it_ends_or_is_lifted()
    {
        var g = Owned();
        Refused(g.DecideUnmute(User("mod"), User("carol"), T0), ErrorCodes.NotFound);
        Apply(g, g.DecideMute(User("mod"), User("carol"), TimeSpan.FromSeconds(60), "calm down", T0));
        var muted = g.DecideSend(User("carol"), T0.AddSeconds(30));
        Assert.Equal(ErrorCodes.Muted, muted?.Code);
        Assert.Equal(T0.AddSeconds(60), muted?.Until);
        Assert.Null(g.DecideSend(User("carol"), T0.AddSeconds(60)));

        Apply(g, g.DecideMute(User("mod"), User("carol"), null, null, T0));
        Assert.Equal(ErrorCodes.Muted, g.DecideSend(User("carol"), T0.AddDays(300))?.Code);
        Apply(g, g.DecideUnmute(User("mod"), User("carol"), T0));
        Assert.Null(g.DecideSend(User("carol"), T0));
    }

    // ---- audit and snapshots ----

    [Fact]
    public void Every_act_is_in_the_audit_newest_last_paged_and_capped()
    {
        var g = Owned();
        Apply(g, g.DecideKick(User("mod"), Anonymous("anon"), "flood", T0));
        Apply(g, g.DecideBan(User("mod"), User("carol"), TimeSpan.FromSeconds(5), "spam", T0));
        var entries = g.Audit.ToList();
        Assert.Equal(["claim", "grant", "kick", "ban"], entries.Select(e => e.Action));
        Assert.Equal([1L, 2, 3, 4], entries.Select(e => e.Seq));
        Assert.Equal(new AuditEntry(3, T0, "mod", "kick", new ModerationTarget(null, "anon"), null, "flood", null, null), entries[2]);
        Assert.Equal(RoomRole.Moderator, entries[1].Role);

        var (page, more) = g.AuditPage(before: 4, limit: 2);
        Assert.Equal([2L, 3], page.Select(e => e.Seq));
        Assert.True(more);
        Assert.False(g.AuditPage(before: null, limit: 10).More);

        for (var i = 0; i < RoomGovernance.MaxAuditEntries; i++)
        {
            g.Apply(new MemberKicked("mod", T0, ModerationSubject.Of(Anonymous("anon")), null));
        }

        Assert.Equal(RoomGovernance.MaxAuditEntries, g.Audit.Count);
        Assert.Equal(5, g.Audit.First().Seq);
    }

    [Fact]
    public void A_snapshot_restores_owner_grants_settings_bans_mutes_and_audit()
    {
        var g = Owned();
        Apply(g, g.DecideConfigure(User("owner"), new RoomRulesChange(Visibility: RoomVisibility.Private, SlowMode: 3, Topic: "t"), [User("carol").Identity], T0));
        Apply(g, g.DecideBan(User("mod"), Anonymous("troll"), null, "spam", T0));
        Apply(g, g.DecideMute(User("mod"), User("carol"), null, null, T0));
        var restored = new RoomGovernance("general");
        restored.Restore(g.ToSnapshot());
        Assert.Equal(g.ToSnapshot().Owner, restored.Owner);
        Assert.Equal(g.Rules, restored.Rules);
        Assert.Equal(g.Grants.OrderBy(kv => kv.Key), restored.Grants.OrderBy(kv => kv.Key));
        Assert.Equal(g.Audit, restored.Audit);
        Assert.Equal(ErrorCodes.Banned, restored.CheckJoin(Anonymous("troll"), T0)?.Code);
        Assert.Equal(ErrorCodes.Muted, restored.DecideSend(User("carol"), T0)?.Code);
        Assert.Equal(((MemberBanned)Apply(restored, restored.DecideBan(User("mod"), User("x"), null, null, T0))).Ban.Id, g.BansInForce(T0).Single().Id + 1);
    }

    [Fact]
    public void Governance_events_are_the_rooms_events_kept_across_retention_and_a_snapshot()
    {
        var state = new RoomState("general", new RoomLimits { MaxMessagesPerRoom = 1 });
        state.Apply(state.DecideStart("e1"));
        var claim = state.DecideGovernance(state.Governance.DecideClaim(User("owner").Identity, roomIsNew: true, T0)!);
        state.Apply(claim);
        state.Apply(state.DecideGovernance((MemberBanned)((GovernanceAccepted)state.Governance.DecideBan(User("owner"), User("carol"), null, null, T0)).Event));
        for (var i = 0; i < 3; i++)
        {
            var post = (PostAccepted)state.DecidePost("s", "owner", "hi", null, T0);
            state.Apply(post.Event);
        }

        state.Apply(state.DecideTrim(T0)!);
        Assert.Equal(7, state.SequenceNr);
        var restored = RoomState.FromSnapshot(state.ToSnapshot(), state.Limits);
        Assert.Equal("owner", restored.Governance.Owner);
        Assert.Equal(ErrorCodes.Banned, restored.Governance.CheckJoin(User("carol"), T0)?.Code);
    }
}
