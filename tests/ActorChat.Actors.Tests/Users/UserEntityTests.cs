using ActorChat.Actors.Users;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorChat.Actors.Users.UserContract;

namespace ActorChat.Actors.Tests.Users;

/// <summary>
/// A user's entity with TestKit (in-memory journal, every message serialized as across nodes): it
/// answers an attaching connection with the user's rooms, tells the user's other connections of a
/// leave (not for a removal, which the room tells each), forgets a connection that stopped, and
/// recovers its rooms from its journal.
/// </summary>
public sealed class UserEntityTests : ActorChatTestKit
{
    public UserEntityTests()
        : base(ConfigurationFactory.ParseString(
            """
            akka.actor.serialize-messages = on
            akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
            """))
    {
    }

    [Fact]
    public void A_leave_reaches_the_users_other_connections_and_a_removal_does_not()
    {
        var user = Sys.ActorOf(UserEntity.Props("alice", maxRooms: 10, NullLogger.Instance));
        var phone = CreateTestProbe();
        var laptop = CreateTestProbe();
        user.Tell(new Attach("alice", phone.Ref));
        Assert.Empty(phone.ExpectMsg<Memberships>().Rooms);
        user.Tell(new JoinedRoom("alice", "garden"));
        user.Tell(new JoinedRoom("alice", "den"));
        user.Tell(new Attach("alice", laptop.Ref));
        Assert.Equal(["garden", "den"], laptop.ExpectMsg<Memberships>().Rooms);

        user.Tell(new LeftRoom("alice", "garden", phone.Ref));
        Assert.Equal("garden", laptop.ExpectMsg<LeaveForUser>().Room);
        phone.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        user.Tell(new LeftRoom("alice", "den", null));
        laptop.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // A stopped connection is told nothing more.
        Watch(laptop.Ref);
        Sys.Stop(laptop.Ref);
        ExpectTerminated(laptop.Ref);
        user.Tell(new JoinedRoom("alice", "kitchen"));
        user.Tell(new Attach("alice", TestActor));
        Assert.Equal(["kitchen"], ExpectMsg<Memberships>().Rooms);
        user.Tell(new LeftRoom("alice", "kitchen", TestActor));
        phone.ExpectMsg<LeaveForUser>();
    }

    [Fact]
    public void The_rooms_come_back_from_the_journal_when_the_entity_starts_again()
    {
        var first = Sys.ActorOf(UserEntity.Props("bob", maxRooms: 10, NullLogger.Instance));
        foreach (var room in new[] { "a", "b", "c" })
        {
            first.Tell(new JoinedRoom("bob", room));
        }

        first.Tell(new LeftRoom("bob", "b", null));
        first.Tell(new Attach("bob", TestActor));
        Assert.Equal(["a", "c"], ExpectMsg<Memberships>().Rooms);
        Watch(first);
        first.Tell(StopUser.Instance);
        ExpectTerminated(first);

        var again = Sys.ActorOf(UserEntity.Props("bob", maxRooms: 10, NullLogger.Instance));
        again.Tell(new Attach("bob", TestActor));
        Assert.Equal(["a", "c"], ExpectMsg<Memberships>().Rooms);
    }
}
