using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>RoomActor: presence grace, coalesced diffs, session ends, renames, leaving.</summary>
public class RoomActorPresenceTests : RoomActorTestKit
{
    public RoomActorPresenceTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorPresenceTests(Config extra)
        : base(extra)
    {
    }

    private (IActorRef Room, Member Alice, Member Bob) TwoMembers()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        var bob = NewMember("bob");
        Enter(room, alice);
        Enter(room, bob);
        SettlePresence(room, alice, bob);
        AssertView(alice, "alice", "bob");
        AssertView(bob, "alice", "bob");
        return (room, alice, bob);
    }

    private void DropConnection(IActorRef room, Member member, int attachedAfter)
    {
        Sys.Stop(member.Probe.Ref);
        AwaitAssert(() => Assert.Equal(attachedAfter, StatusOf(room).Attached));
    }

    [Fact]
    public void A_member_whose_connection_dies_and_enters_again_within_the_grace_shows_no_leave_and_no_join()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (room, alice, bob) = TwoMembers();

        DropConnection(room, alice, attachedAfter: 1);
        Assert.Equal(2, StatusOf(room).Members);
        alice.Probe = CreateTestProbe();
        var joined = Enter(room, alice).Joined;
        Assert.Equal(["alice", "bob"], joined.Strings("members"));

        // The next diff bob gets is carol's join alone: alice never left.
        Enter(room, NewMember("carol"));
        var diff = bob.Next("presence");
        AssertDiff(diff, joins: ["carol"], leaves: []);
        Assert.Equal(3, StatusOf(room).Members);
    }

    [Fact]
    public void A_member_whose_connection_dies_is_shown_leaving_once_after_the_grace()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromMilliseconds(100) };
        var (room, alice, bob) = TwoMembers();

        Sys.Stop(alice.Probe.Ref);
        var leave = bob.Next("presence");
        AssertDiff(leave, joins: [], leaves: ["alice"]);
        Assert.Equal(1, StatusOf(room).Members);

        Enter(room, NewMember("carol"));
        var next = bob.Next("presence");
        AssertDiff(next, joins: ["carol"], leaves: []);
    }

    [Fact]
    public void Many_joins_within_one_interval_reach_each_member_as_one_diff_and_a_leave_and_return_as_nothing()
    {
        // The timer never fires here: a diff goes out only ahead of a message from a member whose
        // join it announces, so what one interval coalesces is exactly what is sent.
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var watcher = NewMember("watcher");
        Enter(room, watcher);
        var members = Enumerable.Range(1, 20).Select(i => NewMember($"m{i:00}")).ToList();
        foreach (var member in members)
        {
            Enter(room, member);
        }

        Post(room, members[6], "hi");
        var diff = watcher.Next("presence");
        Assert.Equal(["watcher", .. members.Select(m => m.Name)], diff.Strings("joins"));
        Assert.Empty(diff.Strings("leaves"));
        Assert.Equal("hi", watcher.Next("message").Str("text"));

        // m03 leaves and comes back, m04 leaves, m21 joins, m05 is renamed twice: one net diff, ahead of m21's message.
        room.Tell(new RoomContract.Leave("general", members[2].SessionId, null), members[2].Probe.Ref);
        Enter(room, members[2]);
        room.Tell(new RoomContract.Leave("general", members[3].SessionId, null), members[3].Probe.Ref);
        room.Tell(new RoomContract.RenameMember("general", members[4].SessionId, "m05-a"));
        room.Tell(new RoomContract.RenameMember("general", members[4].SessionId, "m05-b"));
        var late = NewMember("m21");
        Enter(room, late);
        Post(room, late, "late");
        var net = watcher.Next("presence");
        AssertDiff(net, joins: ["m21"], leaves: ["m04"]);
        var rename = Assert.Single(net.Payload.GetProperty("renames").EnumerateArray());
        Assert.Equal(("m05", "m05-b"), (rename.GetProperty("from").GetString(), rename.GetProperty("to").GetString()));
        Assert.Equal("late", watcher.Next("message").Str("text"));
    }

    [Fact]
    public void A_joiners_view_ends_up_exact_when_a_name_comes_and_goes_within_the_interval_of_its_join()
    {
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var watcher = NewMember("watcher");
        Enter(room, watcher);
        Post(room, watcher, "first");
        AssertDiff(watcher.Next(), joins: ["watcher"], leaves: []);
        watcher.Next("ack");
        watcher.Next("message");

        var passing = NewMember("passing");
        Enter(room, passing);
        var joiner = NewMember("joiner");
        Enter(room, joiner);
        room.Tell(new RoomContract.Leave("general", passing.SessionId, null), passing.Probe.Ref);
        Post(room, joiner, "hello");

        // "passing" joined and left within the interval: in no diff, and so in no list either.
        AssertDiff(joiner.Next(), joins: ["joiner"], leaves: []);
        AssertView(joiner, "joiner", "watcher");
        AssertDiff(watcher.Next(), joins: ["joiner"], leaves: []);
    }

    [Fact]
    public void Presence_diffs_go_out_on_the_interval_timer()
    {
        var (room, alice, _) = TwoMembers();
        Enter(room, NewMember("carol"));
        var diff = alice.Next("presence");
        Assert.Equal(["carol"], diff.Strings("joins"));
    }

    [Fact]
    public void A_session_that_ended_is_gone_at_once()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (room, alice, bob) = TwoMembers();

        room.Tell(new RoomContract.SessionEnded("general", alice.SessionId));
        var diff = bob.Next("presence");
        Assert.Equal(["alice"], diff.Strings("leaves"));
        Assert.Equal(1, StatusOf(room).Members);

        Post(room, alice, "still here?", requestRef: "x");
        Assert.Equal(ErrorCodes.NotInRoom, alice.Expect<RoomContract.Refused>().Code);
    }

    [Fact]
    public void A_session_that_ended_within_its_grace_leaves_then()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (room, alice, bob) = TwoMembers();
        DropConnection(room, alice, attachedAfter: 1);

        room.Tell(new RoomContract.SessionEnded("general", alice.SessionId));
        Assert.Equal(["alice"], bob.Next("presence").Strings("leaves"));
        Assert.Equal(1, StatusOf(room).Members);
    }

    [Fact]
    public void A_rename_is_a_presence_rename_and_the_new_name_posts_and_is_listed()
    {
        var (room, alice, bob) = TwoMembers();

        room.Tell(new RoomContract.RenameMember("general", alice.SessionId, "alicia"));
        var diff = bob.Next("presence");
        var rename = Assert.Single(diff.Payload.GetProperty("renames").EnumerateArray());
        Assert.Equal(("alice", "alicia"), (rename.GetProperty("from").GetString(), rename.GetProperty("to").GetString()));
        Assert.Equal(["alicia", "bob"], bob.View.Order(StringComparer.Ordinal));

        Post(room, alice, "hi");
        Assert.Equal("alicia", bob.Next("message").Str("from"));
        Assert.Equal(["alicia", "bob", "carol"], Enter(room, NewMember("carol")).Joined.Strings("members"));
    }

    [Fact]
    public void Leaving_answers_left_in_the_members_stream_and_shows_its_leave()
    {
        var (room, alice, bob) = TwoMembers();

        room.Tell(new RoomContract.Leave("general", alice.SessionId, "bye-1"), alice.Probe.Ref);
        var left = alice.Next("left");
        Assert.Equal(("bye-1", "general"), (left.Ref, left.Str("room")));
        Assert.Equal(["alice"], bob.Next("presence").Strings("leaves"));

        // Not a member any more: no events, and leaving again still answers left.
        Post(room, bob, "after");
        bob.Next("ack");
        bob.Next("message");
        room.Tell(new RoomContract.Leave("general", alice.SessionId, "bye-2"), alice.Probe.Ref);
        Assert.Equal("bye-2", alice.Next("left").Ref);
        AssertNothingMore(room, alice);
    }

    /// <summary>
    /// n seed-protocol clients joining (a reconnect storm) cost an actorchat.v1 member one diff, not
    /// one frame per join: each seed join shows at once to the seed members only, the v1 members get
    /// the interval's diff (here: when a joiner's first message needs its join shown first).
    /// </summary>
    [Fact]
    public void A_storm_of_seed_protocol_joins_costs_a_v1_member_one_presence_diff()
    {
        const int Joiners = 30;
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var seeds = Enumerable.Range(1, Joiners).Select(i => NewMember($"seed{i:00}", Subprotocols.Beej)).ToList();
        foreach (var seed in seeds)
        {
            var (_, users) = Enter(room, seed);

            // Its user list is exact, as the original protocol's was: everyone present, itself too.
            Assert.Equal(seeds.Take(seeds.IndexOf(seed) + 1).Select(m => m.Name).Append("alice").Order(StringComparer.Ordinal), users.Strings("users").Order(StringComparer.Ordinal));
        }

        AssertNothingMore(room, alice);
        Assert.Empty(alice.Delivers);

        // The last seed saw its own join; the first saw every later one, in order.
        Assert.Equal(seeds.Select(m => m.Name), Enumerable.Range(0, Joiners).Select(_ => seeds[0].Next("chat-join").Str("username")));

        Post(room, seeds[^1], "hello");
        var diff = alice.Next("presence");
        Assert.Equal(seeds.Select(m => m.Name).Prepend("alice").Order(StringComparer.Ordinal), diff.Strings("joins").Order(StringComparer.Ordinal));
        Assert.Equal("hello", alice.Next("message").Str("text"));
        AssertNothingMore(room, alice);
        Assert.True(alice.Delivers.Count <= 2, $"alice got {alice.Delivers.Count} deliveries for {Joiners} joins");
    }
}
