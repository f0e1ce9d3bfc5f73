using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;

namespace ActorChat.History.Tests;

/// <summary>A real room (<see cref="RoomActor"/>) persisting to a real SQLite file through the server's history wiring.</summary>
public sealed class RoomOnSqliteTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public Task A_rooms_history_epoch_and_offsets_survive_a_new_actor_system_on_the_same_file() =>
        RoomOnStore.HistoryEpochAndOffsetsSurviveANewActorSystemAsync(_folder.Sqlite());

    [Fact]
    public async Task Snapshots_are_written_to_their_own_file_and_a_new_actor_system_recovers_from_them()
    {
        var journal = Path.Combine(_folder.Path, "history.db");
        var snapshots = Path.Combine(_folder.Path, "history.snapshots.db");
        var settings = new RoomSettings { SnapshotEvery = 5 };
        string epoch;
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = RoomOnStore.Room(host.System, settings: settings);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            for (var i = 1; i <= 12; i++)
            {
                room.Tell(new RoomContract.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
            }

            epoch = (await RoomOnStore.StatusWhenAsync(room, s => s.Position.Offset == 12)).Position.Epoch;

            // A snapshot is saved after the write that reaches SnapshotEvery, asynchronously: wait
            // for it in the second file (WAL like the first); the journal's file has none, so a
            // snapshot never holds the journal's write lock.
            var deadline = DateTime.UtcNow + HistoryHost.Timeout;
            while (SnapshotCount(snapshots) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "No snapshot was written to the snapshot file.");
                await Task.Delay(20);
            }

            Assert.Equal("wal", TestData.Query(snapshots, "PRAGMA journal_mode"));
            Assert.Equal(0, TestData.Count(journal, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'snapshot'"));
            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = RoomOnStore.Room(host.System, settings: settings);
            Assert.Equal(new StreamPosition(epoch, 12), (await RoomOnStore.StatusWhenAsync(room, _ => true)).Position);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 2), null, "j2"), member.Receiver);
            Assert.True(Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout)).Recovered);
        }
    }

    private static long SnapshotCount(string path) =>
        TestData.Count(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'snapshot'") == 0 ? 0 : TestData.Count(path, "SELECT COUNT(*) FROM snapshot");
}
