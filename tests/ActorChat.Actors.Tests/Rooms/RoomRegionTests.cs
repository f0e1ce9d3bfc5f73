using ActorChat.Actors.Rooms;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The routing point: one room actor per room id, created on first use, passivated like a sharded entity.</summary>
public sealed class RoomRegionTests : ActorChatTestKit
{
    private readonly IActorRef _region;

    public RoomRegionTests()
    {
        _region = Sys.ActorOf(RoomRegion.Props(room => Props.Create(() => new EchoRoom(room)), NullLogger.Instance), "rooms");
    }

    [Fact]
    public void A_room_is_created_on_first_use_and_every_message_for_it_reaches_the_same_actor()
    {
        _region.Tell(new Say("general", "one"));
        var first = ExpectMsg<Echo>();
        _region.Tell(new Say("general", "two"));
        var second = ExpectMsg<Echo>();
        _region.Tell(new Say("random", "three"));
        var other = ExpectMsg<Echo>();

        Assert.Equal(("general", "one", 1), (first.Room, first.Text, first.Seen));
        Assert.Equal(first.Actor, second.Actor);
        Assert.Equal(2, second.Seen);
        Assert.NotEqual(first.Actor, other.Actor);
        Assert.Equal(("random", 1), (other.Room, other.Seen));
        _region.Tell(RoomContract.GetRoomCount.Instance);
        Assert.Equal(2, ExpectMsg<RoomContract.RoomCount>().Count);
    }

    [Fact]
    public void Messages_that_arrive_while_a_room_passivates_go_in_order_to_a_fresh_incarnation()
    {
        _region.Tell(new Say("general", "before"));
        var old = ExpectMsg<Echo>().Actor;
        Watch(old);

        // The room asks to passivate but does not stop until released: the window in which
        // messages must be held rather than lost.
        _region.Tell(new AskToPassivate("general"));
        ExpectMsg<StopRequested>();
        _region.Tell(new Say("general", "during 1"));
        _region.Tell(new Say("general", "during 2"));
        old.Tell(Release.Instance);
        ExpectTerminated(old);

        var during1 = ExpectMsg<Echo>();
        var during2 = ExpectMsg<Echo>();
        Assert.Equal(("during 1", 1), (during1.Text, during1.Seen));
        Assert.Equal(("during 2", 2), (during2.Text, during2.Seen));
        Assert.NotEqual(old, during1.Actor);
    }

    [Fact]
    public void A_room_that_fails_is_stopped_and_its_next_message_starts_it_again()
    {
        _region.Tell(new Say("general", "before"));
        var old = ExpectMsg<Echo>().Actor;
        Watch(old);

        _region.Tell(new Fail("general"));
        ExpectTerminated(old);

        _region.Tell(new Say("general", "after"));
        var after = ExpectMsg<Echo>();
        Assert.NotEqual(old, after.Actor);
        Assert.Equal(1, after.Seen);
    }

    [Fact]
    public void A_message_for_an_invalid_room_id_starts_nothing()
    {
        _region.Tell(new Say("Not A Room!", "x"));
        _region.Tell(RoomContract.GetRoomCount.Instance);
        Assert.Equal(0, ExpectMsg<RoomContract.RoomCount>().Count);
    }

    [Fact]
    public void The_room_list_has_the_busiest_rooms_up_to_its_bound_and_always_the_lobby_and_forgets_a_stopped_room()
    {
        // One more room with members than a list may hold, with distinct counts.
        var rooms = RoomRegion.MaxListedRooms + 1;
        for (var i = 0; i < rooms; i++)
        {
            _region.Tell(new Occupy($"r{i}", i + 1));
        }

        // The region has every report once each room has answered (rooms answer after reporting).
        ReceiveN(rooms);
        _region.Tell(new RoomContract.ListRooms("l1"));
        var list = ExpectMsg<RoomContract.RoomList>();

        Assert.Equal("l1", list.Ref);
        Assert.Equal(RoomRegion.MaxListedRooms, list.Rooms.Count);
        Assert.Equal(new RoomSummary($"r{rooms - 1}", rooms), list.Rooms[0]);
        Assert.Equal(list.Rooms.OrderByDescending(r => r.Members).Select(r => r.Members), list.Rooms.Select(r => r.Members));

        // The lobby, asleep, takes the last place with 0; the quietest rooms fall off.
        Assert.Equal(new RoomSummary("lobby", 0), list.Rooms[^1]);
        Assert.DoesNotContain(list.Rooms, r => r.Room is "r0" or "r1");

        // A room that stops is not listed any more.
        _region.Tell(new Say($"r{rooms - 1}", "x"));
        var busiest = ExpectMsg<Echo>().Actor;
        Watch(busiest);
        _region.Tell(new Fail($"r{rooms - 1}"));
        ExpectTerminated(busiest);
        _region.Tell(new RoomContract.ListRooms(null));
        Assert.DoesNotContain(ExpectMsg<RoomContract.RoomList>().Rooms, r => r.Room == $"r{rooms - 1}");
    }

    private sealed record Say(string Room, string Text) : IWithRoom;

    /// <summary>Makes the room report <paramref name="Members"/> members to its region, then answer.</summary>
    private sealed record Occupy(string Room, int Members) : IWithRoom;

    private sealed record AskToPassivate(string Room) : IWithRoom;

    private sealed record Fail(string Room) : IWithRoom;

    private sealed record Echo(string Room, string Text, int Seen, IActorRef Actor);

    private sealed record StopRequested;

    private sealed record Release
    {
        public static readonly Release Instance = new();
    }

    private sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    /// <summary>A room that echoes what it is told with how many messages this incarnation has seen.</summary>
    private sealed class EchoRoom : ReceiveActor
    {
        private int _seen;
        private IActorRef? _stopRequester;

        public EchoRoom(string room)
        {
            Receive<Say>(s => Sender.Tell(new Echo(room, s.Text, ++_seen, Self)));
            Receive<AskToPassivate>(_ =>
            {
                _stopRequester = Sender;
                Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(Stop.Instance));
            });
            Receive<Stop>(_ => _stopRequester?.Tell(new StopRequested()));
            Receive<Release>(_ => Context.Stop(Self));
            Receive<Fail>(_ => throw new InvalidOperationException("room failure (test)"));
            Receive<Occupy>(o =>
            {
                Context.Parent.Tell(new RoomContract.Occupancy(room, o.Members));
                Sender.Tell(o);
            });
        }
    }
}
