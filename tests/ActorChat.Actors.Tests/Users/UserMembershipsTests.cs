using ActorChat.Actors.Users;

namespace ActorChat.Actors.Tests.Users;

/// <summary>The pure rules of a user's rooms: joins once, leaves once, the cap, and what recovery applies.</summary>
public sealed class UserMembershipsTests
{
    [Fact]
    public void A_join_adds_a_room_once_oldest_first_and_a_leave_removes_it_once()
    {
        var rooms = new UserMemberships(max: 10);
        Apply(rooms, rooms.DecideJoin("garden"));
        Apply(rooms, rooms.DecideJoin("kitchen"));
        Assert.Null(rooms.DecideJoin("garden"));
        Assert.Equal(["garden", "kitchen"], rooms.Rooms);

        Apply(rooms, rooms.DecideLeave("garden"));
        Assert.Null(rooms.DecideLeave("garden"));
        Assert.Equal(["kitchen"], rooms.Rooms);

        // Room names are compared exactly, as rooms are.
        Assert.NotNull(rooms.DecideJoin("Kitchen"));
    }

    [Fact]
    public void A_user_at_the_cap_keeps_no_further_room_and_a_list_stored_under_a_larger_cap_keeps_its_oldest()
    {
        var rooms = new UserMemberships(max: 2);
        Apply(rooms, rooms.DecideJoin("a"));
        Apply(rooms, rooms.DecideJoin("b"));
        Assert.Null(rooms.DecideJoin("c"));

        var lowered = new UserMemberships(max: 2);
        lowered.Apply(new UserRoomsSet(["a", "b", "c", "b"]));
        Assert.Equal(["a", "b"], lowered.Rooms);
    }

    [Fact]
    public void Replaying_the_events_gives_the_same_rooms()
    {
        var live = new UserMemberships(max: 5);
        var journal = new List<UserRoomsSet>();
        foreach (var (join, room) in new[] { (true, "a"), (true, "b"), (false, "a"), (true, "c"), (true, "a") })
        {
            var e = join ? live.DecideJoin(room) : live.DecideLeave(room);
            journal.Add(e!);
            live.Apply(e!);
        }

        var recovered = new UserMemberships(max: 5);
        journal.ForEach(recovered.Apply);
        Assert.Equal(["b", "c", "a"], recovered.Rooms);
        Assert.Equal(live.Rooms, recovered.Rooms);
    }

    private static void Apply(UserMemberships rooms, UserRoomsSet? e)
    {
        Assert.NotNull(e);
        rooms.Apply(e);
    }
}
