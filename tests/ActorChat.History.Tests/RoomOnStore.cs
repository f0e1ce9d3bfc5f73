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
    /// back in the same epoch at offset 3, a retried send is not posted again, and offsets go on.
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

            var status = await StatusWhenAsync(room, s => s.Position.Offset == 3);
            epoch = status.Position.Epoch;
            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(options))
        {
            var room = Room(host.System);
            var status = await StatusWhenAsync(room, _ => true);
            Assert.Equal(new StreamPosition(epoch, 3), status.Position);

            // A retried send (same session, same cid) after the restart is not posted again.
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 1), null, "j2"), member.Receiver);
            var entered = Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            Assert.True(entered.Recovered);
            room.Tell(new RoomContract.Post("general", "1", "message 3", "c3", "p3-again"), member.Receiver);
            room.Tell(new RoomContract.Post("general", "1", "message 4", "c4", "p4"), member.Receiver);
            Assert.Equal(4, (await StatusWhenAsync(room, s => s.Position.Offset >= 4)).Position.Offset);
        }
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
