using System.Diagnostics.Metrics;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// A room on one node and its members' connections on another: two actor systems in this process
/// joined by Akka.Remote on 127.0.0.1 (ports chosen by the system). The room (node A, the test's
/// system) sees the members (TestProbes on node B) as remote refs, so everything it tells them
/// crosses the network through B's <see cref="NodeRelay"/>.
/// </summary>
public sealed class NodeRelayTests : RoomActorTestKit
{
    private static readonly Config Remote = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        """);

    private readonly ActorSystem _nodeB;
    private readonly OneMeter _meters = new();
    private readonly ChatMetrics _metrics;
    private readonly Counters _counters;

    public NodeRelayTests()
        : base(Remote)
    {
        _nodeB = ActorSystem.Create("nodeb", Remote.WithFallback(Config));
        _nodeB.ActorOf(NodeRelay.Props(), NodeRelay.Name);
        _metrics = new ChatMetrics(_meters);
        _counters = new Counters(_meters.Meter!);
    }

    protected override void AfterAll()
    {
        Shutdown(_nodeB);
        _counters.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
        base.AfterAll();
    }

    /// <summary>The room on node A, and the same room as node B's actors address it.</summary>
    private (IActorRef Room, IActorRef FromB) StartRemoteRoom()
    {
        var room = Sys.ActorOf(RoomActor.Props("general", Limits, Settings, NullLogger.Instance, Time, _metrics), "general");
        var addressA = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        var fromB = ((ExtendedActorSystem)_nodeB).Provider.ResolveActorRef(room.Path.ToSerializationFormatWithAddress(addressA));
        return (room, fromB);
    }

    private Member MemberOnB(string name) => new(CreateTestProbe(_nodeB), "s-" + name, name, Subprotocols.V1);

    /// <summary>The next chat frame the member was sent, past presence diffs (which come on a timer).</summary>
    private static Frame NextChat(Member member)
    {
        while (true)
        {
            var frame = member.Next();
            if (frame.Type != "presence")
            {
                return frame;
            }
        }
    }

    [Fact]
    public void A_broadcast_to_five_members_on_another_node_crosses_to_it_once()
    {
        var (room, fromB) = StartRemoteRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var onB = Enumerable.Range(1, 5).Select(i => MemberOnB("b" + i)).ToArray();
        foreach (var member in onB)
        {
            // The reply went through B's relay: the room saw the member's connection as remote.
            Enter(fromB, member);
        }

        SettlePresence(room, alice);
        var (remoteBefore, broadcastsBefore) = _counters.Read();
        Assert.True(remoteBefore >= onB.Length, $"{remoteBefore} remote messages for {onB.Length} remote joins");

        Assert.Equal(1, PostAcked(room, alice, "hello"));
        Assert.Equal(1, NextChat(alice).Number("offset"));
        foreach (var member in onB)
        {
            var message = NextChat(member);
            Assert.Equal(("message", 1L, "alice", "hello"), (message.Type, message.Number("offset"), message.Str("from"), message.Str("text")));
        }

        var (remoteAfter, broadcastsAfter) = _counters.Read();
        Assert.Equal((1L, 1L), (broadcastsAfter - broadcastsBefore, remoteAfter - remoteBefore));
    }

    /// <summary>
    /// What the room tells a connection on another node keeps the room's order: its <c>joined</c>
    /// first, then every broadcast, each batch's acks ahead of its messages, and
    /// <see cref="RoomContract.RoomStopped"/> after all of them.
    /// </summary>
    [Fact]
    public void A_connection_on_another_node_gets_the_rooms_messages_in_the_rooms_order()
    {
        const int Posts = 20;
        var (room, fromB) = StartRemoteRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var bob = MemberOnB("bob");
        var carl = MemberOnB("carl");
        Enter(fromB, bob);
        Enter(fromB, carl);

        // Bob's posts go from node B to the room; their acks and messages come back through the relay.
        for (var i = 1; i <= Posts; i++)
        {
            Post(fromB, bob, "m" + i, requestRef: "r" + i);
        }

        // Alice (on the room's node) has every message: the room has sent everything, then it stops.
        var seen = 0L;
        while (seen < Posts)
        {
            var frame = NextChat(alice);
            Assert.Equal(("message", seen + 1), (frame.Type, frame.Number("offset")));
            seen++;
        }

        Watch(room);
        Sys.Stop(room);
        ExpectTerminated(room);

        foreach (var member in new[] { bob, carl })
        {
            var stopped = member.Expect<RoomContract.RoomStopped>();
            Assert.Equal(Posts, stopped.Position?.Offset);

            // Everything before RoomStopped, in order.
            var acks = new List<long>();
            var messages = new List<long>();
            while (member.Unread.Count > 0)
            {
                var frame = NextChat(member);
                if (frame.Type == "ack")
                {
                    Assert.Equal("r" + frame.Number("offset"), frame.Ref);
                    acks.Add(frame.Number("offset"));
                }
                else
                {
                    Assert.Equal("message", frame.Type);
                    var offset = frame.Number("offset");
                    if (member == bob)
                    {
                        Assert.Contains(offset, acks); // acked before it is delivered
                    }

                    messages.Add(offset);
                }
            }

            Assert.Equal(Enumerable.Range(1, Posts).Select(i => (long)i), messages);
            Assert.Equal(member == bob ? messages : [], acks);
        }
    }

    /// <summary>A meter factory that hands out one meter, so the test listens to this test's metrics only.</summary>
    private sealed class OneMeter : IMeterFactory
    {
        public Meter? Meter { get; private set; }

        public Meter Create(MeterOptions options) => Meter = new Meter(options);

        public void Dispose() => Meter?.Dispose();
    }

    /// <summary>The room's remote-message and broadcast counters (observable: read when asked).</summary>
    private sealed class Counters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _remote;
        private long _broadcasts;

        public Counters(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                switch (instrument.Name)
                {
                    case "actorchat.room.remote_messages":
                        Interlocked.Exchange(ref _remote, value);
                        break;
                    case "actorchat.room.broadcasts":
                        Interlocked.Exchange(ref _broadcasts, value);
                        break;
                }
            });
            _listener.Start();
        }

        public (long Remote, long Broadcasts) Read()
        {
            _listener.RecordObservableInstruments();
            return (Interlocked.Read(ref _remote), Interlocked.Read(ref _broadcasts));
        }

        public void Dispose() => _listener.Dispose();
    }
}
