using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// How a gateway follows the server-wide bans when the control entity (a probe here) is slow or its
/// messages cross: it asks again until answered, an older revision never replaces a newer, and the
/// connections it creates refuse a banned <c>hello</c> from the list it holds.
/// </summary>
public sealed class GatewayBansTests : GatewayTestKit
{
    private static readonly TimeSpan Patience = TestTime.Seconds(10);

    private readonly TestProbe _rooms;
    private readonly TestProbe _sessions;
    private readonly TestProbe _control;
    private readonly TestProbe _topics;
    private readonly ChatMetrics _metrics = new();
    private readonly IActorRef _gateway;
    private long _lastId;

    public GatewayBansTests()
    {
        _rooms = CreateTestProbe();
        _sessions = CreateTestProbe();
        _control = CreateTestProbe();
        _topics = CreateTestProbe();
        _gateway = Sys.ActorOf(ChatGateway.Props(
            _rooms.Ref, _sessions.Ref, Unlimited, _metrics, NullLogger.Instance, Clock, server: new ChatGateway.ServerLinks(_control.Ref, _topics.Ref)));
    }

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public void An_unanswered_ask_is_asked_again_and_an_overtaken_answer_does_not_undo_a_newer_change()
    {
        _topics.ExpectMsg<Subscribe>(s => s.Topic == Topic);
        _control.ExpectMsg<GetServerBans>();

        // Lost (the entity's node died as it was asked): the gateway asks again by itself.
        _control.ExpectMsg<GetServerBans>(Patience);

        var ban = new ServerBan(1, null, "10.0.0.7", Clock.GetUtcNow(), null, "spam", "api");
        _gateway.Tell(new BansChanged([ban], Revision: 5));

        // An answer computed before the ban arrives after it: not applied.
        _gateway.Tell(new BansInForce([], Revision: 4));
        var banned = ConnectFrom("10.0.0.7");
        banned.Send(V1Packets.Hello("mallory"));
        Assert.Equal(ErrorCodes.Banned, banned.Next("error").Payload.GetProperty("code").GetString());
        Assert.Equal(CloseCodes.Removed, banned.Closed().Code);
        _sessions.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // The lift (a newer revision) is.
        _gateway.Tell(new BansChanged([], Revision: 6));
        var lifted = ConnectFrom("10.0.0.7");
        lifted.Send(V1Packets.Hello("mallory"));
        _sessions.ExpectMsg<SessionContract.Hello>();
    }

    private Client ConnectFrom(string address)
    {
        var socket = new FakeSocket();
        _gateway.Tell(new ChatGateway.Connect(++_lastId, address, socket, Subprotocols.V1), TestActor);
        return new Client(ExpectMsg<ChatGateway.Connected>().Connection, socket, WaitUntil);
    }
}
