using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using static ActorChat.History.Tests.RoomOnStore;

namespace ActorChat.History.Tests;

/// <summary>A real room (<see cref="RoomActor"/>) persisting to a real PostgreSQL database through the server's history wiring.</summary>
public sealed class RoomOnPostgreSqlTests : IAsyncLifetime
{
    private TestPostgres _db = null!;

    private HistoryOptions Options => new() { Provider = HistoryOptions.PostgreSql, ConnectionString = _db.ConnectionString };

    public async Task InitializeAsync() => _db = await TestPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [Fact]
    public Task A_rooms_history_epoch_and_offsets_survive_a_new_actor_system_on_the_same_database() =>
        HistoryEpochAndOffsetsSurviveANewActorSystemAsync(Options);

    [Fact]
    public async Task Retention_snapshots_the_room_deletes_its_journal_up_to_the_oldest_kept_message_and_a_new_actor_system_recovers_from_the_snapshot()
    {
        var limits = new RoomLimits { MaxMessagesPerRoom = 3 };
        var settings = new RoomSettings { SnapshotEvery = 1 };
        string epoch;
        await using (var host = await HistoryHost.StartAsync(Options))
        {
            var room = Room(host.System, limits, settings);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            for (var i = 1; i <= 6; i++)
            {
                room.Tell(new RoomContract.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
            }

            var status = await StatusWhenAsync(room, s => s.Position.Offset == 6 && s.FirstKeptOffset == 4);
            epoch = status.Position.Epoch;

            // Sequence numbers: 1 the history's start, 2-7 messages 1-6. Once the snapshot is saved,
            // the rows before the oldest kept message (4, sequence number 5) go.
            await WaitForAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-general' AND sequence_number < 5 AND NOT deleted", 0);
            Assert.Equal(3, await _db.CountAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-general' AND NOT deleted AND manifest = 'pst2'"));
            Assert.True(
                await _db.CountAsync("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'room-general' AND serializer_id = @id AND manifest = 'rsn2'", ("id", HistorySerializer.SerializerId)) >= 1,
                "The room saved no snapshot through HistorySerializer.");
            await HistoryHost.StopAsync(room);
        }

        // Recovery starts from the snapshot: without it the history's start would be gone from the journal.
        await using (var host = await HistoryHost.StartAsync(Options))
        {
            var room = Room(host.System, limits, settings);
            var status = await StatusWhenAsync(room, _ => true);
            Assert.Equal((new StreamPosition(epoch, 6), 4L), (status.Position, status.FirstKeptOffset));

            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j2"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            room.Tell(new RoomContract.Post("general", "1", "message 7", "c7", "p7"), member.Receiver);
            status = await StatusWhenAsync(room, s => s.Position.Offset == 7);
            Assert.Equal((epoch, 5L), (status.Position.Epoch, status.FirstKeptOffset));
        }
    }

    /// <summary>Queries until <paramref name="sql"/> counts <paramref name="expected"/> (bounded by the suite's timeout).</summary>
    private async Task WaitForAsync(string sql, long expected)
    {
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (true)
        {
            var count = await _db.CountAsync(sql);
            if (count == expected)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{sql}: {count}, expected {expected}");
            await Task.Delay(50);
        }
    }
}
