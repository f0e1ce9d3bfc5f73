using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>RoomActor under its shard region (a one-node cluster): passivation, messages during passivation, failed writes.</summary>
public class RoomActorLifecycleTests : RoomActorTestKit
{
    public RoomActorLifecycleTests()
        : base(OneNodeCluster.Config)
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorLifecycleTests(Config extra)
        : base(extra.WithFallback(OneNodeCluster.Config))
    {
    }

    /// <summary>The rooms' shard region as every server starts it (<see cref="ChatNode.StartRooms"/>), on this one-node cluster.</summary>
    private IActorRef StartRegion(EntitySupervision? supervision = null)
    {
        OneNodeCluster.Join(this);
        var (limits, settings, time) = (Limits, Settings, Time);
        return ChatNode.StartRooms(Sys, 10, name => RoomActor.Props(name, limits, settings, NullLogger.Instance, time), supervision ?? EntitySupervision.Default, NullLogger.Instance);
    }

    private IActorRef Resolve(ActorPath path)
    {
        Sys.ActorSelection(path).Tell(new Identify(path), TestActor);
        return ExpectMsg<ActorIdentity>().Subject!;
    }

    private int RoomCount(IActorRef region)
    {
        region.Tell(GetShardRegionState.Instance, TestActor);
        return ExpectMsg<CurrentShardRegionState>().Shards.Sum(shard => shard.EntityIds.Count);
    }

    [Fact]
    public void A_room_with_no_members_passivates_after_its_idle_timeout_and_its_next_message_recovers_it()
    {
        Settings = Settings with { IdleTimeout = TimeSpan.FromMilliseconds(100) };
        var region = StartRegion();
        var alice = NewMember("alice");
        var epoch = Enter(region, alice).Entered.Position.Epoch;
        PostAcked(region, alice, "one");
        region.Tell(new RoomContract.Leave("general", alice.SessionId, "l"), alice.Probe.Ref);
        AwaitAssert(() => Assert.Equal(0, RoomCount(region)));

        var joined = Enter(region, alice).Joined;
        Assert.Equal((epoch, 1L, "one"), (joined.Str("epoch"), joined.Number("offset"), Assert.Single(joined.Texts())));
        Assert.Equal(1, RoomCount(region));
    }

    [Fact]
    public void A_room_with_members_does_not_passivate()
    {
        Settings = Settings with { IdleTimeout = TimeSpan.FromMilliseconds(50) };
        var region = StartRegion();
        var alice = NewMember("alice");
        Enter(region, alice);
        var room = alice.Probe.LastSender;
        Watch(room);

        // Several idle timeouts later it is still the same incarnation.
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, RoomCount(region));
        Assert.Equal(1, PostAcked(region, alice, "still here"));
    }

    [Fact]
    public void Messages_sent_while_a_room_passivates_reach_its_next_incarnation_after_its_last_batch_is_durable()
    {
        var region = StartRegion();
        var alice = NewMember("alice");
        var epoch = Enter(region, alice).Entered.Position.Epoch;
        var room = alice.Probe.LastSender;
        Watch(room);
        PostAcked(region, alice, "m1");
        alice.Next("message");
        var writes = WatchWrites();

        // A batch is being written when the room's passivation begins (as when its idle request races a post).
        SteerJournal(new TestJournal.HoldWrites());
        Post(region, alice, "m2", requestRef: "last");
        writes.ExpectMsg<TestJournal.WriteStarted>();
        // As the room's EntityHost asks it of its shard: straight into the shard's mailbox, ahead of
        // what is sent through the region next.
        var (host, shard) = (Resolve(room.Path.Parent), Resolve(room.Path.Parent.Parent));
        shard.Tell(new Akka.Cluster.Sharding.Passivate(RoomContract.StopRoom.Instance), host);
        var bob = NewMember("bob");
        region.Tell(new RoomContract.Enter("general", bob.SessionId, "bob", bob.Probe.Ref, Subprotocols.V1, null, null, "j"), bob.Probe.Ref);
        Post(region, bob, "during", requestRef: "d");

        SteerJournal(new TestJournal.ReleaseWrites());
        Assert.Equal(2, alice.Next("ack").Number("offset"));
        alice.Next("message");
        ExpectTerminated(room);
        Assert.Equal(new StreamPosition(epoch, 2), alice.Expect<RoomContract.RoomStopped>().Position);

        var entered = bob.Expect<RoomContract.Entered>();
        Assert.NotEqual(room, bob.Probe.LastSender);
        var joined = Frame.Parse(entered.Frames[0]);
        Assert.Equal((epoch, 2L), (joined.Str("epoch"), joined.Number("offset")));
        Assert.Equal(["m1", "m2"], joined.Texts());
        var ack = bob.Next();
        while (ack.Type == "presence")
        {
            // Its own join goes out ahead of its first message.
            ack = bob.Next();
        }

        Assert.Equal(("ack", "d", 3L), (ack.Type, ack.Ref, ack.Number("offset")));
    }

    [Fact]
    public void A_room_told_to_stop_with_posts_not_yet_written_writes_them_acks_them_and_then_stops()
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        var epoch = Enter(room, alice).Entered.Position.Epoch;
        Watch(room);

        // The post is decided and waits for the flush the room told itself, behind the stop.
        Post(room, alice, "last words", requestRef: "r");
        room.Tell(RoomContract.StopRoom.Instance);
        var ack = alice.Next();
        while (ack.Type == "presence")
        {
            ack = alice.Next();
        }

        Assert.Equal(("ack", "r", 1L), (ack.Type, ack.Ref, ack.Number("offset")));
        Assert.Equal("last words", alice.Next("message").Str("text"));
        ExpectTerminated(room);
        Assert.Equal(new StreamPosition(epoch, 1), alice.Expect<RoomContract.RoomStopped>().Position);

        room = StartRoom();
        Assert.Equal(["last words"], Enter(room, NewMember("bob")).Joined.Texts());
    }

    [Fact]
    public void A_rejected_write_stops_the_room_and_its_next_message_recovers_it_from_the_journal()
    {
        if (!CanRejectWrites)
        {
            return;
        }

        var region = StartRegion();
        var alice = NewMember("alice");
        var epoch = Enter(region, alice).Entered.Position.Epoch;
        var room = alice.Probe.LastSender;
        Watch(room);
        PostAcked(region, alice, "m1");

        SteerJournal(new TestJournal.RejectWrites(1));
        Post(region, alice, "rejected", requestRef: "r");
        ExpectTerminated(room);
        Assert.Equal(new StreamPosition(epoch, 1), alice.Expect<RoomContract.RoomStopped>().Position);

        var joined = Enter(region, alice).Joined;
        Assert.Equal((epoch, 1L), (joined.Str("epoch"), joined.Number("offset")));
        Assert.Equal(["m1"], joined.Texts());
        Assert.Equal(2, PostAcked(region, alice, "m2"));
    }

    /// <summary>
    /// A connection told <see cref="RoomContract.RoomStopped"/> enters again at once. Here the member
    /// runs on the thread that tells it something, so its Enter is sent from the failed room's
    /// PostStop, while the room is still dying: its <see cref="EntityHost"/> must hold it for the next
    /// incarnation (after the backoff), not hand it to the dying one.
    /// </summary>
    [Fact]
    public void A_member_entering_again_the_moment_its_room_failed_reaches_the_next_incarnation()
    {
        if (!CanRejectWrites)
        {
            return;
        }

        var region = StartRegion();
        var probe = CreateTestProbe();
        var member = Sys.ActorOf(Props.Create(() => new EntersAgain(region, probe.Ref)).WithDispatcher(CallingThreadDispatcher.Id));
        region.Tell(new RoomContract.Enter("general", EntersAgain.Session, "alice", member, Subprotocols.V1, null, null, "first"), member);
        var epoch = probe.ExpectMsg<RoomContract.Entered>().Position.Epoch;

        SteerJournal(new TestJournal.RejectWrites(1));
        region.Tell(new RoomContract.Post("general", EntersAgain.Session, "rejected", null, "r"), member);

        Assert.Equal(new StreamPosition(epoch, 0), NextOtherThanDeliver<RoomContract.RoomStopped>(probe).Position);
        var again = NextOtherThanDeliver<RoomContract.Entered>(probe);
        Assert.Equal((new StreamPosition(epoch, 0), true), (again.Position, again.Recovered));
    }

    private static T NextOtherThanDeliver<T>(TestProbe probe)
    {
        while (true)
        {
            var message = probe.ExpectMsg<object>();
            if (message is not ConnectionActor.Deliver)
            {
                return Assert.IsType<T>(message);
            }
        }
    }

    /// <summary>A member that forwards what its room sends and enters again the moment the room says it stopped.</summary>
    private sealed class EntersAgain : ReceiveActor
    {
        public const string Session = "s-alice";

        public EntersAgain(IActorRef region, IActorRef probe)
        {
            Receive<RoomContract.RoomStopped>(stopped =>
            {
                region.Tell(new RoomContract.Enter(stopped.Room, Session, "alice", Self, Subprotocols.V1, stopped.Position, null, null));
                probe.Tell(stopped);
            });
            ReceiveAny(probe.Tell);
        }
    }
}
