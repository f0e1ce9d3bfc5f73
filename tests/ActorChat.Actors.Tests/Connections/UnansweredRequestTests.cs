using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// A v1 connection whose sessions and rooms are probes the test answers (or not, or out of order):
/// what it does when a request is lost on the way (sent to a node that died), when a room moves
/// while a post is on its way to it, and when renames are answered out of order.
/// </summary>
public sealed class UnansweredRequestTests : GatewayTestKit
{
    private readonly TestProbe _rooms;
    private readonly TestProbe _sessions;
    private readonly ChatMetrics _metrics = new();
    private long _lastId;

    public UnansweredRequestTests()
    {
        _rooms = CreateTestProbe();
        _sessions = CreateTestProbe();
    }

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    private Client ConnectTo(TimeSpan answerTimeout)
    {
        var gateway = Sys.ActorOf(ChatGateway.Props(_rooms.Ref, _sessions.Ref, Unlimited with { AnswerTimeout = answerTimeout }, _metrics, NullLogger.Instance, Clock));
        var socket = new FakeSocket();
        gateway.Tell(new ChatGateway.Connect(++_lastId, "test", socket, Subprotocols.V1), TestActor);
        return new Client(ExpectMsg<ChatGateway.Connected>().Connection, socket, WaitUntil);
    }

    /// <summary>A connection welcomed as alice and in <paramref name="room"/> (the room's answer from the rooms probe).</summary>
    private Client Joined(string room, TimeSpan answerTimeout)
    {
        var client = ConnectTo(answerTimeout);
        client.Send(V1Packets.Hello("alice"));
        _sessions.ExpectMsg<SessionContract.Hello>();
        client.Actor.Tell(new SessionContract.Welcomed("s-1", "alice", "t-1", false, []), _sessions.Ref);
        client.Next("welcome");
        client.Send(V1Packets.Join(room, "j1"));
        _sessions.ExpectMsg<SessionContract.JoinedRoom>();
        _rooms.ExpectMsg<RoomContract.Enter>(e => e.Room == room);
        client.Actor.Tell(new RoomContract.Entered(room, new StreamPosition("e", 0), 1, null, []), _rooms.Ref);
        return client;
    }

    [Fact]
    public void A_hello_nobody_answers_closes_the_connection_with_1012_so_the_client_resumes_elsewhere()
    {
        var client = ConnectTo(TimeSpan.FromMilliseconds(300));
        client.Send(V1Packets.Hello("alice"));
        _sessions.ExpectMsg<SessionContract.Hello>();
        Assert.Equal((CloseCodes.ServiceRestart, "service restart"), client.Closed());
    }

    [Fact]
    public void A_join_nobody_answers_closes_the_connection_with_1012_and_an_answered_one_does_not()
    {
        var client = Joined("general", TimeSpan.FromMilliseconds(300));

        // The answered join's timer is cancelled: a second join's is the one that fires.
        client.Send(V1Packets.Join("quiet", "j2"));
        _sessions.ExpectMsg<SessionContract.JoinedRoom>();
        _rooms.ExpectMsg<RoomContract.Enter>(e => e.Room == "quiet");
        Assert.Equal((CloseCodes.ServiceRestart, "service restart"), client.Closed());
        Assert.Single(client.Socket.Closes);
    }

    [Fact]
    public void A_post_that_overtook_the_entry_into_a_moved_room_is_sent_again_once_back_in_before_what_came_after_it()
    {
        var client = Joined("general", TimeSpan.FromMinutes(5));
        client.Send(V1Packets.Send("general", "one", "r1", "c1"));
        var one = _rooms.ExpectMsg<RoomContract.Post>(p => p.Text == "one");

        // The room moved: the old one says so, the connection enters the new one, and the post,
        // which reached the new one first, comes back refused.
        client.Actor.Tell(new RoomContract.RoomStopped("general", new StreamPosition("e", 0)), _rooms.Ref);
        _rooms.ExpectMsg<RoomContract.Enter>(e => e.Room == "general" && e.Since == new StreamPosition("e", 0));
        client.Send(V1Packets.Send("general", "two", "r2", "c2"));
        client.Actor.Tell(new RoomContract.Refused("general", ErrorCodes.NotInRoom, "Join first.", "r1", one), _rooms.Ref);
        _rooms.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        client.Actor.Tell(new RoomContract.Entered("general", new StreamPosition("e", 0), 1, true, []), _rooms.Ref);
        Assert.Equal(one, _rooms.ExpectMsg<RoomContract.Post>());
        Assert.Equal("two", _rooms.ExpectMsg<RoomContract.Post>().Text);

        // Nothing of it reached the client as an error.
        Settle(client.Actor);
        Assert.True(client.Socket.Sent.IsEmpty, string.Join(", ", client.Socket.Sent));
    }

    [Fact]
    public void A_post_refused_not_in_room_for_a_room_the_connection_is_not_in_is_an_error_as_before()
    {
        var client = Joined("general", TimeSpan.FromMinutes(5));
        client.Actor.Tell(new RoomContract.Refused("other", ErrorCodes.NotInRoom, "Join first.", "r9", new RoomContract.Post("other", "s-1", "x", null, "r9")), _rooms.Ref);
        var error = client.Next("error");
        Assert.Equal(ErrorCodes.NotInRoom, error.Str("code"));
    }

    [Fact]
    public void Renames_answered_out_of_order_each_echo_their_own_ref()
    {
        var client = Joined("general", TimeSpan.FromMinutes(5));

        // In a cluster a valid name goes on to its session's entity, maybe on another node, while
        // an invalid one is refused by this node's front at once: the second answer comes first.
        client.Send(V1Packets.Rename("bob", "r1"));
        client.Send(V1Packets.Rename(" ", "r2"));
        client.Send(V1Packets.Rename("carol", "r3"));
        var (first, second, third) = (_sessions.ExpectMsg<SessionContract.Rename>(), _sessions.ExpectMsg<SessionContract.Rename>(), _sessions.ExpectMsg<SessionContract.Rename>());
        client.Actor.Tell(new SessionContract.RenameRefused(ErrorCodes.InvalidName, "no", second.Request), _sessions.Ref);
        client.Actor.Tell(new SessionContract.Renamed("alice", "carol", third.Request), _sessions.Ref);
        client.Actor.Tell(new SessionContract.Renamed("carol", "bob", first.Request), _sessions.Ref);

        var refused = client.Next("error");
        Assert.Equal((ErrorCodes.InvalidName, "r2"), (refused.Str("code"), refused.Ref));
        var renamed = client.Next("renamed");
        Assert.Equal(("carol", "r3"), (renamed.Str("name"), renamed.Ref));
        renamed = client.Next("renamed");
        Assert.Equal(("bob", "r1"), (renamed.Str("name"), renamed.Ref));
    }
}
