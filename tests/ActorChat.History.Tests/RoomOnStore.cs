using System.Text.Json;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.History.Tests;

/// <summary>
/// What a real room (<see cref="RoomActor"/>) must keep on a durable store through the server's
/// history wiring, whichever store it is (<see cref="RoomOnSqliteTests"/>, <see cref="RoomOnPostgreSqlTests"/>).
/// </summary>
internal static class RoomOnStore
{
    /// <summary>
    /// Three messages posted, the actor system stopped, a new one on the same store: the room comes
    /// back in the same epoch at offset 3, a retried send is acked with its message's offset and not
    /// posted again (the message stored there is still the first one sent), and offsets go on.
    /// </summary>
    public static async Task HistoryEpochAndOffsetsSurviveANewActorSystemAsync(HistoryOptions options)
    {
        string epoch;
        await using (var host = await HistoryHost.StartAsync(options))
        {
            var room = Room(host.System);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            for (var i = 1; i <= 3; i++)
            {
                room.Tell(new RoomContract.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
            }

            var acks = await AcksAsync(member, "p1", "p2", "p3");
            Assert.Equal([1L, 2, 3], [acks["p1"], acks["p2"], acks["p3"]]);
            var status = await StatusWhenAsync(room, s => s.Position.Offset == 3);
            epoch = status.Position.Epoch;
            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(options))
        {
            var room = Room(host.System);
            var status = await StatusWhenAsync(room, _ => true);
            Assert.Equal(new StreamPosition(epoch, 3), status.Position);

            // A retried send (same session, same cid, another text) after the restart is acked with
            // the offset its first send got, and not posted again.
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 1), null, "j2"), member.Receiver);
            var entered = Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            Assert.True(entered.Recovered);
            Assert.Equal([(2L, "message 2"), (3L, "message 3")], JoinedMessages(entered));
            room.Tell(new RoomContract.Post("general", "1", "message 3, retried", "c3", "p3-again"), member.Receiver);
            room.Tell(new RoomContract.Post("general", "1", "message 4", "c4", "p4"), member.Receiver);
            var acks = await AcksAsync(member, "p3-again", "p4");
            Assert.Equal((3L, 4L), (acks["p3-again"], acks["p4"]));
            Assert.Equal(4, (await StatusWhenAsync(room, s => s.Position.Offset >= 4)).Position.Offset);

            // What is stored at the retried offset is the first send; nothing after the new one.
            var reader = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "2", "bob", reader.Receiver, Subprotocols.V1, new StreamPosition(epoch, 2), null, "j3"), reader.Receiver);
            var read = Assert.IsType<RoomContract.Entered>(await reader.ReceiveAsync(HistoryHost.Timeout));
            Assert.Equal([(3L, "message 3"), (4L, "message 4")], JoinedMessages(read));
        }
    }

    /// <summary>
    /// Reads what the room sent <paramref name="member"/> until it has the <c>ack</c> of every one
    /// of <paramref name="refs"/> (bounded by the suite's timeout); returns each one's offset.
    /// </summary>
    public static async Task<Dictionary<string, long>> AcksAsync(Inbox member, params string[] refs)
    {
        var acks = new Dictionary<string, long>();
        while (!refs.All(acks.ContainsKey))
        {
            if (await member.ReceiveAsync(HistoryHost.Timeout) is not ConnectionActor.Deliver deliver)
            {
                continue;
            }

            foreach (var frame in deliver.Frames)
            {
                using var json = JsonDocument.Parse(frame);
                var root = json.RootElement;
                if (root.GetProperty("type").GetString() == "ack" && root.TryGetProperty("ref", out var @ref) && @ref.GetString() is { } name)
                {
                    Assert.True(acks.TryAdd(name, root.GetProperty("payload").GetProperty("offset").GetInt64()), $"A second ack for {name}.");
                }
            }
        }

        return acks;
    }

    /// <summary>The offsets and texts of the messages in the <c>joined</c> frame of <paramref name="entered"/>.</summary>
    public static List<(long Offset, string? Text)> JoinedMessages(RoomContract.Entered entered)
    {
        using var json = JsonDocument.Parse(Assert.Single(entered.Frames));
        var joined = json.RootElement;
        Assert.Equal("joined", joined.GetProperty("type").GetString());
        return [.. joined.GetProperty("payload").GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("offset").GetInt64(), m.GetProperty("text").GetString()))];
    }

    public static IActorRef Room(ActorSystem system, RoomLimits? limits = null, RoomSettings? settings = null) =>
        system.ActorOf(RoomActor.Props("general", limits ?? new RoomLimits(), settings ?? new RoomSettings(), NullLogger.Instance), "room-general");

    /// <summary>Asks the room for its status until <paramref name="condition"/> holds (bounded by the suite's timeout).</summary>
    public static async Task<RoomContract.Status> StatusWhenAsync(IActorRef room, Func<RoomContract.Status, bool> condition)
    {
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (true)
        {
            var status = await HistoryHost.AskAsync<RoomContract.Status>(room, new RoomContract.GetStatus("general"));
            if (condition(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The room never reached the expected state; last: {status}");
            await Task.Delay(20);
        }
    }
}
