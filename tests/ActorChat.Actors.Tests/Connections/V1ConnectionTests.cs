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
public partial class V1ConnectionTests : GatewayTestKit
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
        Assert.Equal(0, RoomCount());
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
}
