using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>RoomActor: joins, posts, acks, broadcasts, batching and cid dedup.</summary>
public class RoomActorMessageTests : RoomActorTestKit
{
    public RoomActorMessageTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorMessageTests(Config extra)
        : base(extra)
    {
    }

    [Fact]
    public void Joined_has_the_capped_member_list_the_exact_count_and_the_last_limit_messages()
    {
        Limits = Limits with { MaxPresenceList = 2 };
        var room = StartRoom();
        var carol = NewMember("carol");
        var alice = NewMember("alice");
        var bob = NewMember("Bob");
        Enter(room, carol);
        Enter(room, alice);
        Enter(room, bob);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, PostAcked(room, alice, $"m{i}"));
        }

        // The list in a reply is the one the last diff left, and carol, alice and Bob are in it now.
        SettlePresence(room);

        var dave = NewMember("dave");
        var (entered, joined) = Enter(room, dave, limit: 3, requestRef: "j1");

        Assert.Equal(("joined", "j1", "general"), (joined.Type, joined.Ref, joined.Str("room")));
        Assert.Equal(entered.Position.Epoch, joined.Str("epoch"));
        Assert.Matches("^[0-9a-f]{16}$", joined.Str("epoch"));
        Assert.Equal(5, joined.Number("offset"));
        Assert.Equal(["alice", "Bob"], joined.Strings("members"));
        Assert.Equal(4, joined.Number("memberCount"));
        Assert.Equal([3L, 4, 5], joined.Offsets());
        Assert.Equal(["m3", "m4", "m5"], joined.Texts());
        Assert.Null(joined.Recovered);
        Assert.Equal((5L, 4, (bool?)null), (entered.Position.Offset, entered.MemberCount, entered.Recovered));
        Assert.Equal("alice", joined.Payload.GetProperty("messages")[0].GetProperty("from").GetString());
    }

    [Fact]
    public void A_join_with_since_recovers_exactly_what_was_missed_or_says_recovered_false()
    {
        Limits = Limits with { RecoveryLimit = 3 };
        var room = StartRoom();
        var alice = NewMember("alice");
        var epoch = Enter(room, alice).Entered.Position.Epoch;
        for (var i = 1; i <= 5; i++)
        {
            PostAcked(room, alice, $"m{i}");
        }

        var bob = NewMember("bob");
        var behind = Enter(room, bob, since: new StreamPosition(epoch, 2)).Joined;
        Assert.Equal((true, 5L), (behind.Recovered, behind.Number("offset")));
        Assert.Equal([3L, 4, 5], behind.Offsets());

        // Entering again is idempotent and answers joined again.
        var upToDate = Enter(room, bob, since: new StreamPosition(epoch, 5)).Joined;
        Assert.Equal(true, upToDate.Recovered);
        Assert.Empty(upToDate.Offsets());

        var tooFarBehind = Enter(room, bob, since: new StreamPosition(epoch, 1), limit: 2).Joined;
        Assert.Equal(false, tooFarBehind.Recovered);
        Assert.Equal([4L, 5], tooFarBehind.Offsets());

        var otherEpoch = Enter(room, bob, since: new StreamPosition("ffffffffffffffff", 4)).Joined;
        Assert.Equal(false, otherEpoch.Recovered);
        Assert.Equal([1L, 2, 3, 4, 5], otherEpoch.Offsets());

        var ahead = Enter(room, bob, since: new StreamPosition(epoch, 9), limit: 1).Joined;
        Assert.Equal(false, ahead.Recovered);
        Assert.Equal([5L], ahead.Offsets());

        Assert.Equal(2, StatusOf(room).Members);
    }

    [Fact]
    public void A_post_is_acked_only_once_durable_then_every_member_gets_it_once_in_order_encoded_once_per_protocol()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        var bob = NewMember("bob");
        var dana = NewMember("dana");
        var carl = NewMember("carl", Subprotocols.Beej);
        Enter(room, alice);
        Enter(room, bob);
        Enter(room, dana);
        Enter(room, carl);
        string[] everyone = ["alice", "bob", "dana", "carl"];
        SettlePresence(room, alice, bob, dana, carl);
        foreach (var member in new[] { alice, bob, dana, carl })
        {
            AssertView(member, everyone);
        }

        var writes = WatchWrites();
        SteerJournal(new TestJournal.HoldWrites());
        Post(room, alice, "hello", requestRef: "r1");
        Assert.Equal(1, writes.ExpectMsg<TestJournal.WriteStarted>().Events);

        // The write is under way and held: nothing may have been acked or broadcast yet.
        foreach (var member in new[] { alice, bob, dana, carl })
        {
            member.Probe.ExpectNoMsg(TimeSpan.Zero);
        }

        SteerJournal(new TestJournal.ReleaseWrites());
        var ack = alice.Next("ack");
        Assert.Equal(("r1", "general", 1L), (ack.Ref, ack.Str("room"), ack.Number("offset")));
        var own = alice.Next("message");
        Assert.Equal((1L, "alice", "hello"), (own.Number("offset"), own.Str("from"), own.Str("text")));
        Assert.Single(alice.Delivers.TakeLast(1), d => d.Frames.Count == 2); // the ack and the message in one Deliver
        Assert.Equal(1L, bob.Next("message").Number("offset"));
        Assert.Equal(1L, dana.Next("message").Number("offset"));
        var beej = carl.Next("chat-message");
        Assert.Equal(("alice", "hello"), (beej.Str("username"), beej.Str("message")));

        // Encoded once per protocol: v1 members without acks share one Deliver (the same frames
        // when every message arrives as a copy).
        if (MessagesAreCopies)
        {
            Assert.Equal(bob.Delivers[^1].Frames.Select(f => f.ToArray()), dana.Delivers[^1].Frames.Select(f => f.ToArray()));
        }
        else
        {
            Assert.Same(bob.Delivers[^1], dana.Delivers[^1]);
        }

        PostAcked(room, bob, "two");
        Assert.Equal(2L, bob.Next("message").Number("offset"));
        Assert.Equal(2L, alice.Next("message").Number("offset"));
        PostAcked(room, alice, "three");
        Assert.Equal(3L, alice.Next("message").Number("offset"));
        Assert.Equal([2L, 3], [dana.Next("message").Number("offset"), dana.Next("message").Number("offset")]);
        Assert.Equal(["two", "three"], [carl.Next("chat-message").Str("message"), carl.Next("chat-message").Str("message")]);
        Assert.Equal(3L, bob.Next("message").Number("offset"));
        AssertNothingMore(room, alice, bob, dana, carl);
    }

    [Fact]
    public void Posts_that_queue_up_during_a_write_are_written_together_in_one_PersistAll_bounded_by_MaxBatchPosts()
    {
        Settings = Settings with { MaxBatchPosts = 8 };
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        SettlePresence(room, alice);
        var writes = WatchWrites();

        SteerJournal(new TestJournal.HoldWrites());
        Post(room, alice, "first", requestRef: "r0");
        Assert.Equal(1, writes.ExpectMsg<TestJournal.WriteStarted>().Events);
        for (var i = 1; i <= 20; i++)
        {
            Post(room, alice, $"m{i}", requestRef: $"r{i}");
        }

        SteerJournal(new TestJournal.ReleaseWrites());
        Assert.Equal([8, 8, 4], [.. Enumerable.Range(0, 3).Select(_ => writes.ExpectMsg<TestJournal.WriteStarted>().Events)]);

        // Every post acked before its message, offsets in order, each message once.
        var acks = new List<long>();
        var messages = new List<long>();
        while (messages.Count < 21)
        {
            var frame = alice.Next();
            if (frame.Type == "ack")
            {
                acks.Add(frame.Number("offset"));
            }
            else
            {
                messages.Add(frame.Number("offset"));
                Assert.Contains(frame.Number("offset"), acks);
            }
        }

        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), acks);
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), messages);
        AssertNothingMore(room, alice);
        writes.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_repeated_cid_is_acked_with_the_original_offset_and_never_posted_again_even_after_a_reconnect()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var alice = NewMember("alice");
        var bob = NewMember("bob");
        Enter(room, alice);
        Enter(room, bob);
        SettlePresence(room, alice, bob);
        var writes = WatchWrites();

        Assert.Equal(1, PostAcked(room, alice, "one", cid: "c1"));
        Assert.Equal("c1", bob.Next("message").Str("cid"));
        writes.ExpectMsg<TestJournal.WriteStarted>();

        // A repeat of a durable message: acked at once, whatever the text, nothing written or broadcast.
        Assert.Equal(1, PostAcked(room, alice, "one, again", cid: "c1"));

        // Two sends with one cid in one batch: one message, both acked with its offset.
        SteerJournal(new TestJournal.HoldWrites());
        Post(room, alice, "two", requestRef: "a");
        writes.ExpectMsg<TestJournal.WriteStarted>();
        Post(room, alice, "three", cid: "c3", requestRef: "b");
        Post(room, alice, "three", cid: "c3", requestRef: "c");
        SteerJournal(new TestJournal.ReleaseWrites());
        Assert.Equal(1, writes.ExpectMsg<TestJournal.WriteStarted>().Events);
        var frames = Enumerable.Range(0, 5).Select(_ => alice.Next()).ToList();
        Assert.Equal(
            [("ack", "a", 2L), ("message", null, 2L), ("ack", "b", 3L), ("ack", "c", 3L), ("message", null, 3L)],
            frames.Select(f => (f.Type, f.Ref, f.Number("offset"))));
        Assert.Equal([2L, 3], [bob.Next("message").Number("offset"), bob.Next("message").Number("offset")]);

        // The client retries after a reconnect: same session, new connection.
        Sys.Stop(alice.Probe.Ref);
        AwaitAssert(() => Assert.Equal(1, StatusOf(room).Attached));
        alice.Probe = CreateTestProbe();
        Enter(room, alice, since: new StreamPosition(StatusOf(room).Position.Epoch, 3));
        Assert.Equal(3, PostAcked(room, alice, "three", cid: "c3"));

        AssertNothingMore(room, alice, bob);
        writes.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(3, StatusOf(room).Position.Offset);
    }

    [Fact]
    public void A_post_from_a_session_that_is_not_a_member_is_refused_not_in_room()
    {
        var room = StartRoom();
        var stranger = NewMember("stranger");
        Post(room, stranger, "hi", requestRef: "x");
        var refused = stranger.Expect<RoomContract.Refused>();
        Assert.Equal(("general", ErrorCodes.NotInRoom, "x"), (refused.Room, refused.Code, refused.Ref));
        Assert.Equal(0, StatusOf(room).Position.Offset);
    }

    [Fact]
    public void An_invalid_enter_is_refused_and_harms_no_one()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        room.Tell(new RoomContract.Enter("general", "s-x", "x", TestActor, "chat.v0", null, null, "r"));
        Assert.Equal(ErrorCodes.InvalidPacket, ExpectMsg<RoomContract.Refused>().Code);
        room.Tell(new RoomContract.Post("general", alice.SessionId, "", null, "r"));
        Assert.Equal(ErrorCodes.InvalidPacket, ExpectMsg<RoomContract.Refused>().Code);
        Assert.Equal(1, PostAcked(room, alice, "still here"));
    }

    [Fact]
    public void A_beej_member_is_shown_at_once_its_own_chat_join_coming_with_the_presence_diff_and_entered_carrying_only_chat_users()
    {
        // No diff goes out on the timer here: whatever is shown is shown by the beej join itself.
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var carl = NewMember("carl", Subprotocols.Beej);
        var (entered, users) = Enter(room, carl);

        // What others changed goes out first (alice's join, still waiting for the timer), then carl's
        // join, to the members who see changes at once: carl gets its own chat-join ahead of Entered.
        // Alice (actorchat.v1) takes coalesced diffs: both joins wait for her interval.
        Assert.Single(carl.Unread); // what came before Entered (alice's join went out before carl was in)
        var join = carl.Next();
        Assert.Equal("""{"type":"chat-join","payload":{"username":"carl"}}""", join.Json);
        Assert.Single(entered.Frames);
        Assert.Equal(("chat-users", "carl"), (users.Type, users.Str("username")));
        Assert.Equal(["alice", "carl"], users.Strings("users"));
        Assert.Equal(2, entered.MemberCount);
        AssertNothingMore(room, alice, carl);
        Assert.Empty(alice.Delivers);
        Assert.True(StatusOf(room).PresencePending);

        // A v1 join waits for the timer, or for its member's first message, which it precedes.
        var dave = NewMember("dave");
        Enter(room, dave);
        PostAcked(room, alice, "hello");

        // Alice's own message needed her join shown to the v1 members first: the interval's changes
        // (dave's join too) went out to everyone ahead of it.
        Assert.Equal("dave", carl.Next("chat-join").Str("username"));
        var message = carl.Next("chat-message");
        Assert.Equal(("alice", "hello"), (message.Str("username"), message.Str("message")));
        AssertView(alice, "alice", "carl", "dave"); // the diff came ahead of her ack
        Post(room, dave, "hi all");
        var davesMessage = carl.Next("chat-message");
        Assert.Equal(("dave", "hi all"), (davesMessage.Str("username"), davesMessage.Str("message")));
        AssertView(carl, "alice", "carl", "dave");
        AssertNothingMore(room, carl);
    }

    [Fact]
    public void A_beej_members_rename_and_leave_are_shown_at_once_after_the_messages_posted_before_them_are_durable()
    {
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        var room = StartRoom();
        var carl = NewMember("carl", Subprotocols.Beej);
        Enter(room, carl);
        carl.Next("chat-join");
        var alice = NewMember("alice");
        Enter(room, alice);
        var writes = WatchWrites();

        // While a first write is held, a post and then the rename queue up: the post opens the next
        // batch, the rename waits for it.
        SteerJournal(new TestJournal.HoldWrites());
        Post(room, carl, "first");
        writes.ExpectMsg<TestJournal.WriteStarted>();
        Post(room, carl, "before");
        room.Tell(new RoomContract.RenameMember("general", carl.SessionId, "carlos"));
        SteerJournal(new TestJournal.ReleaseWrites());

        // Alice (actorchat.v1) gets the rename with her interval's diff (an hour away here), carl at once.
        Assert.Equal(["first", "before"], [alice.Next("message").Str("text"), alice.Next("message").Str("text")]);
        Assert.Equal(["first", "before"], [carl.Next("chat-message").Str("message"), carl.Next("chat-message").Str("message")]);
        var renamed = carl.Next("chat-rename");
        Assert.Equal(("carlos", "carl"), (renamed.Str("username"), renamed.Str("previous")));
        Assert.Equal("alice", carl.Next("chat-join").Str("username"));
        AssertNothingMore(room, alice, carl);
        Assert.True(StatusOf(room).PresencePending);

        // Its connection ends. What it posted just before comes through the region, and may come
        // after the room saw it die: it is posted, and the leave shown when the registry says its
        // session ended (that too comes through the region, after those posts).
        Sys.Stop(carl.Probe.Ref);
        AwaitAssert(() => Assert.Equal(1, StatusOf(room).Attached));
        AssertNothingMore(room, alice);
        Post(room, carl, "last words");
        room.Tell(new RoomContract.SessionEnded("general", carl.SessionId));
        var last = alice.Next("message");
        Assert.Equal(("carlos", "last words"), (last.Str("from"), last.Str("text")));
        AwaitAssert(() => Assert.Equal(1, StatusOf(room).Members));
    }

    [Fact]
    public void A_beej_member_whose_connection_died_and_whose_session_end_never_comes_is_shown_leaving_after_the_grace()
    {
        Limits = Limits with { PresenceInterval = TimeSpan.FromHours(1) };
        Settings = Settings with { PresenceGrace = TimeSpan.FromMilliseconds(100) };
        var room = StartRoom();
        var alice = NewMember("alice", Subprotocols.Beej);
        var carl = NewMember("carl", Subprotocols.Beej);
        Enter(room, alice);
        Enter(room, carl);
        SettlePresence(room, alice);

        Sys.Stop(carl.Probe.Ref);
        Assert.Equal("carl", alice.Next("chat-leave").Str("username"));
        Assert.Equal(1, StatusOf(room).Members);
    }

    [Fact]
    public void A_listening_beej_connection_receives_messages_and_presence_unseen_and_the_ack_goes_to_the_sender()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        SettlePresence(room, alice);
        var carl = NewMember("carl", Subprotocols.Beej);

        room.Tell(new RoomContract.Listen("general", carl.Probe.Ref, "listening"), TestActor);
        ExpectMsg("listening");
        var status = StatusOf(room);
        Assert.Equal((1, 1), (status.Members, status.Attached));
        Assert.Equal(["alice"], status.Names);

        PostAcked(room, alice, "hello");
        alice.Next("message");
        var message = carl.Next("chat-message");
        Assert.Equal(("alice", "hello"), (message.Str("username"), message.Str("message")));

        var bob = NewMember("bob");
        Enter(room, bob);
        Assert.Equal("bob", carl.Next("chat-join").Str("username"));
        SettlePresence(room, alice, bob);
        AssertView(alice, "alice", "bob");
        AssertView(bob, "alice", "bob");
        AssertNothingMore(room, carl);

        // Its join makes it a member: shown like any, and each message still reaches it once.
        var (_, users) = Enter(room, carl);
        Assert.Equal("carl", carl.Next("chat-join").Str("username"));
        Assert.Equal(["alice", "bob", "carl"], users.Strings("users"));
        SettlePresence(room, alice, bob);
        AssertView(alice, "alice", "bob", "carl");
        PostAcked(room, bob, "again");
        Assert.Equal("again", bob.Next("message").Str("text"));
        Assert.Equal("again", alice.Next("message").Str("text"));
        Assert.Equal("again", carl.Next("chat-message").Str("message"));
        AssertNothingMore(room, alice, bob, carl);
    }
}
