using System.Text;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// RoomActor: the server API's requests. A post by no member is acked to the asker with the API's
/// body once durable and broadcast with via api; its cid dedup is keyed by the API key's sender
/// id; a replyTo outside the kept range is refused; presence lists names and connections; and
/// <see cref="RoomExistence"/> tells a room with a history from one without, waking neither.
/// </summary>
public sealed class RoomActorApiTests : RoomActorTestKit
{
    [Fact]
    public void An_api_post_is_acked_to_the_asker_with_the_published_body_and_reaches_members_with_via_api()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var beej = NewMember("bob", Subprotocols.Beej);
        Enter(room, beej);
        SettlePresence(room, alice, beej);

        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "maintenance at 10:00", "c-1", null), TestActor);

        var acked = ExpectMsg<ConnectionActor.Deliver>();
        Assert.Equal("""{"room":"general","offset":1}""", Encoding.UTF8.GetString(Assert.Single(acked.Frames).Span));
        var message = alice.Next("message");
        Assert.Equal(("server", "maintenance at 10:00", "api", "c-1"), (message.Str("from"), message.Str("text"), message.Str("via"), message.Str("cid")));
        Assert.Equal(1, message.Number("offset"));
        var chat = beej.Next("chat-message");
        Assert.Equal("server", chat.Payload.GetProperty("username").GetString());

        // Durable with its via: the journal's event carries it.
        var posted = Assert.IsType<MessagePosted>(JournalEntries()[^1].Payload);
        Assert.Equal((ChatMessage.ViaApi, "api:backend"), (posted.Message.Via, posted.SessionId));
    }

    [Fact]
    public void A_repeated_cid_of_the_same_key_is_acked_with_the_first_offset_and_another_keys_is_posted()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "first", "c-1", null), TestActor);
        var first = Encoding.UTF8.GetString(ExpectMsg<ConnectionActor.Deliver>().Frames[0].Span);

        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "first, again", "c-1", null), TestActor);
        Assert.Equal(first, Encoding.UTF8.GetString(ExpectMsg<ConnectionActor.Deliver>().Frames[0].Span));

        // A member using the same cid is another sender too.
        Assert.Equal(2, PostAcked(room, alice, "mine", "c-1"));
        room.Tell(new RoomContract.ApiPost("general", "api:ops", "server", "ops", "c-1", null), TestActor);
        Assert.Equal("""{"room":"general","offset":3}""", Encoding.UTF8.GetString(ExpectMsg<ConnectionActor.Deliver>().Frames[0].Span));
        Assert.Equal(3, StatusOf(room).Position.Offset);
    }

    [Fact]
    public void A_reply_to_an_offset_the_room_does_not_keep_is_refused_not_found_and_nothing_is_posted()
    {
        var room = StartRoom();
        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "first", null, null), TestActor);
        ExpectMsg<ConnectionActor.Deliver>();

        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "re: nothing", null, 2), TestActor);
        Assert.Equal(RoomContract.NotFound, ExpectMsg<RoomContract.Refused>().Code);
        room.Tell(new RoomContract.ApiPost("general", "api:backend", "server", "re: first", null, 1), TestActor);
        Assert.Equal("""{"room":"general","offset":2}""", Encoding.UTF8.GetString(ExpectMsg<ConnectionActor.Deliver>().Frames[0].Span));
    }

    [Fact]
    public void Presence_lists_the_names_in_order_with_their_connections_and_the_exact_count()
    {
        Limits = Limits with { MaxPresenceList = 2 };
        var room = StartRoom();
        foreach (var name in new[] { "carol", "alice", "Bob" })
        {
            Enter(room, NewMember(name));
        }

        room.Tell(new RoomContract.GetPresence("general"), TestActor);
        var presence = ExpectMsg<RoomContract.PresenceList>();

        Assert.Equal(3, presence.MemberCount);
        Assert.Equal([new RoomContract.PresentMember("alice", 1), new RoomContract.PresentMember("Bob", 1)], presence.Members);
    }

    [Fact]
    public async Task A_room_exists_once_it_has_started_a_history_and_asking_wakes_no_room()
    {
        var timeout = TimeSpan.FromSeconds(10);
        Assert.False(await RoomExistence.ExistsAsync(Sys, "general", Settings, timeout, default));
        Assert.Empty(JournalEntries());

        StartRoom();
        AwaitAssert(() => Assert.NotEmpty(JournalEntries()));
        Assert.True(await RoomExistence.ExistsAsync(Sys, "general", Settings, timeout, default));
        Assert.False(await RoomExistence.ExistsAsync(Sys, "other", Settings, timeout, default));
        Assert.Empty(JournalEntries("other"));
    }
}
