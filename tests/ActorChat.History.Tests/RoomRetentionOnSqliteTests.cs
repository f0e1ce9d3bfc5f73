using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.History.Tests;

/// <summary>
/// Retention by age of a real room on a real SQLite file: on its timer while awake, when it wakes,
/// and for a room asleep, by the <see cref="RoomRetentionSweeper"/> that wakes it.
/// </summary>
public sealed class RoomRetentionOnSqliteTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly RoomLimits _limits = new() { MaxAge = TimeSpan.FromMinutes(1) };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task An_awake_room_nobody_posts_to_trims_messages_past_their_age_on_its_timer()
    {
        await using var host = await HistoryHost.StartAsync(_folder.Sqlite());
        var room = Room(host.System, new RoomSettings { RetentionInterval = TimeSpan.FromMilliseconds(100) });
        await PostThreeAsync(host.System, room);

        _time.Advance(TimeSpan.FromMinutes(2));

        // Nobody posts and nobody enters: only the retention timer can trim.
        var status = await RoomOnStore.StatusWhenAsync(room, s => s.FirstKeptOffset == 4);
        Assert.Equal(3, status.Position.Offset);
    }

    [Fact]
    public async Task A_room_trims_messages_past_their_age_when_it_wakes()
    {
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = Room(host.System, new RoomSettings());
            await PostThreeAsync(host.System, room);
            await HistoryHost.StopAsync(room);
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            // The first answer of the woken room already has them trimmed (and the timer is an hour away).
            var status = await HistoryHost.AskAsync<RoomContract.Status>(Room(host.System, new RoomSettings()), new RoomContract.GetStatus("general"));
            Assert.Equal((3L, 4L), (status.Position.Offset, status.FirstKeptOffset));
        }
    }

    [Fact]
    public async Task A_room_asleep_is_woken_by_the_sweep_and_trims_messages_past_their_age()
    {
        var options = _folder.Sqlite();
        await using var host = await HistoryHost.StartAsync(options);
        var settings = new RoomSettings { RetentionInterval = TimeSpan.FromMilliseconds(200) };
        var rooms = host.System.ActorOf(Props.Create(() => new OnDemandRooms(_limits, settings, _time)), "rooms");
        var room = host.System.ActorOf(RoomActor.Props("general", _limits, settings, NullLogger.Instance, _time), "general-first");
        await PostThreeAsync(host.System, room);
        await HistoryHost.StopAsync(room);
        _time.Advance(TimeSpan.FromMinutes(2));

        var listIds = HistoryQueries.PersistenceIds(host.System, options);
        Assert.NotNull(listIds);
        host.System.ActorOf(RoomRetentionSweeper.Props(rooms, listIds, settings, NullLogger.Instance), "retention-sweep");

        // Read from the store, not the room (asking it would wake it, which trims by itself).
        var journal = PersistenceQuery.Get(host.System).ReadJournalFor<SqlReadJournal>(ChatHistory.SqliteQueryJournalId);
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (true)
        {
            var events = await journal.CurrentEventsByPersistenceId("room-general", 0, long.MaxValue)
                .RunWith(Sink.Seq<EventEnvelope>(), host.System.Materializer())
                .WaitAsync(HistoryHost.Timeout);
            if (events.Select(e => e.Event).OfType<HistoryTrimmed>().SingleOrDefault() is { } trimmed)
            {
                Assert.Equal(4, trimmed.FirstKeptOffset);
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The sweep never woke the room asleep to trim it.");
            await Task.Delay(50);
        }
    }

    private IActorRef Room(ActorSystem system, RoomSettings settings) =>
        system.ActorOf(RoomActor.Props("general", _limits, settings, NullLogger.Instance, _time), "room-general");

    private static async Task PostThreeAsync(ActorSystem system, IActorRef room)
    {
        var member = Inbox.Create(system);
        room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
        Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
        for (var i = 1; i <= 3; i++)
        {
            room.Tell(new RoomContract.Post("general", "1", $"message {i}", $"c{i}", $"p{i}"), member.Receiver);
        }

        Assert.Equal(1, (await RoomOnStore.StatusWhenAsync(room, s => s.Position.Offset == 3)).FirstKeptOffset);
        room.Tell(new RoomContract.Leave("general", "1", "l1"), member.Receiver);
    }

    /// <summary>The routing point the sweep talks to: a room's actor on its first message, stopped when it asks to passivate.</summary>
    private sealed class OnDemandRooms : ReceiveActor
    {
        public OnDemandRooms(RoomLimits limits, RoomSettings settings, TimeProvider time)
        {
            Receive<IWithRoom>(m =>
            {
                var room = Context.Child(m.Room);
                if (room.IsNobody())
                {
                    room = Context.ActorOf(RoomActor.Props(m.Room, limits, settings, NullLogger.Instance, time), m.Room);
                }

                room.Forward(m);
            });
            Receive<Passivate>(p => Sender.Tell(p.StopMessage));
            Receive<RoomContract.Occupancy>(_ => { });
        }
    }
}
