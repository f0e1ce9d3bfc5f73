using ActorChat.Actors.Connections;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>What a <c>beej-chat-protocol</c> connection holds while the session registry has not answered its join, and when it gives up waiting.</summary>
public sealed class BeejWaitingTests : ActorChatTestKit
{
    [Fact]
    public void Packets_wait_for_the_registrys_answer_up_to_a_bound_and_the_excess_is_refused_rate_limited()
    {
        var socket = new FakeSocket();
        var sessions = CreateTestProbe();
        var rooms = CreateTestProbe();
        var settings = new ChatSettings { PacketsPerSecond = 1e9, PacketBurst = 1_000_000, FloodTolerance = 1_000_000 };
        var connection = Sys.ActorOf(ConnectionActor.Props(Subprotocols.Beej, 1, "127.0.0.1", socket, rooms, sessions, settings, new ChatMetrics(), NullLogger.Instance));

        // The join is asked; the registry takes its time.
        connection.Tell(Packets.Frame(Packets.Join("alice")));
        sessions.ExpectMsg<SessionContract.Hello>();
        for (var i = 0; i < BeejConnection.MaxWaiting + 3; i++)
        {
            connection.Tell(Packets.Frame(Packets.Message("alice", $"m{i}")));
        }

        // Past the bound each packet is refused at once; the held ones are not.
        WaitUntil(() => socket.Sent.Count == 3);
        Assert.All(socket.Sent, frame => Assert.Equal("rate-limited", Packets.Read(frame).Payload.GetProperty("code").GetString()));

        // Answered: the held messages are posted, in order, and nothing else was lost or sent twice.
        sessions.Reply(new SessionContract.Welcomed("s1", "alice", null, false, []));
        rooms.ExpectMsg<RoomContract.Enter>();
        var posts = Enumerable.Range(0, BeejConnection.MaxWaiting).Select(_ => rooms.ExpectMsg<RoomContract.Post>().Text).ToList();
        Assert.Equal(Enumerable.Range(0, BeejConnection.MaxWaiting).Select(i => $"m{i}"), posts);
        rooms.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_join_nobody_answers_closes_the_connection_with_1012_and_logs_2108_so_the_client_joins_again()
    {
        var (connection, socket, sessions, logger) = Connection(TimeSpan.FromMilliseconds(300));
        connection.Tell(Packets.Frame(Packets.Join("alice")));
        sessions.ExpectMsg<SessionContract.Hello>();

        WaitUntil(() => !socket.Closes.IsEmpty);
        Assert.Equal((CloseCodes.ServiceRestart, "service restart"), Assert.Single(socket.Closes));
        var logged = Assert.Single(logger.Entries, e => e.EventId == 2108);
        Assert.Contains("chat-join", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rename_nobody_answers_closes_the_connection_with_1012_after_an_answered_join()
    {
        var (connection, socket, sessions, logger) = Connection(TimeSpan.FromMilliseconds(300));
        connection.Tell(Packets.Frame(Packets.Join("alice")));
        sessions.ExpectMsg<SessionContract.Hello>();
        sessions.Reply(new SessionContract.Welcomed("s1", "alice", null, false, []));
        sessions.ExpectMsg<SessionContract.JoinedRoom>();

        connection.Tell(Packets.Frame(Packets.Join("bob")));
        sessions.ExpectMsg<SessionContract.Rename>();
        WaitUntil(() => !socket.Closes.IsEmpty);
        Assert.Equal((CloseCodes.ServiceRestart, "service restart"), Assert.Single(socket.Closes));
        Assert.Contains("its rename", Assert.Single(logger.Entries, e => e.EventId == 2108).Message, StringComparison.Ordinal);
    }

    private (IActorRef Connection, FakeSocket Socket, Akka.TestKit.TestProbe Sessions, ListLogger Logger) Connection(TimeSpan answerTimeout)
    {
        var socket = new FakeSocket();
        var sessions = CreateTestProbe();
        var logger = new ListLogger();
        var settings = new ChatSettings { AnswerTimeout = answerTimeout };
        var connection = Sys.ActorOf(ConnectionActor.Props(Subprotocols.Beej, 1, "127.0.0.1", socket, CreateTestProbe(), sessions, settings, new ChatMetrics(), logger));
        return (connection, socket, sessions, logger);
    }
}
