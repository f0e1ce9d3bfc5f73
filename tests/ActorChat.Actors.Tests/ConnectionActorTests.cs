using ActorChat.Actors;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests;

public sealed class ConnectionActorTests : ActorChatTestKit
{
    private static readonly ChatSettings Unlimited = new() { PacketsPerSecond = 1e6, PacketBurst = 1_000_000, NameChangesPerSecond = 1e6, NameChangeBurst = 1_000_000 };

    private readonly FakeSocket _socket = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ChatMetrics _metrics = new();

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    private (IActorRef Connection, Akka.TestKit.TestProbe Room) Start(ChatSettings? settings = null)
    {
        var room = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(7, "test", _socket, room.Ref, settings ?? Unlimited, _metrics, NullLogger.Instance, _time));
        return (connection, room);
    }

    /// <summary>
    /// Returns once the connection has handled everything told to it so far: an Identify is
    /// answered in mailbox order. What it told the room (a test probe, which queues synchronously)
    /// is queued by then, so a check that nothing came is not a guess at how long to wait.
    /// </summary>
    private void Settle(IActorRef connection)
    {
        connection.Tell(new Identify(null));
        ExpectMsg<ActorIdentity>();
    }

    private void AssertRoomToldNothing(IActorRef connection, Akka.TestKit.TestProbe room)
    {
        Settle(connection);
        room.ExpectNoMsg(TimeSpan.Zero);
    }

    private (string Type, System.Text.Json.JsonElement Payload) NextSent()
    {
        string? json = null;
        WaitUntil(() => _socket.Sent.TryDequeue(out json));
        return Packets.Read(json!);
    }

    [Fact]
    public void Forwards_a_join_untrimmed_for_the_room_to_judge()
    {
        var (connection, room) = Start();
        connection.Tell(Packets.Frame(Packets.Join("  alice ")));
        Assert.Equal("  alice ", room.ExpectMsg<RoomActor.Join>().Username);
    }

    [Fact]
    public void Forwards_a_message_trimmed_and_drops_a_blank_one()
    {
        var (connection, room) = Start();
        connection.Tell(Packets.Frame(Packets.Message(" alice ", "   ")));
        connection.Tell(Packets.Frame(Packets.Message(" alice ", "  hi there \n")));
        var say = room.ExpectMsg<RoomActor.Say>();
        Assert.Equal(("alice", "hi there"), (say.Username, say.Message));
        AssertRoomToldNothing(connection, room);
    }

    [Theory]
    [InlineData("not json", ErrorCodes.InvalidJson)]
    [InlineData("{\"type\":\"chat-join\",", ErrorCodes.InvalidJson)]
    [InlineData("", ErrorCodes.InvalidJson)]
    [InlineData("null", ErrorCodes.InvalidPacket)]
    [InlineData("[]", ErrorCodes.InvalidPacket)]
    [InlineData("\"chat-join\"", ErrorCodes.InvalidPacket)]
    [InlineData("{}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\"}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":\"bob\"}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{\"username\":5}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{\"username\":null}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-message\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-message\",\"payload\":{\"username\":\"a\",\"message\":[]}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":7,\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"type\":\"chat-message\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"__proto__\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.UnknownType)]
    [InlineData("{\"type\":\"chat-leave\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.UnknownType)]
    public void Answers_malformed_input_with_an_error_and_tells_the_room_nothing(string frame, string code)
    {
        var (connection, room) = Start();
        connection.Tell(Packets.Frame(frame));
        var (type, payload) = NextSent();
        Assert.Equal(PacketTypes.Error, type);
        Assert.Equal(code, payload.Str("code"));
        Assert.Equal("", payload.Str("username"));
        Assert.False(string.IsNullOrWhiteSpace(payload.Str("message")));
        AssertRoomToldNothing(connection, room);
    }

    [Fact]
    public void Deeply_nested_json_is_an_error_not_a_crash()
    {
        var (connection, room) = Start();
        connection.Tell(Packets.Frame(new string('[', 10_000) + new string(']', 10_000)));
        Assert.Equal(PacketTypes.Error, NextSent().Type);
        connection.Tell(Packets.Frame(Packets.Join("alice")));
        room.ExpectMsg<RoomActor.Join>();
    }

    [Fact]
    public void Errors_carry_the_bound_name_once_the_room_accepted_it()
    {
        var (connection, _) = Start();
        connection.Tell(new RoomActor.NameAccepted("alice"));
        connection.Tell(Packets.Frame("{}"));
        Assert.Equal("alice", NextSent().Payload.Str("username"));
    }

    [Fact]
    public void Refuses_a_message_over_the_length_limit()
    {
        var (connection, room) = Start(Unlimited with { MaxMessageLength = 10 });
        connection.Tell(Packets.Frame(Packets.Message("alice", new string('x', 11))));
        Assert.Equal(ErrorCodes.MessageTooLong, NextSent().Payload.Str("code"));
        connection.Tell(Packets.Frame(Packets.Message("alice", new string('x', 10))));
        Assert.Equal(new string('x', 10), room.ExpectMsg<RoomActor.Say>().Message);
    }

    [Fact]
    public void Relays_room_refusals_as_errors()
    {
        var (connection, _) = Start();
        connection.Tell(new RoomActor.Refused(ErrorCodes.NameTaken, "taken"));
        var (type, payload) = NextSent();
        Assert.Equal((PacketTypes.Error, ErrorCodes.NameTaken, "taken"), (type, payload.Str("code"), payload.Str("message")));
    }

    [Fact]
    public void Writes_delivered_frames_in_order_one_at_a_time()
    {
        _socket.HoldSends = true;
        var (connection, _) = Start();
        for (var i = 0; i < 50; i++)
        {
            connection.Tell(new ConnectionActor.Deliver(ChatProtocol.EncodeMessage("bob", $"m{i}")));
        }

        for (var i = 0; i < 50; i++)
        {
            WaitUntil(() => _socket.Sent.Count == i + 1);
            Assert.Equal($"m{i}", Packets.Read(_socket.Sent.ToArray()[i]).Payload.Str("message"));
            Assert.True(_socket.ReleaseOne());
        }

        Assert.False(_socket.Overlapped);
    }

    [Fact]
    public void Closes_a_slow_consumer_with_3008_when_its_queue_exceeds_the_bound()
    {
        _socket.HoldSends = true;
        var frame = ChatProtocol.EncodeMessage("bob", new string('x', 100));
        var (connection, _) = Start(Unlimited with { MaxOutboundBytes = frame.Length * 10 });
        for (var i = 0; i < 10; i++)
        {
            connection.Tell(new ConnectionActor.Deliver(frame));
        }

        Settle(connection);
        Assert.Empty(_socket.Closes);
        connection.Tell(new ConnectionActor.Deliver(frame));
        WaitUntil(() => !_socket.Closes.IsEmpty);
        Assert.Equal(CloseCodes.SlowConsumer, _socket.Closes.Single().Code);
        Assert.Single(_socket.Sent);
    }

    [Fact]
    public void A_graceful_close_flushes_the_queue_first()
    {
        _socket.HoldSends = true;
        var (connection, _) = Start();
        connection.Tell(new ConnectionActor.Deliver(ChatProtocol.EncodeMessage("bob", "one")));
        connection.Tell(new ConnectionActor.Deliver(ChatProtocol.EncodeMessage("bob", "two")));
        connection.Tell(new ConnectionActor.Close(CloseCodes.GoingAway, "server shutting down"));
        WaitUntil(() => _socket.Sent.Count == 1);
        Assert.Empty(_socket.Closes);
        _socket.ReleaseOne();
        WaitUntil(() => _socket.Sent.Count == 2);
        Assert.Empty(_socket.Closes);
        _socket.ReleaseOne();
        WaitUntil(() => !_socket.Closes.IsEmpty);
        Assert.Equal((CloseCodes.GoingAway, "server shutting down"), _socket.Closes.Single());
    }

    [Fact]
    public void Rate_limits_packets_and_closes_a_flooder_with_1008()
    {
        var settings = new ChatSettings { PacketsPerSecond = 1, PacketBurst = 3, FloodTolerance = 5 };
        var (connection, room) = Start(settings);
        for (var i = 0; i < 3; i++)
        {
            connection.Tell(Packets.Frame(Packets.Message("a", $"m{i}")));
        }

        room.ReceiveN(3);
        connection.Tell(Packets.Frame(Packets.Message("a", "over")));
        Assert.Equal(ErrorCodes.RateLimited, NextSent().Payload.Str("code"));
        AssertRoomToldNothing(connection, room);

        _time.Advance(TimeSpan.FromSeconds(1));
        connection.Tell(Packets.Frame(Packets.Message("a", "allowed again")));
        Assert.Equal("allowed again", room.ExpectMsg<RoomActor.Say>().Message);

        for (var i = 0; i < 10; i++)
        {
            connection.Tell(Packets.Frame(Packets.Message("a", "flood")));
        }

        WaitUntil(() => !_socket.Closes.IsEmpty);
        Assert.Equal(CloseCodes.PolicyViolation, _socket.Closes.Single().Code);
        AssertRoomToldNothing(connection, room);
    }

    [Fact]
    public void Rate_limits_name_changes_but_still_posts_the_message_under_the_bound_name()
    {
        var settings = Unlimited with { NameChangesPerSecond = 0.001, NameChangeBurst = 1 };
        var (connection, room) = Start(settings);
        connection.Tell(Packets.Frame(Packets.Join("alice")));
        room.ExpectMsg<RoomActor.Join>();
        connection.Tell(new RoomActor.NameAccepted("alice"));
        connection.Tell(Packets.Frame(Packets.Message("mallory", "hello")));
        var say = room.ExpectMsg<RoomActor.Say>();
        Assert.Equal((null, "hello"), (say.Username, say.Message));
        Assert.Equal(ErrorCodes.RateLimited, NextSent().Payload.Str("code"));
    }

    [Fact]
    public void The_bound_name_written_another_way_in_NFC_terms_is_not_a_rename()
    {
        // A client that sends its name decomposed (e + U+0301) in every message, as bound in NFC:
        // the same name, so no rename attempt, and no name-change token spent on it.
        var settings = Unlimited with { NameChangesPerSecond = 0.001, NameChangeBurst = 1 };
        var (connection, room) = Start(settings);
        connection.Tell(Packets.Frame(Packets.Join("alice\u0301")));
        room.ExpectMsg<RoomActor.Join>();
        connection.Tell(new RoomActor.NameAccepted("alic\u00E9"));
        for (var i = 0; i < 3; i++)
        {
            connection.Tell(Packets.Frame(Packets.Message("alice\u0301", $"hello {i}")));
            var say = room.ExpectMsg<RoomActor.Say>();
            Assert.Equal(("alic\u00E9", $"hello {i}"), (say.Username, say.Message));
        }

        Settle(connection);
        Assert.Empty(_socket.Sent);
    }

    [Fact]
    public void Rate_limits_joins()
    {
        var (connection, room) = Start(Unlimited with { NameChangesPerSecond = 1, NameChangeBurst = 2 });
        connection.Tell(Packets.Frame(Packets.Join("a")));
        connection.Tell(Packets.Frame(Packets.Join("b")));
        connection.Tell(Packets.Frame(Packets.Join("c")));
        Assert.Equal(["a", "b"], room.ReceiveN(2).Cast<RoomActor.Join>().Select(j => j.Username));
        Assert.Equal(ErrorCodes.RateLimited, NextSent().Payload.Str("code"));
        AssertRoomToldNothing(connection, room);

        _time.Advance(TimeSpan.FromSeconds(1));
        connection.Tell(Packets.Frame(Packets.Join("d")));
        Assert.Equal("d", room.ExpectMsg<RoomActor.Join>().Username);
    }

    [Fact]
    public void Stops_when_the_socket_closed()
    {
        var (connection, _) = Start();
        Watch(connection);
        connection.Tell(ConnectionActor.SocketClosed.Instance);
        ExpectTerminated(connection);
    }

    /// <summary>
    /// A real exception, under the server's supervision settings (ActorChatTestKit): the actor is
    /// stopped, not restarted (a restart would also close the socket, from PreRestart, but leave
    /// the actor alive and the room none the wiser), and its socket is closed with 1011 once.
    /// </summary>
    [Fact]
    public void A_connection_that_throws_is_stopped_not_restarted_and_closes_its_socket_with_1011()
    {
        var (connection, _) = Start();
        Watch(connection);
        connection.Tell(new ConnectionActor.Deliver(ChatProtocol.EncodeMessage("bob", "before")));
        WaitUntil(() => _socket.Sent.Count == 1);

        // A Deliver without a frame list: OnDeliver throws a NullReferenceException.
        connection.Tell(new ConnectionActor.Deliver((IReadOnlyList<ReadOnlyMemory<byte>>)null!));

        ExpectTerminated(connection);
        Assert.Equal((CloseCodes.InternalError, "internal error"), Assert.Single(_socket.Closes));
    }
}
