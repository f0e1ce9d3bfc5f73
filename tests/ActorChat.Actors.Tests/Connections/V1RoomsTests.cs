using ActorChat.Actors.Connections;
using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>A v1 connection's rooms and the posts it holds while re-entering one, without actors.</summary>
public sealed class V1RoomsTests
{
    private static RoomContract.Post Post(string text, string room = "lobby") => new(room, "s1", text, null, text);

    [Fact]
    public void Rooms_of_a_resumed_welcome_count_toward_the_limit_but_are_not_joined()
    {
        var rooms = new V1Rooms();
        rooms.AddResumable(["a", "b"]);

        Assert.Equal(2, rooms.Count);
        Assert.False(rooms.IsJoined("a"));
        Assert.True(rooms.CanJoin("a", max: 2));
        Assert.False(rooms.CanJoin("c", max: 2));

        Assert.False(rooms.BeginJoin("a"));
        Assert.True(rooms.IsJoined("a"));
        Assert.True(rooms.IsEntering("a"));
        Assert.True(rooms.BeginJoin("c"));
        Assert.Equal(3, rooms.Count);
    }

    [Fact]
    public void A_join_is_entering_until_the_room_answers_then_in()
    {
        var rooms = new V1Rooms();
        rooms.BeginJoin("lobby");

        Assert.Empty(rooms.Enter("lobby", out var known));
        Assert.True(known);
        Assert.True(rooms.IsJoined("lobby"));
        Assert.False(rooms.IsEntering("lobby"));

        Assert.Empty(rooms.Enter("elsewhere", out known));
        Assert.False(known);
    }

    [Fact]
    public void While_re_entering_refused_posts_go_first_then_those_sent_since_in_order()
    {
        var rooms = new V1Rooms();
        rooms.BeginJoin("lobby");
        rooms.Enter("lobby", out _);

        // The refusal may come before the room's RoomStopped: still in, yet held.
        Assert.Equal(HoldResult.Held, rooms.HoldRefused(Post("r1")));
        Assert.Equal(HoldResult.NotHeld, rooms.HoldSent(Post("not yet entering")));
        Assert.True(rooms.Reenter("lobby"));
        Assert.Equal(HoldResult.Held, rooms.HoldSent(Post("s1")));
        Assert.Equal(HoldResult.Held, rooms.HoldRefused(Post("r2")));
        Assert.Equal(HoldResult.Held, rooms.HoldSent(Post("s2")));
        Assert.Equal(HoldResult.NotHeld, rooms.HoldSent(Post("other room", room: "other")));

        var released = rooms.Enter("lobby", out var known);

        Assert.True(known);
        Assert.Equal(["r1", "r2", "s1", "s2"], released.Select(p => p.Text));
        Assert.Equal(HoldResult.NotHeld, rooms.HoldSent(Post("after")));
        Assert.Empty(rooms.Enter("lobby", out _));
    }

    [Fact]
    public void Rooms_not_joined_are_not_re_entered_and_hold_nothing()
    {
        var rooms = new V1Rooms();
        rooms.AddResumable(["listed"]);

        Assert.False(rooms.Reenter("listed"));
        Assert.False(rooms.Reenter("unknown"));
        Assert.Equal(HoldResult.NotHeld, rooms.HoldRefused(Post("x", room: "listed")));
        Assert.Equal(HoldResult.NotHeld, rooms.HoldRefused(Post("x", room: "unknown")));
    }

    [Fact]
    public void At_most_MaxHeldPosts_are_held_for_a_room_counting_both_kinds()
    {
        var rooms = new V1Rooms();
        rooms.BeginJoin("lobby");
        rooms.Reenter("lobby");
        for (var i = 0; i < V1Rooms.MaxHeldPosts / 2; i++)
        {
            Assert.Equal(HoldResult.Held, rooms.HoldRefused(Post($"r{i}")));
        }

        for (var i = V1Rooms.MaxHeldPosts / 2; i < V1Rooms.MaxHeldPosts; i++)
        {
            Assert.Equal(HoldResult.Held, rooms.HoldSent(Post($"s{i}")));
        }

        Assert.Equal(HoldResult.Full, rooms.HoldSent(Post("one too many")));
        Assert.Equal(HoldResult.Full, rooms.HoldRefused(Post("one too many")));
        Assert.Equal(V1Rooms.MaxHeldPosts, rooms.Enter("lobby", out _).Count);
    }

    [Fact]
    public void Leaving_drops_the_room_and_what_was_held_for_it_and_clearing_drops_everything()
    {
        var rooms = new V1Rooms();
        rooms.BeginJoin("lobby");
        rooms.Reenter("lobby");
        rooms.HoldSent(Post("held"));

        Assert.True(rooms.Leave("lobby"));
        Assert.False(rooms.Leave("lobby"));
        rooms.BeginJoin("lobby");
        Assert.Empty(rooms.Enter("lobby", out _));

        rooms.BeginJoin("other");
        rooms.Clear();
        Assert.Equal(0, rooms.Count);
        Assert.Empty(rooms.Names);
    }
}
