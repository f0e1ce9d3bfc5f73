using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The tail bounds, retention by count and by age, snapshots and what the journal may lose.</summary>
public sealed class RoomStateRetentionTests
{
    [Fact]
    public void The_tail_holds_at_most_TailMessages_the_newest_ones()
    {
        var state = Started(new RoomLimits { TailMessages = 7 });
        state.PostMany(20);

        Assert.Equal(7, state.TailCount);
        Assert.Equal(14, state.TailFirstOffset);
        Assert.Equal(20, state.KeptCount);
        Assert.Equal(Range(14, 20), state.ToSnapshot().Tail.Offsets());
    }

    [Fact]
    public void The_tail_holds_at_most_TailBytes()
    {
        // Each message: 80 overhead + 2 × ("alice" + 10 characters) = 110 bytes.
        var state = Started(new RoomLimits { TailBytes = 500 });
        for (var i = 0; i < 10; i++)
        {
            state.Post(new string('x', 10));
        }

        Assert.Equal(110, RoomState.CostOf(state.ToSnapshot().Tail[0]));
        Assert.Equal(4, state.TailCount);
        Assert.Equal(440, state.TailBytes);
        Assert.Equal(7, state.TailFirstOffset);
    }

    [Fact]
    public void A_message_larger_than_TailBytes_stays_in_the_history_but_not_in_memory()
    {
        var state = Started(new RoomLimits { TailBytes = 1000 });
        state.Post("small");
        state.Post(new string('x', 600));

        Assert.Equal((0, 0L, 2L), (state.TailCount, state.TailBytes, state.KeptCount));
        Assert.Equal(new JournalRange(1, 2, 2, 3), state.Join(null, null).Messages.Journal);
    }

    [Fact]
    public void Retention_by_count_keeps_the_newest_MaxMessagesPerRoom_and_offsets_go_on()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 10 });
        state.PostMany(25);

        Assert.Equal(new HistoryTrimmed(16), state.Trim(T0));

        Assert.Equal((16L, 10L, 25L), (state.FirstKeptOffset, state.KeptCount, state.LastOffset));
        Assert.Equal(Epoch, state.Epoch);
        Assert.Equal(Range(16, 25), state.History(null, 100).Messages.Messages.Offsets());
        Assert.Equal(26, state.Post("next"));
        Assert.Equal(new HistoryTrimmed(17), state.Trim(T0));
    }

    [Fact]
    public void Nothing_to_trim_decides_nothing()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 10 });
        state.PostMany(10);

        Assert.Null(state.DecideTrim(T0.AddDays(1)));
        Assert.Equal(0, state.PendingCount);
    }

    [Fact]
    public void Retention_by_age_drops_messages_older_than_MaxAge_and_keeps_one_exactly_MaxAge_old()
    {
        var state = Started(new RoomLimits { MaxAge = TimeSpan.FromHours(1) });
        state.PostMany(10);

        // Message n was stamped T0 + (n − 1) s; now − MaxAge = T0 + 4 s.
        Assert.Equal(new HistoryTrimmed(5), state.Trim(T0.AddHours(1).AddSeconds(4)));
        Assert.Equal(Range(5, 10), state.History(null, 100).Messages.Messages.Offsets());

        Assert.Equal(new HistoryTrimmed(11), state.Trim(T0.AddDays(30)));
        Assert.Equal((0L, 0, 10L), (state.KeptCount, state.TailCount, state.LastOffset));
        Assert.Equal(new StreamPosition(Epoch, 10), state.Position);
        Assert.Equal(11, state.Post("after a quiet month", at: T0.AddDays(30)));
    }

    [Fact]
    public void A_trim_decided_at_the_end_of_a_batch_counts_the_batch_and_holds_the_bound_once_applied()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 10 });
        state.PostMany(8);
        var batch = new List<RoomEvent>();
        for (var i = 0; i < 5; i++)
        {
            batch.Add(Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", $"b{i}", null, T0)).Event);
        }

        var trim = state.DecideTrim(T0);
        Assert.Equal(new HistoryTrimmed(4), trim);
        Assert.Null(state.DecideTrim(T0));
        batch.Add(trim!);
        Assert.Equal(1, state.FirstKeptOffset);

        batch.ForEach(state.Apply);

        Assert.Equal((4L, 10L, 13L), (state.FirstKeptOffset, state.KeptCount, state.LastOffset));
    }

    [Fact]
    public void A_snapshot_restores_the_epoch_offsets_kept_history_cid_index_and_tail()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 20, TailMessages = 5 });
        state.Post("first", session: "s1", cid: "c-old");
        state.PostMany(24);
        state.Post("kept", session: "s1", cid: "c-kept");
        state.Trim(T0);

        var snapshot = state.ToSnapshot();
        var restored = RoomState.FromSnapshot(snapshot, state.Limits);

        AssertSame(snapshot, restored.ToSnapshot());
        Assert.Equal((Epoch, 7L, 27L, 28L), (restored.Epoch, restored.FirstKeptOffset, restored.NextOffset, restored.SequenceNr));
        Assert.Equal(new PostDuplicate(26, false), restored.DecidePost("s1", "alice", "kept", "c-kept", T0));
        Assert.IsType<PostAccepted>(restored.DecidePost("s1", "alice", "first", "c-old", T0));
        Assert.Equal(Range(22, 26), restored.Join(null, 5).Messages.Messages.Offsets());
        Assert.Equal(new JournalRange(12, 21, 13, 22), restored.History(22, 10).Messages.Journal);
    }

    [Fact]
    public void A_snapshot_restored_under_a_smaller_tail_keeps_only_the_newest_in_memory()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(20);

        var restored = RoomState.FromSnapshot(state.ToSnapshot(), new RoomLimits { TailMessages = 3 });

        Assert.Equal((3, 18L, 20L), (restored.TailCount, restored.TailFirstOffset, restored.KeptCount));
    }

    [Fact]
    public void A_snapshot_whose_parts_do_not_fit_together_is_refused()
    {
        var state = Started();
        state.PostMany(5);
        var good = state.ToSnapshot();
        var limits = new RoomLimits();

        Assert.Throws<ArgumentException>(() => RoomState.FromSnapshot(good with { NextOffset = 7 }, limits));
        Assert.Throws<ArgumentException>(() => RoomState.FromSnapshot(good with { Kept = [.. good.Kept.Skip(1)] }, limits));
        Assert.Throws<ArgumentException>(() => RoomState.FromSnapshot(good with { Tail = [.. good.Tail.Take(4)] }, limits));
        Assert.Throws<ArgumentException>(() => RoomState.FromSnapshot(good with { Kept = [.. good.Kept.Reverse()] }, limits));
        Assert.Throws<ArgumentException>(() => RoomState.FromSnapshot(good with { Epoch = "" }, limits));
    }

    [Fact]
    public void The_journal_may_lose_only_what_the_snapshot_covers_and_no_kept_message()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 10 });
        state.PostMany(30);
        // Only HistoryStarted is covered by a snapshot and before every kept message.
        Assert.Equal(1, state.DeletableUpTo(31));

        state.Trim(T0);
        // Journal: 1 started, 2..31 messages 1..30, 32 the trim. Message 21 (the oldest kept) is entry 22.
        Assert.Equal(32, state.SequenceNr);
        Assert.Equal(21, state.DeletableUpTo(32));
        Assert.Equal(15, state.DeletableUpTo(15));

        state.Trim(T0.AddDays(31));
        Assert.Equal(33, state.DeletableUpTo(33));
        Assert.Equal(33, state.DeletableUpTo(40));
    }
}
