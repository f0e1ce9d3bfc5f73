using ActorChat.Actors.Sessions;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// The <c>rooms</c> listing of a cluster: each node's <see cref="RoomDirectory"/> takes its own
/// rooms' member counts and shares them through DistributedData, and every node answers from
/// the merged view. Two cluster nodes in this process (the test kit's system and one more) on
/// loopback, Akka port 0, with every message serialized.
/// </summary>
public sealed class RoomDirectoryTests : ActorChatTestKit
{
    private static readonly Config ClusterConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.distributed-data.gossip-interval = 100ms
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms

        # Every message serialized, local ones too: the directory's traffic is node-local or
        # DistributedData's own, and must not need a serializer of ours.
        akka.actor.serialize-messages = on
        """);

    private readonly ActorSystem _other;

    public RoomDirectoryTests()
        : base(ClusterConfig)
    {
        _other = ActorSystem.Create(Sys.Name, Sys.Settings.Config);
        var first = Cluster.Get(Sys);
        first.Join(first.SelfAddress);
        Cluster.Get(_other).Join(first.SelfAddress);
        WaitUntil(() => first.State.Members.Count(m => m.Status == MemberStatus.Up) == 2
            && Cluster.Get(_other).State.Members.Count(m => m.Status == MemberStatus.Up) == 2);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _other.Terminate().Wait(TestTime.Timeout);
        }

        base.Dispose(disposing);
    }

    [Fact]
    public void Every_node_lists_the_rooms_of_every_node_busiest_first_with_the_lobby_and_a_stopped_room_goes()
    {
        var here = Sys.ActorOf(RoomDirectory.Props(NullLogger.Instance), "room-directory");
        var there = _other.ActorOf(RoomDirectory.Props(NullLogger.Instance), "room-directory");
        var roomHere = CreateTestProbe();
        var quietHere = CreateTestProbe();
        var roomThere = new TestProbe(_other, new Akka.TestKit.Xunit2.XunitAssertions());

        roomHere.Send(here, new RoomContract.Occupancy("general", 2));
        quietHere.Send(here, new RoomContract.Occupancy("quiet", 1));
        quietHere.Send(here, new RoomContract.Occupancy("quiet", 0));
        roomThere.Send(there, new RoomContract.Occupancy("busy", 3));

        // Each node sees the other's rooms once gossiped; the lobby is always there; empty rooms are not.
        List<RoomSummary> expected = [new("busy", 3), new("general", 2), new("lobby", 0)];
        AwaitAssert(() => Assert.Equal(expected, ListOn(here, "a")));
        AwaitAssert(() => Assert.Equal(expected, ListOn(there, "b")));

        // A room that stops (its actor gone) leaves the list on every node.
        Watch(roomThere.Ref);
        roomThere.Ref.Tell(PoisonPill.Instance);
        ExpectTerminated(roomThere.Ref);
        List<RoomSummary> after = [new("general", 2), new("lobby", 0)];
        AwaitAssert(() => Assert.Equal(after, ListOn(here, "c")));
    }

    [Fact]
    public void A_node_that_leaves_takes_its_rooms_out_of_the_list()
    {
        var here = Sys.ActorOf(RoomDirectory.Props(NullLogger.Instance), "room-directory");
        var there = _other.ActorOf(RoomDirectory.Props(NullLogger.Instance), "room-directory");
        var roomThere = new TestProbe(_other, new Akka.TestKit.Xunit2.XunitAssertions());
        roomThere.Send(there, new RoomContract.Occupancy("elsewhere", 4));
        AwaitAssert(() => Assert.Contains(new RoomSummary("elsewhere", 4), ListOn(here, "a")));

        Cluster.Get(_other).Leave(Cluster.Get(_other).SelfAddress);

        AwaitAssert(() => Assert.Equal([new RoomSummary("lobby", 0)], ListOn(here, "b")));
    }

    private static List<RoomSummary> ListOn(IActorRef directory, string requestRef)
    {
        var list = directory.Ask<RoomContract.RoomList>(new RoomContract.ListRooms(requestRef), TestTime.Seconds(3)).Result;
        Assert.Equal(requestRef, list.Ref);
        return [.. list.Rooms];
    }
}

/// <summary>What the cluster's room routing keeps process-independent: the stored room lists and the shard of a room.</summary>
public sealed class RoomRoutingTests
{
    [Fact]
    public void A_list_is_stored_as_plain_text_that_reads_back_the_same()
    {
        List<RoomSummary> rooms = [new("busy", 3), new("a-b_c", 1)];

        var text = RoomDirectory.Encode(rooms);

        Assert.Equal("busy 3\na-b_c 1\n", text);
        Assert.Equal(rooms, RoomDirectory.Decode(text));
        Assert.Equal([new RoomSummary("ok", 2)], RoomDirectory.Decode("ok 2\nbroken\nnegative -1\n"));
    }

    [Fact]
    public void The_room_extractor_takes_the_room_as_the_entity_and_a_hash_that_is_the_same_in_every_process()
    {
        var extractor = new RoomMessageExtractor(100);
        var message = new RoomContract.GetStatus("general");

        Assert.Equal("general", extractor.EntityId(message));
        Assert.Same(message, extractor.EntityMessage(message));
        Assert.Null(extractor.EntityId("not a room message"));

        // The one entity hash (FNV-1a of the UTF-8), not string.GetHashCode (randomized per
        // process): a fixed value, the same hash sessions and names are placed by.
        Assert.Equal("91", extractor.ShardId("general", message));
        Assert.Equal(new SessionSharding.SessionExtractor(100).ShardId("general"), extractor.ShardId("general", message));
    }
}
