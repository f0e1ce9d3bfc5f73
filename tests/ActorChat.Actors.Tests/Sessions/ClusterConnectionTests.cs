using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Connections;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>
/// Real connections (both protocols, on fake sockets) whose <c>Wiring.Sessions</c> is the cluster's
/// front, with real rooms: what they send after their welcome reaches their session's entity.
/// Room messages have no serializer on this branch, so <c>serialize-messages</c> is off here.
/// </summary>
public sealed class ClusterConnectionTests : ClusterSessionTestKit
{
    private const string General = "general";

    private readonly IActorRef _rooms;
    private readonly IActorRef _gateway;
    private readonly ChatMetrics _metrics = new();
    private long _lastId;

    public ClusterConnectionTests()
        : base(ConfigurationFactory.ParseString("akka.actor.serialize-messages = off"))
    {
        _rooms = ChatNode.StartRooms(
            Sys,
            Shards,
            room => RoomActor.Props(room, new RoomLimits(), new RoomSettings(), NullLogger.Instance, TimeProvider.System),
            EntitySupervision.Default,
            NullLogger.Instance);

        // The sessions' entities tell rooms through the probe: on to the real rooms.
        Rooms.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            _rooms.Tell(message, sender);
            return AutoPilot.KeepRunning;
        }));
        _gateway = Sys.ActorOf(ChatGateway.Props(_rooms, Front, GatewayTestKit.Unlimited, _metrics, NullLogger.Instance));
    }

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public void A_v1_session_joins_resumes_on_a_new_connection_with_its_rooms_and_ends_with_bye()
    {
        var alice = Connect(Subprotocols.V1);
        alice.Send(V1Packets.Hello("alice"));
        var welcome = alice.Next("welcome");
        var token = welcome.Str("session");
        Assert.True(SessionTokens.TryParse(token, out var sessionId));
        alice.Send(V1Packets.Join(General, "j1"));
        alice.Expect("joined");
        AwaitAssert(() => Assert.Equal([General], State(sessionId).Rooms), null, PollInterval);

        // The socket dropped: the session waits; a new connection resumes it with its room.
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitAssert(() => Assert.False(State(sessionId).Attached), null, PollInterval);
        var again = Connect(Subprotocols.V1);
        again.Send(V1Packets.Hello("ignored", token));
        var resumed = again.Next("welcome");
        Assert.True(resumed.Payload.GetProperty("resumed").GetBoolean());
        Assert.Equal([General], resumed.Strings("rooms"));

        again.Send(V1Packets.Rename("alicia", "r1"));
        Assert.Equal("alicia", again.Expect("renamed").Str("name"));
        again.Send(V1Packets.Leave(General, "l1"));
        again.Expect("left");
        AwaitAssert(() => Assert.Empty(State(sessionId).Rooms), null, PollInterval);

        again.Send(V1Packets.Bye());
        Assert.Equal((CloseCodes.Normal, "bye"), again.Closed());
        AwaitAssert(() => Assert.Null(State(sessionId).Name), null, PollInterval);
        var next = Connect(Subprotocols.V1);
        next.Send(V1Packets.Hello("ALICIA"));
        Assert.Equal("ALICIA", next.Next("welcome").Str("name"));
    }

    [Fact]
    public void A_v1_name_is_taken_for_a_seed_connection_and_a_seed_session_ends_with_its_socket()
    {
        var alice = Connect(Subprotocols.V1);
        alice.Send(V1Packets.Hello("alice"));
        alice.Next("welcome");

        var bob = Connect(Subprotocols.Beej);
        bob.Send(Packets.Join("ALICE"));
        Assert.Equal(ErrorCodes.NameTaken, bob.Next("chat-error").Str("code"));
        bob.Send(Packets.Join("bob"));
        Assert.Equal("bob", bob.Next("chat-join").Str("username"));
        var carol = Connect(Subprotocols.V1);
        carol.Send(V1Packets.Hello("BOB"));
        Assert.Equal(ErrorCodes.NameTaken, carol.Next("error").Str("code"));

        // A seed session cannot be resumed: it ends with its socket, and its name is free.
        bob.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        AwaitAssert(
            () =>
            {
                carol.Send(V1Packets.Hello("bob"));
                Assert.Equal("welcome", carol.Next().Type);
            },
            null,
            PollInterval);
    }

    private GatewayTestKit.Client Connect(string subprotocol)
    {
        var socket = new FakeSocket();
        _gateway.Tell(new ChatGateway.Connect(++_lastId, "test", socket, subprotocol), TestActor);
        return new GatewayTestKit.Client(ExpectMsg<ChatGateway.Connected>().Connection, socket, WaitUntil);
    }
}
