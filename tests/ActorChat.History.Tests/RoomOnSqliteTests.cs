using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.History.Tests;

/// <summary>A real room (<see cref="RoomEntity"/>) persisting to a real SQLite file through the server's history wiring.</summary>
public sealed class RoomOnSqliteTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_rooms_history_epoch_and_offsets_survive_a_new_actor_system_on_the_same_file()
    {
        string epoch;
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = Room(host.System);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomEntity.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomEntity.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            for (var i = 1; i <= 3; i++)
            {
                room.Tell(new RoomEntity.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
            }

            var status = await StatusWhenAsync(room, s => s.Position.Offset == 3);
            epoch = status.Position.Epoch;
            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = Room(host.System);
            var status = await StatusWhenAsync(room, _ => true);
            Assert.Equal(new StreamPosition(epoch, 3), status.Position);

            // A retried send (same session, same cid) after the restart is not posted again.
            var member = Inbox.Create(host.System);
            room.Tell(new RoomEntity.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 1), null, "j2"), member.Receiver);
            var entered = Assert.IsType<RoomEntity.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            Assert.True(entered.Recovered);
            room.Tell(new RoomEntity.Post("general", "1", "message 3", "c3", "p3-again"), member.Receiver);
            room.Tell(new RoomEntity.Post("general", "1", "message 4", "c4", "p4"), member.Receiver);
            Assert.Equal(4, (await StatusWhenAsync(room, s => s.Position.Offset >= 4)).Position.Offset);
        }
    }

    [Fact]
    public async Task Snapshots_are_written_to_their_own_file_and_a_new_actor_system_recovers_from_them()
    {
        var journal = Path.Combine(_folder.Path, "history.db");
        var snapshots = Path.Combine(_folder.Path, "history.snapshots.db");
        var settings = new RoomSettings { SnapshotEvery = 5 };
        string epoch;
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = Room(host.System, settings);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomEntity.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomEntity.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            for (var i = 1; i <= 12; i++)
            {
                room.Tell(new RoomEntity.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
            }

            epoch = (await StatusWhenAsync(room, s => s.Position.Offset == 12)).Position.Epoch;
            await HistoryHost.StopAsync(room);
        }

        // The snapshots are in the second file (WAL like the first), none in the journal's file.
        Assert.Equal("wal", TestData.Query(snapshots, "PRAGMA journal_mode"));
        Assert.True(TestData.Count(snapshots, "SELECT COUNT(*) FROM snapshot") >= 1);
        Assert.Equal(0, TestData.Count(journal, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'snapshot'"));

        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = Room(host.System, settings);
            Assert.Equal(new StreamPosition(epoch, 12), (await StatusWhenAsync(room, _ => true)).Position);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomEntity.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 2), null, "j2"), member.Receiver);
            Assert.True(Assert.IsType<RoomEntity.Entered>(await member.ReceiveAsync(HistoryHost.Timeout)).Recovered);
        }
    }

    private static IActorRef Room(ActorSystem system, RoomSettings? settings = null) =>
        system.ActorOf(RoomEntity.Props("general", new RoomLimits(), settings ?? new RoomSettings(), NullLogger.Instance), "room-general");

    /// <summary>Asks the room for its status until <paramref name="condition"/> holds (bounded by the suite's timeout).</summary>
    private static async Task<RoomEntity.Status> StatusWhenAsync(IActorRef room, Func<RoomEntity.Status, bool> condition)
    {
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (true)
        {
            var status = await HistoryHost.AskAsync<RoomEntity.Status>(room, new RoomEntity.GetStatus("general"));
            if (condition(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The room never reached the expected state; last: {status}");
            await Task.Delay(20);
        }
    }
}
