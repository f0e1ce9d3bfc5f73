using System.Text;
using System.Text.Json;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// The chat as the host wires it, without sockets: the actor system is a one-node cluster and
/// <see cref="ChatNode.Start"/> starts what every server runs (sharded rooms, names and sessions on
/// the in-memory <see cref="TestJournal"/>, the front, the gateway). Each <see cref="Client"/> is a
/// connection the gateway created, writing to a <see cref="FakeSocket"/>; the test plays the host's
/// bridge (frames in, <see cref="ConnectionActor.ClientClosed"/>, <see cref="ConnectionActor.SocketClosed"/>).
/// The actors start on the first connection, with the settings the test set before it.
/// </summary>
public abstract class GatewayTestKit : RoomActorTestKit
{
    /// <summary>Limits no test runs into unless it lowers one.</summary>
    public static readonly ChatSettings Unlimited = new()
    {
        PacketsPerSecond = 1e6,
        PacketBurst = 1_000_000,
        NameChangesPerSecond = 1e6,
        NameChangeBurst = 1_000_000,
    };

    private readonly ChatMetrics _metrics = new();
    private IActorRef? _rooms;
    private IActorRef? _sessions;
    private IActorRef? _sessionRegion;
    private IActorRef? _gateway;
    private long _lastId;

    /// <summary>The connections' limits (the host's <c>ActorChat:Limits</c>).</summary>
    protected ChatSettings ChatLimits { get; set; } = Unlimited;

    protected GatewayTestKit()
        : base(OneNodeCluster.Config)
    {
    }

    /// <summary>With <paramref name="extra"/> settings (e.g. <see cref="Serialization.SerializedMessages"/>).</summary>
    protected GatewayTestKit(Config extra)
        : base(extra.WithFallback(OneNodeCluster.Config))
    {
    }

    protected TimeSpan SessionTtl { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether connections sign in with a token (the host's <c>ActorChat:Auth</c>); anonymous unless a test sets it.</summary>
    protected ActorChat.Actors.Users.UserAuth Auth { get; set; } = ActorChat.Actors.Users.UserAuth.Anonymous;

    /// <summary>The connections' clock (their rate limits), moved on by the tests. Rooms and sessions keep the system clock.</summary>
    protected FakeTimeProvider Clock { get; } = new();

    protected IActorRef Rooms => Started(ref _rooms);

    protected IActorRef Sessions => Started(ref _sessions);

    protected IActorRef Gateway => Started(ref _gateway);

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    private IActorRef Started(ref IActorRef? actor)
    {
        if (_gateway is null)
        {
            OneNodeCluster.Join(this);
            var node = ChatNode.Start(
                Sys,
                new ChatNodeSettings(Shards: 10, Limits, Settings, ChatLimits, SessionTtl) { Auth = Auth },
                NullLoggerFactory.Instance,
                _metrics,
                new ChatNodeClocks(Time, TimeProvider.System, Clock));
            (_rooms, _sessionRegion, _sessions, _gateway) = (node.Rooms, node.SessionRegion, node.Sessions, node.Gateway);
        }

        return actor!;
    }

    /// <summary>A socket accepted in <paramref name="subprotocol"/>, as the host's bridge does it: answered once the connection is ready.</summary>
    protected Client Connect(string subprotocol)
    {
        var socket = new FakeSocket();
        Gateway.Tell(new ChatGateway.Connect(++_lastId, "test", socket, subprotocol), TestActor);
        return new Client(ExpectMsg<ChatGateway.Connected>().Connection, socket, WaitUntil);
    }

    /// <summary>Returns once <paramref name="actor"/> has handled everything told to it so far (an Identify is answered in mailbox order).</summary>
    protected void Settle(IActorRef actor)
    {
        actor.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
    }

    protected RoomContract.Status RoomStatus(string room)
    {
        Rooms.Tell(new RoomContract.GetStatus(room), TestActor);
        return ExpectMsg<RoomContract.Status>();
    }

    /// <summary>
    /// Sessions alive in the cluster (<paramref name="Count"/>: their entities, attached or waiting
    /// to be resumed) and how many of them have a connection on this node now.
    /// </summary>
    protected (int Count, int Attached) SessionCount()
    {
        Sessions.Tell(SessionContract.GetSessionCount.Instance, TestActor);
        var attached = ExpectMsg<SessionContract.SessionCount>().Attached;
        return (Entities(Started(ref _sessionRegion)), attached);
    }

    /// <summary>Rooms alive (their entities, passivating ones included).</summary>
    protected int RoomCount() => Entities(Rooms);

    private int Entities(IActorRef region)
    {
        region.Tell(GetShardRegionState.Instance, TestActor);
        return ExpectMsg<CurrentShardRegionState>().Shards.Sum(shard => shard.EntityIds.Count);
    }

    protected ChatGateway.Status GatewayStatus()
    {
        Gateway.Tell(ChatGateway.GetStatus.Instance, TestActor);
        return ExpectMsg<ChatGateway.Status>();
    }

    /// <summary>
    /// Asserts the live <paramref name="clients"/> were sent nothing more once everything already
    /// set going has run its course: each hop a packet can take (connection → registry → connection
    /// → room, its write included, → connections) is worked through in that order, so this is not a
    /// guess at how long to wait. Presence diffs on the room's timer are not covered: settle them first.
    /// </summary>
    protected void AssertNothingMore(string[] rooms, params Client[] clients)
    {
        SettleAll(clients);
        Settle(Sessions);
        SettleAll(clients);
        foreach (var room in rooms)
        {
            // Twice: the first may overtake a Flush the room told itself; a write in progress holds both back.
            RoomStatus(room);
            RoomStatus(room);
        }

        SettleAll(clients);
        foreach (var client in clients)
        {
            Assert.True(client.Socket.Sent.IsEmpty, $"unexpected frame: {client.Socket.Sent.FirstOrDefault()}");
        }
    }

    private void SettleAll(Client[] clients)
    {
        foreach (var client in clients)
        {
            Settle(client.Actor);
        }
    }

    /// <summary>One connection and the frames its socket was sent, read in order.</summary>
    public sealed class Client
    {
        private readonly Action<Func<bool>> _waitUntil;

        internal Client(IActorRef actor, FakeSocket socket, Action<Func<bool>> waitUntil)
        {
            Actor = actor;
            Socket = socket;
            _waitUntil = waitUntil;
        }

        public IActorRef Actor { get; }

        internal FakeSocket Socket { get; }

        /// <summary>A text frame from the client.</summary>
        public void Send(string json) => Actor.Tell(Packets.Frame(json));

        /// <summary>The next frame its socket was sent, waiting for it.</summary>
        public Frame Next()
        {
            string? json = null;
            _waitUntil(() => Socket.Sent.TryDequeue(out json));
            return Frame.Parse(Encoding.UTF8.GetBytes(json!));
        }

        public Frame Next(string type)
        {
            var frame = Next();
            Assert.True(frame.Type == type, $"expected {type}, got {frame.Json}");
            return frame;
        }

        /// <summary>The next frame that is not a presence diff (v1 diffs come on the room's timer, any time).</summary>
        public Frame Expect(string type)
        {
            while (true)
            {
                var frame = Next();
                if (frame.Type != V1Packets.Presence || type == V1Packets.Presence)
                {
                    Assert.True(frame.Type == type, $"expected {type}, got {frame.Json}");
                    return frame;
                }
            }
        }

        /// <summary>The close the connection gave its socket, waiting for it.</summary>
        public (int Code, string Reason) Closed()
        {
            _waitUntil(() => !Socket.Closes.IsEmpty);
            return Socket.Closes.First();
        }
    }
}

/// <summary>Client packets of <c>actorchat.v1</c>, written as a client would.</summary>
internal static class V1Packets
{
    public const string Presence = "presence";

    public static string Hello(string name, string? session = null, string? requestRef = "h") =>
        Packet("hello", requestRef, new { name, session });

    public static string Join(string room, string? requestRef = null, StreamPosition? since = null, int? limit = null) =>
        Packet("join", requestRef, new { room, since = since is { } s ? new { epoch = s.Epoch, offset = s.Offset } : null, limit });

    public static string Send(string room, string text, string? requestRef = null, string? cid = null) =>
        Packet("send", requestRef, new { room, text, cid });

    public static string Leave(string room, string? requestRef = null) => Packet("leave", requestRef, new { room });

    public static string History(string room, string? requestRef = null) => Packet("history", requestRef, new { room });

    public static string Rename(string name, string? requestRef = null) => Packet("rename", requestRef, new { name });

    public static string Bye() => Packet("bye", null, new { });

    private static string Packet(string type, string? requestRef, object payload) =>
        JsonSerializer.Serialize(new { type, @ref = requestRef, payload });
}
