using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>RoomActor: history pages, journal reads past the tail, recovery, retention and snapshots, serialization.</summary>
public class RoomActorHistoryTests : RoomActorTestKit
{
    public RoomActorHistoryTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorHistoryTests(Config extra)
        : base(extra)
    {
    }

    private Frame History(IActorRef room, long? before, int? limit, string requestRef = "h")
    {
        room.Tell(new RoomContract.ReadHistory("general", before, limit, requestRef), TestActor);
        var frame = Frame.Parse(Assert.Single(ExpectMsg<ConnectionActor.Deliver>().Frames));
        Assert.Equal(("history", requestRef, "general"), (frame.Type, frame.Ref, frame.Str("room")));
        return frame;
    }

    private static bool More(Frame history) => history.Payload.GetProperty("more").GetBoolean();

    private (IActorRef Room, Member Alice, string Epoch) RoomWith(int messages)
    {
        var room = StartRoom();
        var alice = NewMember("alice");
        var epoch = Enter(room, alice).Entered.Position.Epoch;
        for (var i = 1; i <= messages; i++)
        {
            PostAcked(room, alice, $"m{i}", cid: $"c{i}");
        }

        return (room, alice, epoch);
    }

    private void Restart(ref IActorRef room)
    {
        Watch(room);
        room.Tell(RoomContract.StopRoom.Instance);
        ExpectTerminated(room);
        room = StartRoom();
    }

    [Theory]
    [InlineData(1000)] // every page from memory
    [InlineData(3)] // older pages read from the journal
    public void History_pages_go_back_to_the_first_message_oldest_first(int tail)
    {
        Limits = Limits with { TailMessages = tail };
        var (room, _, _) = RoomWith(10);

        var newest = History(room, before: null, limit: 4);
        Assert.Equal([7L, 8, 9, 10], newest.Offsets());
        Assert.True(More(newest));
        var older = History(room, before: 7, limit: 4);
        Assert.Equal([3L, 4, 5, 6], older.Offsets());
        Assert.True(More(older));
        Assert.Equal(["m3", "m4", "m5", "m6"], older.Texts());
        var oldest = History(room, before: 3, limit: 4);
        Assert.Equal([1L, 2], oldest.Offsets());
        Assert.False(More(oldest));
        Assert.Equal("c1", oldest.Payload.GetProperty("messages")[0].GetProperty("cid").GetString());
    }

    [Fact]
    public void A_join_reaching_past_the_tail_reads_the_journal_and_its_live_events_wait_behind_its_joined()
    {
        Limits = Limits with { TailMessages = 2, PresenceInterval = TimeSpan.FromHours(1) };
        var (room, alice, epoch) = RoomWith(6);

        SteerJournal(new TestJournal.HoldReplays());
        var bob = NewMember("bob");
        room.Tell(new RoomContract.Enter("general", bob.SessionId, "bob", bob.Probe.Ref, Subprotocols.V1, new StreamPosition(epoch, 1), null, "j"), bob.Probe.Ref);
        Assert.Equal(7, PostAcked(room, alice, "live"));
        alice.Next("message");
        StatusOf(room); // the room is done with the batch: whatever it told bob is in bob's queue
        bob.Probe.ExpectNoMsg(TimeSpan.Zero);

        SteerJournal(new TestJournal.ReleaseReplays());
        var entered = bob.Probe.ExpectMsg<RoomContract.Entered>(); // strictly first: nothing before it
        var joined = Frame.Parse(Assert.Single(entered.Frames));
        Assert.Equal(("j", true, 6L), (joined.Ref, joined.Recovered, joined.Number("offset")));
        Assert.Equal([2L, 3, 4, 5, 6], joined.Offsets());
        var live = bob.Next("message");
        Assert.Equal((7L, "live"), (live.Number("offset"), live.Str("text")));
    }

    [Fact]
    public void When_the_journal_cannot_be_read_a_join_is_answered_from_memory_with_recovered_false_and_history_is_refused()
    {
        Limits = Limits with { TailMessages = 2 };
        var (room, _, epoch) = RoomWith(5);
        SteerJournal(new TestJournal.FailReplays(true));

        var joined = Enter(room, NewMember("bob"), since: new StreamPosition(epoch, 1)).Joined;
        Assert.Equal(false, joined.Recovered);
        Assert.Equal([4L, 5], joined.Offsets());

        room.Tell(new RoomContract.ReadHistory("general", 4, 2, "h"));
        var refused = ExpectMsg<RoomContract.Refused>();
        Assert.Equal((RoomContract.Unavailable, "h"), (refused.Code, refused.Ref));

        SteerJournal(new TestJournal.FailReplays(false));
        Assert.Equal([2L, 3], History(room, before: 4, limit: 2).Offsets());
    }

    [Fact]
    public void A_room_stopped_and_started_again_recovers_its_epoch_offsets_and_cids_from_the_journal()
    {
        var (room, alice, epoch) = RoomWith(3);
        Watch(room);
        room.Tell(RoomContract.StopRoom.Instance);
        ExpectTerminated(room);

        // A member still attached is told, with what it has.
        var stopped = alice.Expect<RoomContract.RoomStopped>();
        Assert.Equal(new StreamPosition(epoch, 3), stopped.Position);

        room = StartRoom();
        alice.Probe = CreateTestProbe();
        var joined = Enter(room, alice).Joined;
        Assert.Equal((epoch, 3L), (joined.Str("epoch"), joined.Number("offset")));
        Assert.Equal(["m1", "m2", "m3"], joined.Texts());
        Assert.Equal(2, PostAcked(room, alice, "m2 again", cid: "c2"));
        Assert.Equal(4, PostAcked(room, alice, "m4"));

        var entries = JournalEntries();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), entries.Select(e => e.SequenceNr));
        Assert.Single(entries, e => e.Payload is HistoryStarted);
    }

    [Fact]
    public void Retention_by_count_trims_the_history_snapshots_and_deletes_the_journal_and_the_epoch_survives()
    {
        Limits = Limits with { MaxMessagesPerRoom = 3 };
        Settings = Settings with { SnapshotEvery = 1 };
        var (room, alice, epoch) = RoomWith(6);

        var page = History(room, before: null, limit: 10);
        Assert.Equal([4L, 5, 6], page.Offsets());
        Assert.False(More(page));
        Assert.Equal(4, StatusOf(room).FirstKeptOffset);

        // Once the snapshot is saved, journal entries before the oldest kept message go.
        AwaitAssert(() => Assert.DoesNotContain(JournalEntries(), e => e.Payload is HistoryStarted or MessagePosted { Message.Offset: < 4 }));

        // Recovery starts from the snapshot: without it the history's start would be gone from the journal.
        Restart(ref room);
        alice.Probe = CreateTestProbe();
        var joined = Enter(room, alice).Joined;
        Assert.Equal((epoch, 6L), (joined.Str("epoch"), joined.Number("offset")));
        Assert.Equal([4L, 5, 6], joined.Offsets());
        Assert.Equal(7, PostAcked(room, alice, "m7"));
        Assert.Equal([5L, 6, 7], History(room, before: null, limit: 10).Offsets());
    }

    [Fact]
    public void Retention_by_age_trims_messages_older_than_MaxAge_when_the_next_batch_is_written()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        Time = time;
        Limits = Limits with { MaxAge = TimeSpan.FromDays(30) };
        var (room, alice, _) = RoomWith(2);

        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(3, PostAcked(room, alice, "fresh"));
        var page = History(room, before: null, limit: 10);
        Assert.Equal([3L], page.Offsets());
        Assert.False(More(page));
        Assert.Equal(3, StatusOf(room).FirstKeptOffset);
    }

    [Fact]
    public void The_persisted_events_and_the_snapshot_survive_the_systems_serializer()
    {
        var state = TestRoom.Started();
        state.Post("hello", cid: "c1");
        state.Post("world");
        object[] records =
        [
            new HistoryStarted("0123456789abcdef"),
            new MessagePosted(new ChatMessage("general", 7, "alice", "hi \u2603", TestRoom.T0.AddMilliseconds(123), "c7"), "session-1"),
            new MessagePosted(new ChatMessage("general", 8, "bob", "no cid", TestRoom.T0, null), "session-2"),
            new HistoryTrimmed(5),
        ];

        foreach (var record in records)
        {
            Assert.Equal(record, RoundTrip(record));
        }

        var snapshot = state.ToSnapshot();
        var back = Assert.IsType<RoomSnapshot>(RoundTrip(snapshot));
        Assert.Equal(
            (snapshot.Room, snapshot.Epoch, snapshot.NextOffset, snapshot.FirstKeptOffset, snapshot.SequenceNr),
            (back.Room, back.Epoch, back.NextOffset, back.FirstKeptOffset, back.SequenceNr));
        Assert.Equal(snapshot.Kept, back.Kept);
        Assert.Equal(snapshot.Tail, back.Tail);
        var restored = RoomState.FromSnapshot(back, new RoomLimits());
        Assert.Equal((state.Position, state.SequenceNr), (restored.Position, restored.SequenceNr));
    }

    private object RoundTrip(object record)
    {
        var serializer = Sys.Serialization.FindSerializerFor(record);
        var bytes = serializer.ToBinary(record);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, record);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }
}
