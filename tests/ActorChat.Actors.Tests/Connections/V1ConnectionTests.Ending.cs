using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Rooms;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Akka.Configuration;

namespace ActorChat.Actors.Tests.Connections;

/// <summary><c>actorchat.v1</c> connections: leaving, the session's ends (bye, closes), resume and takeover, a room that stops, and both protocols in one room.</summary>
public partial class V1ConnectionTests
{
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
        AwaitAssert(() => Assert.Equal((1, 1), SessionCount()), null, PollInterval);
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
        AwaitAssert(() => Assert.Equal((1, 1), SessionCount()), null, PollInterval);
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
        AwaitAssert(() => Assert.Equal((2, 1), SessionCount()), null, PollInterval);
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
        AwaitAssert(() => Assert.Equal((2, 1), SessionCount()), null, PollInterval);
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
        AwaitAssert(() => Assert.Equal((2, 1), SessionCount()), null, PollInterval);
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
        Assert.Equal((2, 2), SessionCount());
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
        Assert.Equal((2, 2), SessionCount());
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
