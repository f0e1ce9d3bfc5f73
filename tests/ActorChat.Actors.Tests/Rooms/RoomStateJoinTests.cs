using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>What <c>join</c> answers, with and without <c>since</c>: exact recovery or none, never partial.</summary>
public sealed class RoomStateJoinTests
{
    private static StreamPosition Since(long offset, string epoch = Epoch) => new(epoch, offset);

    [Fact]
    public void Without_since_a_join_gets_the_last_limit_messages_and_no_recovered_flag()
    {
        var state = Started();
        state.PostMany(120);

        var byDefault = state.Join(null, null);
        Assert.Equal((Epoch, 120L, (bool?)null), (byDefault.Epoch, byDefault.Offset, byDefault.Recovered));
        Assert.Equal(Range(71, 120), byDefault.Messages.Messages.Offsets());
        Assert.Equal(Range(111, 120), state.Join(null, 10).Messages.Messages.Offsets());
        Assert.Equal(Range(21, 120), state.Join(null, 1000).Messages.Messages.Offsets());
        Assert.Empty(state.Join(null, 0).Messages.Messages);
        Assert.Empty(state.Join(null, -5).Messages.Messages);
    }

    [Fact]
    public void Since_the_current_offset_recovers_nothing_and_says_recovered()
    {
        var state = Started();
        state.PostMany(5);

        var joined = state.Join(Since(5), null);

        Assert.Equal((true, 5L), (joined.Recovered, joined.Offset));
        Assert.Empty(joined.Messages.Messages);
    }

    [Fact]
    public void Since_an_empty_rooms_start_recovers_nothing_and_says_recovered()
    {
        var joined = Started().Join(Since(0), null);

        Assert.Equal((true, 0L), (joined.Recovered, joined.Offset));
        Assert.Empty(joined.Messages.Messages);
    }

    [Fact]
    public void Since_an_earlier_offset_recovers_exactly_the_missed_messages_in_order_whatever_the_limit()
    {
        var state = Started();
        state.PostMany(300);

        var joined = state.Join(Since(100), 10);

        Assert.True(joined.Recovered);
        Assert.Equal(Range(101, 300), joined.Messages.Messages.Offsets());
        Assert.Equal(Range(1, 300), state.Join(Since(0), 10).Messages.Messages.Offsets());
    }

    [Fact]
    public void Since_another_epoch_is_not_recovered_and_gets_the_last_limit()
    {
        var state = Started();
        state.PostMany(30);

        var joined = state.Join(Since(25, "fedcba9876543210"), 10);

        Assert.False(joined.Recovered);
        Assert.Equal(Range(21, 30), joined.Messages.Messages.Offsets());
    }

    [Fact]
    public void Since_another_epoch_in_an_empty_room_is_not_recovered()
    {
        var joined = Started().Join(Since(0, "other"), null);

        Assert.Equal((false, 0L), (joined.Recovered, joined.Offset));
        Assert.Empty(joined.Messages.Messages);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void Since_an_offset_the_room_never_had_is_not_recovered(long offset)
    {
        var state = Started();
        state.PostMany(30);

        var joined = state.Join(Since(offset), 10);

        Assert.False(joined.Recovered);
        Assert.Equal(Range(21, 30), joined.Messages.Messages.Offsets());
    }

    [Fact]
    public void Since_older_than_retention_is_not_recovered_and_the_oldest_kept_boundary_still_is()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 20 });
        state.PostMany(30);
        state.Trim(T0);
        Assert.Equal(11, state.FirstKeptOffset);

        var gap = state.Join(Since(9), 5);
        Assert.False(gap.Recovered);
        Assert.Equal(Range(26, 30), gap.Messages.Messages.Offsets());

        var boundary = state.Join(Since(10), 5);
        Assert.True(boundary.Recovered);
        Assert.Equal(Range(11, 30), boundary.Messages.Messages.Offsets());
    }

    [Fact]
    public void Missing_more_than_RecoveryLimit_messages_is_not_recovered_and_exactly_RecoveryLimit_is()
    {
        var state = Started(new RoomLimits { RecoveryLimit = 100 });
        state.PostMany(250);

        var tooFar = state.Join(Since(149), 20);
        Assert.False(tooFar.Recovered);
        Assert.Equal(Range(231, 250), tooFar.Messages.Messages.Offsets());

        var limit = state.Join(Since(150), 20);
        Assert.True(limit.Recovered);
        Assert.Equal(Range(151, 250), limit.Messages.Messages.Offsets());
    }

    [Fact]
    public void When_the_history_is_empty_after_retention_an_up_to_date_client_still_recovers()
    {
        var state = Started(new RoomLimits { MaxAge = TimeSpan.FromDays(1) });
        state.PostMany(5);
        state.Trim(T0.AddDays(2));
        Assert.Equal(0, state.KeptCount);

        Assert.True(state.Join(Since(5), null).Recovered);
        var behind = state.Join(Since(4), null);
        Assert.False(behind.Recovered);
        Assert.Empty(behind.Messages.Messages);
    }

    [Fact]
    public void Recovery_reaching_before_the_tail_names_the_journal_range_and_the_rest_comes_from_memory()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(30);
        Assert.Equal(21, state.TailFirstOffset);

        var joined = state.Join(Since(5), null);

        Assert.True(joined.Recovered);
        var slice = joined.Messages;
        Assert.True(slice.NeedsJournal);
        Assert.Equal((6L, 30L), (slice.FromOffset, slice.ToOffset));
        // Sequence number 1 is HistoryStarted: message n is the journal's entry n + 1.
        Assert.Equal(new JournalRange(6, 20, 7, 21), slice.Journal);
        Assert.Equal(Range(21, 30), slice.InMemory.Offsets());
        Assert.Throws<InvalidOperationException>(() => slice.Messages);

        var fromJournal = Range(6, 20).Select(o => new ChatMessage(Name, o, "alice", $"m{o}", T0, null)).ToList();
        Assert.True(slice.TryComplete(fromJournal, out var all));
        Assert.Equal(Range(6, 30), all.Offsets());
    }

    [Fact]
    public void Recovery_starting_at_the_tail_needs_no_journal_and_one_before_it_does()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(30);

        var inMemory = state.Join(Since(20), null).Messages;
        Assert.False(inMemory.NeedsJournal);
        Assert.Equal(Range(21, 30), inMemory.Messages.Offsets());

        var oneMore = state.Join(Since(19), null).Messages;
        Assert.Equal(new JournalRange(20, 20, 21, 21), oneMore.Journal);
        Assert.Equal(Range(21, 30), oneMore.InMemory.Offsets());
    }

    [Fact]
    public void A_join_that_cannot_recover_reads_the_journal_too_when_limit_reaches_before_the_tail()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(30);

        var joined = state.Join(Since(3, "other"), 15);

        Assert.False(joined.Recovered);
        Assert.Equal(new JournalRange(16, 20, 17, 21), joined.Messages.Journal);
    }

    [Fact]
    public void A_journal_read_that_lost_messages_is_not_accepted_as_the_answer()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(30);
        var slice = state.Join(Since(5), null).Messages;
        ChatMessage Read(long o) => new(Name, o, "alice", $"m{o}", T0, null);

        Assert.False(slice.TryComplete([.. Range(7, 20).Select(Read)], out _));
        Assert.False(slice.TryComplete([.. Range(6, 19).Select(Read)], out _));
        Assert.False(slice.TryComplete([.. Range(6, 20).Where(o => o != 12).Select(Read), Read(21)], out _));
        Assert.False(slice.TryComplete([], out _));
    }
}
