using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>RoomActor: roles, settings and moderation (PROTOCOL-V1.1 Part B) as the room performs them.</summary>
public class RoomActorGovernanceTests : RoomActorTestKit
{
    private static readonly RoomContract.JoinIdentity OwnerId = new("owner-id", Address: "10.0.0.1");
    private static readonly RoomContract.JoinIdentity ModId = new("mod-id", Address: "10.0.0.2");
    private static readonly RoomContract.JoinIdentity CarolId = new("carol-id", Address: "10.0.0.3");
    private static readonly RoomContract.JoinIdentity AnonId = new(Address: "192.0.2.50");

    public RoomActorGovernanceTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorGovernanceTests(Config extra)
        : base(extra)
    {
    }

    private static Frame EnterAs(IActorRef room, Member member, RoomContract.JoinIdentity identity, string? requestRef = null)
    {
        room.Tell(new RoomContract.Enter("general", member.SessionId, member.Name, member.Probe.Ref, member.Subprotocol, null, null, requestRef, identity), member.Probe.Ref);
        var entered = member.Expect<RoomContract.Entered>();
        var frame = Frame.Parse(entered.Frames[^1]);
        member.Saw(frame);
        return frame;
    }

    private static RoomContract.Denied Denied(Member member) => member.Expect<RoomContract.Denied>();

    /// <summary>The next frame of <paramref name="type"/>, skipping what comes before it (presence, messages, acks).</summary>
    private static Frame NextOf(Member member, string type)
    {
        while (true)
        {
            var frame = member.Next();
            if (frame.Type == type)
            {
                return frame;
            }
        }
    }

    /// <summary>An owner, a moderator it granted, and carol, a user member.</summary>
    private (IActorRef Room, Member Owner, Member Mod, Member Carol) Staffed()
    {
        var room = StartRoom();
        var owner = NewMember("owner");
        var mod = NewMember("mod");
        var carol = NewMember("carol");
        Assert.Equal("owner", EnterAs(room, owner, OwnerId).Str("role"));
        EnterAs(room, mod, ModId);
        EnterAs(room, carol, CarolId);
        room.Tell(new RoomContract.Grant("general", owner.SessionId, "mod-id", RoomRole.Moderator, "g"), owner.Probe.Ref);
        Assert.Equal("moderator", NextOf(owner, "granted").Str("role"));
        return (room, owner, mod, carol);
    }

    [Fact]
    public void The_first_user_owns_a_new_room_and_joined_shows_role_and_settings()
    {
        var room = StartRoom();
        var anon = NewMember("anon");
        var joined = EnterAs(room, anon, AnonId);
        Assert.Equal("member", joined.Str("role"));
        var alice = NewMember("alice");
        joined = EnterAs(room, alice, OwnerId);
        Assert.Equal("owner", joined.Str("role"));
        var settings = joined.Payload.GetProperty("settings");
        Assert.Equal(("public", "allow", "everyone", 0, ""), (settings.GetProperty("visibility").GetString(), settings.GetProperty("anonymous").GetString(), settings.GetProperty("posting").GetString(), settings.GetProperty("slowMode").GetInt32(), settings.GetProperty("topic").GetString()));
        Assert.False(joined.Payload.TryGetProperty("mutedUntil", out _));
        Assert.Equal("member", EnterAs(room, NewMember("bob"), ModId).Str("role"));
    }

    [Fact]
    public void A_member_tries_every_moderation_request_and_each_is_forbidden_with_its_ref()
    {
        var (room, _, _, carol) = Staffed();
        object[] requests =
        [
            new RoomContract.Configure("general", carol.SessionId, new RoomRulesChange(Topic: "mine"), "r1"),
            new RoomContract.Configure("general", carol.SessionId, new RoomRulesChange(Visibility: RoomVisibility.Private), "r2"),
            new RoomContract.Grant("general", carol.SessionId, "x-id", RoomRole.Member, "r3"),
            new RoomContract.Moderate("general", carol.SessionId, ModerationAction.Kick, new TargetSpec(null, "mod"), null, null, "r4"),
            new RoomContract.Moderate("general", carol.SessionId, ModerationAction.Ban, new TargetSpec("owner-id", null), null, null, "r5"),
            new RoomContract.Moderate("general", carol.SessionId, ModerationAction.Unban, new TargetSpec(null, null, 1), null, null, "r6"),
            new RoomContract.Moderate("general", carol.SessionId, ModerationAction.Mute, new TargetSpec(null, "mod"), 60, null, "r7"),
            new RoomContract.Moderate("general", carol.SessionId, ModerationAction.Unmute, new TargetSpec(null, "mod"), null, null, "r8"),
            new RoomContract.ReadBans("general", carol.SessionId, "r9"),
            new RoomContract.ReadAudit("general", carol.SessionId, null, null, "r10"),
        ];
        for (var i = 0; i < requests.Length; i++)
        {
            room.Tell(requests[i], carol.Probe.Ref);
            var denied = Denied(carol);
            Assert.Equal((ErrorCodes.Forbidden, "r" + (i + 1), false), (denied.Code, denied.Ref, denied.Join));
        }
    }

    [Fact]
    public void A_moderator_may_not_act_on_the_owner_or_another_moderator()
    {
        var (room, owner, mod, _) = Staffed();
        var mod2 = NewMember("mod2");
        EnterAs(room, mod2, new RoomContract.JoinIdentity("mod2-id"));
        room.Tell(new RoomContract.Grant("general", owner.SessionId, "mod2-id", RoomRole.Moderator, "g2"), owner.Probe.Ref);
        NextOf(owner, "granted");
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Kick, new TargetSpec(null, "owner"), null, null, "k1"), mod.Probe.Ref);
        Assert.Equal(ErrorCodes.Forbidden, Denied(mod).Code);
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Ban, new TargetSpec("mod2-id", null), null, null, "k2"), mod.Probe.Ref);
        Assert.Equal(ErrorCodes.Forbidden, Denied(mod).Code);
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Kick, new TargetSpec(null, "nobody"), null, null, "k3"), mod.Probe.Ref);
        Assert.Equal(ErrorCodes.NotFound, Denied(mod).Code);
    }

    [Fact]
    public void A_kicked_user_leaves_at_once_is_told_why_and_may_join_again()
    {
        var (room, owner, mod, carol) = Staffed();
        SettlePresence(room, owner, mod, carol);
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Kick, new TargetSpec(null, "carol"), null, "flood", "k"), mod.Probe.Ref);
        var moderated = NextOf(mod, "moderated");
        Assert.Equal(("k", "kick", "carol-id"), (moderated.Ref, moderated.Str("action"), moderated.Payload.GetProperty("target").GetProperty("user").GetString()));
        var removed = carol.Expect<RoomContract.Removed>();
        Assert.Equal(("kick", "mod-id", "flood"), (removed.Action, removed.By, removed.Reason));

        // The others see the leave now, not after a grace.
        var leave = NextOf(owner, "presence");
        Assert.Equal(["carol"], leave.Strings("leaves"));
        Assert.Equal("member", EnterAs(room, carol, CarolId).Str("role"));
    }

    [Fact]
    public void A_banned_anonymous_member_is_refused_on_a_new_session_from_its_address()
    {
        var (room, owner, mod, _) = Staffed();
        var troll = NewMember("troll");
        EnterAs(room, troll, AnonId);
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Ban, new TargetSpec(null, "troll"), 3600, "spam", "b"), mod.Probe.Ref);
        Assert.Equal("troll", NextOf(mod, "moderated").Payload.GetProperty("target").GetProperty("name").GetString());
        var removed = troll.Expect<RoomContract.Removed>();
        Assert.Equal("ban", removed.Action);
        Assert.NotNull(removed.Until);

        var again = NewMember("troll2", session: "another-session");
        room.Tell(new RoomContract.Enter("general", again.SessionId, again.Name, again.Probe.Ref, Subprotocols.V1, null, null, "j", AnonId), again.Probe.Ref);
        var denied = Denied(again);
        Assert.Equal((ErrorCodes.Banned, "spam", "j", true), (denied.Code, denied.Reason, denied.Ref, denied.Join));

        room.Tell(new RoomContract.ReadBans("general", owner.SessionId, "l"), owner.Probe.Ref);
        var bans = NextOf(owner, "bans").Payload.GetProperty("bans");
        Assert.Equal("troll", Assert.Single(bans.EnumerateArray()).GetProperty("name").GetString());

        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Unban, new TargetSpec(null, "troll"), null, null, "u"), mod.Probe.Ref);
        NextOf(mod, "moderated");
        Assert.Equal("member", EnterAs(room, again, AnonId).Str("role"));
    }

    [Fact]
    public void A_muted_member_is_told_its_posts_are_refused_and_its_join_says_until_when()
    {
        var (room, _, mod, carol) = Staffed();
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Mute, new TargetSpec("carol-id", null), 600, "calm", "m"), mod.Probe.Ref);
        NextOf(mod, "moderated");
        var muted = NextOf(carol, "muted");
        Assert.Equal(("mod-id", "calm"), (muted.Str("by"), muted.Str("reason")));
        Post(room, carol, "hello", requestRef: "p");
        var denied = Denied(carol);
        Assert.Equal((ErrorCodes.Muted, "p"), (denied.Code, denied.Ref));
        Assert.NotNull(denied.Until);
        Assert.True(EnterAs(room, carol, CarolId).Payload.TryGetProperty("mutedUntil", out var until) && until.GetString() is not null);

        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Unmute, new TargetSpec(null, "carol"), null, null, "um"), mod.Probe.Ref);
        NextOf(mod, "moderated");
        Assert.Equal(1, PostAcked(room, carol, "free again"));
    }

    [Fact]
    public void A_muted_seed_protocol_member_is_dropped_silently_and_a_kicked_one_is_removed()
    {
        var room = StartRoom(RoomNames.Lobby);
        var admin = NewMember("admin");
        var beej = NewMember("oldie", Subprotocols.Beej);
        room.Tell(new RoomContract.Enter(RoomNames.Lobby, admin.SessionId, "admin", admin.Probe.Ref, Subprotocols.V1, null, null, null, new RoomContract.JoinIdentity("root", IsAdmin: true)), admin.Probe.Ref);
        Assert.Equal("admin", Frame.Parse(admin.Expect<RoomContract.Entered>().Frames[^1]).Str("role"));
        room.Tell(new RoomContract.Enter(RoomNames.Lobby, beej.SessionId, "oldie", beej.Probe.Ref, Subprotocols.Beej, null, null, null, new RoomContract.JoinIdentity(Address: "192.0.2.9")), beej.Probe.Ref);
        beej.Expect<RoomContract.Entered>();
        room.Tell(new RoomContract.Moderate(RoomNames.Lobby, admin.SessionId, ModerationAction.Mute, new TargetSpec(null, "oldie"), null, null, "m"), admin.Probe.Ref);
        Assert.Equal("moderated", NextOf(admin, "moderated").Type);
        room.Tell(new RoomContract.Post(RoomNames.Lobby, beej.SessionId, "can you hear me", null, null), beej.Probe.Ref);
        StatusOf(room, RoomNames.Lobby);
        Assert.Equal(0, StatusOf(room, RoomNames.Lobby).Position.Offset);

        room.Tell(new RoomContract.Moderate(RoomNames.Lobby, admin.SessionId, ModerationAction.Kick, new TargetSpec(null, "oldie"), null, null, "k"), admin.Probe.Ref);
        Assert.Equal("kick", beej.Expect<RoomContract.Removed>().Action);
        Assert.Equal(1, StatusOf(room, RoomNames.Lobby).Members);
    }

    [Fact]
    public void Slow_mode_and_posting_moderators_refuse_members_and_every_member_learns_the_settings()
    {
        var (room, owner, mod, carol) = Staffed();
        room.Tell(new RoomContract.Configure("general", mod.SessionId, new RoomRulesChange(SlowMode: 100, Topic: "be nice"), "c"), mod.Probe.Ref);
        var configured = NextOf(mod, "configured");
        Assert.Equal(100, configured.Payload.GetProperty("settings").GetProperty("slowMode").GetInt32());
        Assert.Equal("be nice", NextOf(carol, "room").Payload.GetProperty("settings").GetProperty("topic").GetString());
        Assert.Equal("room", NextOf(owner, "room").Type);

        Assert.Equal(1, PostAcked(room, carol, "first"));
        Post(room, carol, "second", requestRef: "p2");
        var denied = Denied(carol);
        Assert.Equal(ErrorCodes.SlowMode, denied.Code);
        Assert.InRange(denied.RetryAfter ?? 0, 90, 100);

        // Moderators are exempt.
        Assert.Equal(2, PostAcked(room, mod, "a"));
        Assert.Equal(3, PostAcked(room, mod, "b"));

        room.Tell(new RoomContract.Configure("general", owner.SessionId, new RoomRulesChange(Posting: RoomPosting.Moderators, SlowMode: 0), "c2"), owner.Probe.Ref);
        NextOf(owner, "configured");
        Post(room, carol, "third", requestRef: "p3");
        Assert.Equal(ErrorCodes.Forbidden, Denied(carol).Code);
    }

    [Fact]
    public void A_room_turning_private_removes_anonymous_members_and_keeps_its_users()
    {
        var (room, owner, _, carol) = Staffed();
        var anon = NewMember("anon");
        EnterAs(room, anon, AnonId);
        room.Tell(new RoomContract.Configure("general", owner.SessionId, new RoomRulesChange(Visibility: RoomVisibility.Private), "c"), owner.Probe.Ref);
        Assert.Equal("private", NextOf(owner, "configured").Payload.GetProperty("settings").GetProperty("visibility").GetString());
        var removed = anon.Expect<RoomContract.Removed>();
        Assert.Equal(("private", "owner-id"), (removed.Action, removed.By));
        var stranger = NewMember("stranger");
        room.Tell(new RoomContract.Enter("general", stranger.SessionId, "stranger", stranger.Probe.Ref, Subprotocols.V1, null, null, "j", new RoomContract.JoinIdentity("stranger-id")), stranger.Probe.Ref);
        Assert.Equal(ErrorCodes.Forbidden, Denied(stranger).Code);
        Assert.Equal("member", EnterAs(room, carol, CarolId).Str("role"));
    }

    [Fact]
    public void Bans_grants_and_the_audit_hold_after_the_room_stops_and_recovers_and_the_audit_lists_every_act()
    {
        var (room, _, mod, carol) = Staffed();
        room.Tell(new RoomContract.Moderate("general", mod.SessionId, ModerationAction.Ban, new TargetSpec(null, "carol"), null, "spam", "b"), mod.Probe.Ref);
        NextOf(mod, "moderated");
        carol.Expect<RoomContract.Removed>();
        Watch(room);
        room.Tell(RoomContract.StopRoom.Instance);
        ExpectTerminated(room);

        room = StartRoom();
        var back = NewMember("carol", session: "s-carol-2");
        room.Tell(new RoomContract.Enter("general", back.SessionId, "carol", back.Probe.Ref, Subprotocols.V1, null, null, "j", CarolId), back.Probe.Ref);
        Assert.Equal(ErrorCodes.Banned, Denied(back).Code);
        var owner2 = NewMember("owner", session: "s-owner-2");
        Assert.Equal("owner", EnterAs(room, owner2, OwnerId).Str("role"));
        var mod2 = NewMember("mod", session: "s-mod-2");
        Assert.Equal("moderator", EnterAs(room, mod2, ModId).Str("role"));

        room.Tell(new RoomContract.ReadAudit("general", owner2.SessionId, null, null, "a"), owner2.Probe.Ref);
        var audit = NextOf(owner2, "audit");
        Assert.Equal(["claim", "grant", "ban"], audit.Payload.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.False(audit.Payload.GetProperty("more").GetBoolean());
    }
}
