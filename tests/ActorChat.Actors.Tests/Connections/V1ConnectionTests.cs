using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Rooms;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Akka.Configuration;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// <c>actorchat.v1</c> connections end to end through the gateway, the session registry and the
/// rooms: sessions (hello, resume, takeover, clean and unclean ends), rooms, messages and presence.
/// </summary>
public class V1ConnectionTests : GatewayTestKit
{
    public V1ConnectionTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected V1ConnectionTests(Config extra)
        : base(extra)
    {
    }

    private const string General = "general";

    private int _refs;

    /// <summary>A connection with a new session named <paramref name="name"/>; returns it and its token.</summary>
    private (Client Client, string Token) Hello(string name)
    {
        var client = Connect(Subprotocols.V1);
        client.Send(V1Packets.Hello(name));
        var welcome = client.Next("welcome");
        Assert.False(welcome.Payload.GetProperty("resumed").GetBoolean());
        return (client, welcome.Str("session"));
    }

    private Frame Join(Client client, string room = General, StreamPosition? since = null)
    {
        var requestRef = "j" + ++_refs;
        client.Send(V1Packets.Join(room, requestRef, since));
        var joined = client.Expect("joined");
        Assert.Equal((requestRef, room), (joined.Ref, joined.Str("room")));
        return joined;
    }

    /// <summary>Sends <paramref name="text"/>; reads the ack and the message that follows it; returns the offset.</summary>
    private long Send(Client client, string text, string room = General)
    {
        var requestRef = "s" + ++_refs;
        client.Send(V1Packets.Send(room, text, requestRef));
        var ack = client.Expect("ack");
        Assert.Equal((requestRef, room), (ack.Ref, ack.Str("room")));
        Assert.Equal(ack.Number("offset"), client.Expect("message").Number("offset"));
        return ack.Number("offset");
    }

    /// <summary>
    /// Waits until <paramref name="room"/> has no presence change waiting for its next diff, then reads
    /// the presence frames already sent to <paramref name="clients"/>: none is on its way after this.
    /// </summary>
    private void SettlePresence(string room, params Client[] clients)
    {
        AwaitPresenceSent(room);
        foreach (var client in clients)
        {
            Settle(client.Actor);
            while (!client.Socket.Sent.IsEmpty)
            {
                client.Next("presence");
            }
        }
    }

    /// <summary>Waits until <paramref name="room"/> has no presence change waiting for its next diff.</summary>
    private void AwaitPresenceSent(string room) => AwaitAssert(() => Assert.False(RoomStatus(room).PresencePending), null, PollInterval);

    private static StreamPosition Position(Frame joinedOrMessage, string epoch) => new(epoch, joinedOrMessage.Number("offset"));

    [Fact]
    public void Anything_but_hello_before_a_session_is_answered_no_session_and_goes_nowhere()
    {
        var client = Connect(Subprotocols.V1);
        client.Send(V1Packets.Join(General, "j1"));
        client.Send(V1Packets.Send(General, "hi", "s1"));
        client.Send(V1Packets.Rename("bob", "r1"));
        foreach (var requestRef in new[] { "j1", "s1", "r1" })
        {
            var error = client.Next("error");
            Assert.Equal((ErrorCodes.NoSession, requestRef), (error.Str("code"), error.Ref));
        }

        AssertNothingMore([], client);
        Rooms.Tell(RoomContract.GetRoomCount.Instance, TestActor);
        Assert.Equal(0, ExpectMsg<RoomContract.RoomCount>().Count);
        Assert.Equal(0, SessionCount().Count);
    }

    [Fact]
    public void Hello_is_answered_with_welcome_and_a_token_in_the_one_namespace_of_both_protocols()
    {
        var alice = Connect(Subprotocols.V1);
        alice.Send(V1Packets.Hello("  alice ", requestRef: "h1"));
        var welcome = alice.Next("welcome");
        Assert.Equal(("h1", "alice", false), (welcome.Ref, welcome.Str("name"), welcome.Payload.GetProperty("resumed").GetBoolean()));
        Assert.Empty(welcome.Strings("rooms"));
        Assert.True(welcome.Str("session").Length >= 22, welcome.Json);

        alice.Send(V1Packets.Hello("alice", requestRef: "h2"));
        var again = alice.Next("error");
        Assert.Equal((ErrorCodes.InvalidPacket, "h2"), (again.Str("code"), again.Ref));

        var (bob, bobToken) = Hello("bob");
        Assert.NotEqual(welcome.Str("session"), bobToken);
        var mallory = Connect(Subprotocols.V1);
        mallory.Send(V1Packets.Hello("ALICE", requestRef: "h3"));
        var taken = mallory.Next("error");
        Assert.Equal((ErrorCodes.NameTaken, "h3"), (taken.Str("code"), taken.Ref));

        var beej = Connect(Subprotocols.Beej);
        beej.Send(Packets.Join("Alice"));
        Assert.Equal(ErrorCodes.NameTaken, beej.Next(PacketTypes.Error).Str("code"));
        AssertNothingMore([RoomNames.Lobby], alice, bob, mallory, beej);
        Assert.Equal(2, SessionCount().Count);
    }

    [Fact]
    public void Join_is_answered_with_joined_and_joining_again_answers_it_again()
    {
        var (alice, _) = Hello("alice");
        var joined = Join(alice);
        Assert.Matches("^[0-9a-f]{16}$", joined.Str("epoch"));
        Assert.Equal((0L, 1L), (joined.Number("offset"), joined.Number("memberCount")));
        Assert.Equal(["alice"], joined.Strings("members"));
        Assert.Empty(joined.Offsets());
        Assert.Null(joined.Recovered);
        Send(alice, "one");
        SettlePresence(General, alice);

        var (bob, _) = Hello("bob");
        var bobs = Join(bob);
        Assert.Equal((joined.Str("epoch"), 1L, 2L), (bobs.Str("epoch"), bobs.Number("offset"), bobs.Number("memberCount")));
        Assert.Equal(["alice", "bob"], bobs.Strings("members"));
        Assert.Equal(["one"], bobs.Texts());

        var again = Join(bob);
        Assert.Equal((1L, 2L), (again.Number("offset"), again.Number("memberCount")));
        Assert.Equal(2, RoomStatus(General).Members);

        bob.Send(V1Packets.Join("Not A Room", "bad"));
        var invalid = bob.Expect("error");
        Assert.Equal((ErrorCodes.InvalidRoom, "bad"), (invalid.Str("code"), invalid.Ref));
    }

    [Fact]
    public void Send_is_acked_once_durable_then_the_message_reaches_every_member_the_sender_too()
    {
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        alice.Send(V1Packets.Send(General, "  hello  ", "s1", cid: "c1"));
        var ack = alice.Next("ack");
        Assert.Equal(("s1", General, 1L), (ack.Ref, ack.Str("room"), ack.Number("offset")));
        var own = alice.Next("message");
        Assert.Null(own.Ref);
        Assert.Equal((General, 1L, "alice", "hello", "c1"), (own.Str("room"), own.Number("offset"), own.Str("from"), own.Str("text"), own.Str("cid")));
        var bobs = bob.Next("message");
        Assert.Equal((1L, "alice", "hello"), (bobs.Number("offset"), bobs.Str("from"), bobs.Str("text")));

        // A retry with the same cid is acked with the original offset and not posted again.
        alice.Send(V1Packets.Send(General, "hello", "s2", cid: "c1"));
        var retry = alice.Next("ack");
        Assert.Equal(("s2", 1L), (retry.Ref, retry.Number("offset")));
        AssertNothingMore([General], alice, bob);
        Assert.Equal(1, RoomStatus(General).Position.Offset);
    }

    [Fact]
    public void Send_and_history_need_the_room_joined()
    {
        var (alice, _) = Hello("alice");
        alice.Send(V1Packets.Send(General, "hi", "s1"));
        alice.Send(V1Packets.History(General, "h1"));
        foreach (var requestRef in new[] { "s1", "h1" })
        {
            var error = alice.Next("error");
            Assert.Equal((ErrorCodes.NotInRoom, requestRef), (error.Str("code"), error.Ref));
        }

        Join(alice);
        Send(alice, "one");
        alice.Send(V1Packets.History(General, "h2"));
        var history = alice.Expect("history");
        Assert.Equal(("h2", General, false), (history.Ref, history.Str("room"), history.Payload.GetProperty("more").GetBoolean()));
        Assert.Equal(["one"], history.Texts());

        alice.Send(V1Packets.Leave(General, "l1"));
        alice.Expect("left");
        alice.Send(V1Packets.Send(General, "after", "s2"));
        var after = alice.Expect("error");
        Assert.Equal((ErrorCodes.NotInRoom, "s2"), (after.Str("code"), after.Ref));
        Assert.Equal(1, RoomStatus(General).Position.Offset);
    }

    [Fact]
    public void A_join_past_MaxRoomsPerConnection_is_refused_too_many_rooms()
    {
        ChatLimits = ChatLimits with { MaxRoomsPerConnection = 2 };
        var (alice, _) = Hello("alice");
        Join(alice, "a");
        Join(alice, "b");
        alice.Send(V1Packets.Join("c", "jc"));
        var refused = alice.Expect("error");
        Assert.Equal((ErrorCodes.TooManyRooms, "jc"), (refused.Str("code"), refused.Ref));

        // A room it is in already is no new room; leaving one makes room for another.
        Join(alice, "a");
        alice.Send(V1Packets.Leave("a", "la"));
        alice.Expect("left");
        Join(alice, "c");
        Assert.Equal(0, RoomStatus("a").Members);
    }

    [Fact]
    public void Rename_answers_renamed_and_every_room_of_the_session_shows_a_presence_rename()
    {
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        var (carol, _) = Hello("carol");
        Join(alice, "a");
        Join(alice, "b");
        Join(bob, "a");
        Join(carol, "b");
        SettlePresence("a", alice, bob);
        SettlePresence("b", alice, carol);

        alice.Send(V1Packets.Rename("alicia", "r1"));
        var renamed = alice.Expect("renamed");
        Assert.Equal(("r1", "alicia"), (renamed.Ref, renamed.Str("name")));
        foreach (var (client, room) in new[] { (bob, "a"), (carol, "b") })
        {
            var diff = client.Next("presence");
            Assert.Equal(room, diff.Str("room"));
            Assert.Empty(diff.Strings("joins"));
            Assert.Empty(diff.Strings("leaves"));
            var rename = Assert.Single(diff.Payload.GetProperty("renames").EnumerateArray());
            Assert.Equal(("alice", "alicia"), (rename.GetProperty("from").GetString(), rename.GetProperty("to").GetString()));
        }

        Send(alice, "hi", "a");
        Assert.Equal("alicia", bob.Expect("message").Str("from"));

        // The old name is free; a taken one is refused with the request's ref.
        Hello("alice");
        alice.Send(V1Packets.Rename("BOB", "r2"));
        var taken = alice.Expect("error");
        Assert.Equal((ErrorCodes.NameTaken, "r2"), (taken.Str("code"), taken.Ref));
    }

    [Fact]
    public void Leave_answers_left_shows_the_leave_and_stops_the_rooms_events()
    {
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        alice.Send(V1Packets.Leave(General, "l1"));
        var left = alice.Next("left");
        Assert.Equal(("l1", General), (left.Ref, left.Str("room")));
        var diff = bob.Next("presence");
        Assert.Equal(["alice"], diff.Strings("leaves"));

        Send(bob, "after");
        alice.Send(V1Packets.Leave(General, "l2"));
        Assert.Equal("l2", alice.Next("left").Ref);
        AwaitPresenceSent(General);
        AssertNothingMore([General], alice, bob);
        Assert.Equal(1, RoomStatus(General).Members);
    }

    [Fact]
    public void Bye_ends_the_session_at_once_and_others_see_the_leave_without_waiting_for_the_grace()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        alice.Send(V1Packets.Bye());
        Assert.Equal((CloseCodes.Normal, "bye"), alice.Closed());
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);

        var diff = bob.Next("presence");
        Assert.Equal(["alice"], diff.Strings("leaves"));
        Assert.Empty(diff.Strings("joins"));
        Assert.Equal(1, RoomStatus(General).Members);
        AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(1, 1), SessionCount()), null, PollInterval);
        Hello("alice");
    }

    [Fact]
    public void A_client_close_1000_ends_the_session_at_once()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        alice.Actor.Tell(new ConnectionActor.ClientClosed(CloseCodes.Normal));
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);

        Assert.Equal(["alice"], bob.Next("presence").Strings("leaves"));
        AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(1, 1), SessionCount()), null, PollInterval);
    }

    [Fact]
    public void A_client_1000_that_answers_the_servers_own_close_keeps_the_session()
    {
        // A drain closes with 1012 on a cluster node: the client resumes on another node. RFC 6455
        // lets it answer the close with any code, .NET's ClientWebSocket e.g. with 1000.
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        alice.Actor.Tell(new ConnectionActor.Close(CloseCodes.ServiceRestart, "service restart"));
        alice.Actor.Tell(new ConnectionActor.ClientClosed(CloseCodes.Normal));
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(2, 1), SessionCount()), null, PollInterval);
        AwaitAssert(() => Assert.Equal(1, RoomStatus(General).Attached), null, PollInterval);
        Assert.Equal(2, RoomStatus(General).Members);
        AwaitPresenceSent(General);
        AssertNothingMore([General], bob);
    }

    [Theory]
    [InlineData(CloseCodes.GoingAway)]
    [InlineData(null)]
    public void Any_other_end_of_the_socket_keeps_the_session_and_its_member_shown(int? code)
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        Join(alice);
        Join(bob);
        SettlePresence(General, alice, bob);

        if (code is not null)
        {
            alice.Actor.Tell(new ConnectionActor.ClientClosed(code));
        }

        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(2, 1), SessionCount()), null, PollInterval);
        AwaitAssert(() => Assert.Equal(1, RoomStatus(General).Attached), null, PollInterval);
        Assert.Equal(2, RoomStatus(General).Members);
        AwaitPresenceSent(General);
        AssertNothingMore([General], bob);
    }

    [Fact]
    public void A_session_resumed_after_its_socket_died_gets_its_rooms_back_and_join_with_since_recovers_exactly_what_it_missed()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, token) = Hello("alice");
        var (bob, _) = Hello("bob");
        var epoch = Join(alice).Str("epoch");
        Join(bob);
        Join(alice, "other");
        Send(bob, "seen");
        var seen = Position(alice.Expect("message"), epoch);
        SettlePresence(General, alice, bob);
        SettlePresence("other", alice);

        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(2, 1), SessionCount()), null, PollInterval);
        Send(bob, "missed 1");
        Send(bob, "missed 2");

        var again = Connect(Subprotocols.V1);
        again.Send(V1Packets.Hello("whoever", token, "h2"));
        var welcome = again.Next("welcome");
        Assert.Equal(("h2", "alice", true), (welcome.Ref, welcome.Str("name"), welcome.Payload.GetProperty("resumed").GetBoolean()));
        Assert.Equal([General, "other"], welcome.Strings("rooms"));
        Assert.NotEqual(token, welcome.Str("session"));

        // Until it joins again, the room's live messages do not reach it, and it cannot send there.
        Send(bob, "missed 3");
        again.Send(V1Packets.Send(General, "too soon", "early"));
        var early = again.Next("error");
        Assert.Equal((ErrorCodes.NotInRoom, "early"), (early.Str("code"), early.Ref));

        var joined = Join(again, General, seen);
        Assert.Equal(true, joined.Recovered);
        Assert.Equal(["missed 1", "missed 2", "missed 3"], joined.Texts());
        Assert.Equal([2L, 3, 4], joined.Offsets());
        Assert.Equal(["alice", "bob"], joined.Strings("members"));
        Assert.Equal(5, Send(again, "back"));
        Assert.Equal("alice", bob.Expect("message").Str("from"));

        // Nobody saw alice leave or come back.
        AwaitPresenceSent(General);
        AssertNothingMore([General], again, bob);
        Assert.Equal(new SessionRegistry.SessionCount(2, 2), SessionCount());
    }

    [Fact]
    public void Resuming_a_live_session_takes_it_over_and_closes_the_old_socket_with_4001()
    {
        Settings = Settings with { PresenceGrace = TimeSpan.FromHours(1) };
        var (alice, token) = Hello("alice");
        var (bob, _) = Hello("bob");
        var epoch = Join(alice).Str("epoch");
        Join(bob);
        SettlePresence(General, alice, bob);

        var again = Connect(Subprotocols.V1);
        again.Send(V1Packets.Hello("alice", token));
        var welcome = again.Next("welcome");
        Assert.True(welcome.Payload.GetProperty("resumed").GetBoolean());
        Assert.Equal([General], welcome.Strings("rooms"));
        Assert.Equal((CloseCodes.SessionTakenOver, "session taken over"), alice.Closed());

        var joined = Join(again, General, new StreamPosition(epoch, 0));
        Assert.Equal((true, 0L), (joined.Recovered, joined.Number("offset")));
        Assert.Equal(1, Send(again, "moved"));
        Assert.Equal("alice", bob.Expect("message").Str("from"));

        // The old connection speaks for the session no more, and its end changes nothing.
        alice.Actor.Tell(Packets.Frame(V1Packets.Send(General, "ghost", "g")));
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitPresenceSent(General);
        AssertNothingMore([General], again, bob);
        Assert.Equal(1, RoomStatus(General).Position.Offset);
        Assert.Equal(new SessionRegistry.SessionCount(2, 2), SessionCount());
    }

    [Fact]
    public void A_room_that_stops_is_entered_again_and_answers_joined_without_a_ref_from_where_the_connection_was()
    {
        if (!CanRejectWrites)
        {
            return;
        }

        var (alice, _) = Hello("alice");
        var (bob, _) = Hello("bob");
        var epoch = Join(alice).Str("epoch");
        Join(bob);
        Send(alice, "one");
        bob.Expect("message");
        SettlePresence(General, alice, bob);

        // A rejected write makes the room throw; its region stops it and its members are told.
        SteerJournal(new TestJournal.RejectWrites(1));
        bob.Send(V1Packets.Send(General, "lost", "s-lost"));

        foreach (var client in new[] { alice, bob })
        {
            var joined = client.Expect("joined");
            Assert.Null(joined.Ref);
            Assert.Equal((epoch, 1L, true), (joined.Str("epoch"), joined.Number("offset"), joined.Recovered));
            Assert.Empty(joined.Offsets());
        }

        Assert.Equal(2, Send(alice, "two"));
        Assert.Equal("two", bob.Expect("message").Str("text"));
    }

    [Fact]
    public void Beej_and_v1_members_of_the_lobby_see_one_conversation()
    {
        var (alice, _) = Hello("alice");
        Join(alice, RoomNames.Lobby);
        SettlePresence(RoomNames.Lobby, alice);

        var bob = Connect(Subprotocols.Beej);
        bob.Send(Packets.Join("bob"));
        bob.Next(PacketTypes.Join);
        Assert.Equal(["alice", "bob"], bob.Next(PacketTypes.Users).Strings("users"));
        Assert.Equal(["bob"], alice.Next("presence").Strings("joins"));

        bob.Send(Packets.Message("bob", "from beej"));
        var message = alice.Next("message");
        Assert.Equal((1L, "bob", "from beej"), (message.Number("offset"), message.Str("from"), message.Str("text")));
        Assert.Equal("from beej", bob.Next(PacketTypes.Message).Str("message"));

        Assert.Equal(2, Send(alice, "from v1", RoomNames.Lobby));
        var relayed = bob.Next(PacketTypes.Message);
        Assert.Equal(("alice", "from v1"), (relayed.Str("username"), relayed.Str("message")));

        bob.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        Assert.Equal(["bob"], alice.Next("presence").Strings("leaves"));
    }
}
