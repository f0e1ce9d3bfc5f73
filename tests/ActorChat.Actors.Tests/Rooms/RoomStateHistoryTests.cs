using ActorChat.Actors.Rooms;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary><c>history {before?, limit?}</c>: pages backwards, oldest first, with <c>more</c>.</summary>
public sealed class RoomStateHistoryTests
{
    [Fact]
    public void Without_before_the_newest_messages_come_oldest_first_with_more_when_older_ones_exist()
    {
        var state = Started();
        state.PostMany(120);

        var page = state.History(null, null);

        Assert.Equal(Range(71, 120), page.Messages.Messages.Offsets());
        Assert.True(page.More);
    }

    [Fact]
    public void Paging_with_before_walks_back_to_the_first_message_and_then_says_no_more()
    {
        var state = Started();
        state.PostMany(25);

        var pages = new List<long[]>();
        long? before = null;
        bool more;
        do
        {
            var page = state.History(before, 10);
            pages.Add(page.Messages.Messages.Offsets());
            more = page.More;
            before = page.Messages.FromOffset;
        }
        while (more);

        Assert.Equal([Range(16, 25), Range(6, 15), Range(1, 5)], pages);
        Assert.False(state.History(1, 10).More);
        Assert.Empty(state.History(1, 10).Messages.Messages);
    }

    [Fact]
    public void A_page_that_ends_exactly_at_the_first_message_says_no_more()
    {
        var state = Started();
        state.PostMany(20);

        var page = state.History(11, 10);

        Assert.Equal(Range(1, 10), page.Messages.Messages.Offsets());
        Assert.False(page.More);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(1000)]
    [InlineData(long.MaxValue)]
    public void Before_beyond_the_last_offset_is_the_newest(long before)
    {
        var state = Started();
        state.PostMany(20);

        Assert.Equal(Range(16, 20), state.History(before, 5).Messages.Messages.Offsets());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void Before_at_or_below_the_first_offset_is_an_empty_page_without_more(long before)
    {
        var state = Started();
        state.PostMany(20);

        var page = state.History(before, 5);

        Assert.Empty(page.Messages.Messages);
        Assert.False(page.More);
    }

    [Fact]
    public void Limit_defaults_to_50_is_capped_at_100_and_0_gives_only_more()
    {
        var state = Started();
        state.PostMany(300);

        Assert.Equal(50, state.History(null, null).Messages.Count);
        Assert.Equal(100, state.History(null, 500).Messages.Count);
        var none = state.History(null, 0);
        Assert.Empty(none.Messages.Messages);
        Assert.True(none.More);
    }

    [Fact]
    public void An_empty_room_has_an_empty_history()
    {
        var page = Started().History(null, null);

        Assert.Empty(page.Messages.Messages);
        Assert.False(page.More);
    }

    [Fact]
    public void History_stops_at_the_oldest_kept_message()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 15 });
        state.PostMany(40);
        state.Trim(T0);

        var page = state.History(31, 10);
        Assert.Equal(Range(26, 30), page.Messages.Messages.Offsets());
        Assert.False(page.More);
        Assert.Empty(state.History(26, 10).Messages.Messages);
        Assert.False(state.History(26, 10).More);
    }

    [Fact]
    public void History_older_than_the_tail_is_read_from_the_journal()
    {
        var state = Started(new RoomLimits { TailMessages = 10 });
        state.PostMany(40);

        var straddling = state.History(36, 10).Messages;
        Assert.Equal(new JournalRange(26, 30, 27, 31), straddling.Journal);
        Assert.Equal(Range(31, 35), straddling.InMemory.Offsets());

        var old = state.History(11, 10).Messages;
        Assert.Equal(new JournalRange(1, 10, 2, 11), old.Journal);
        Assert.Empty(old.InMemory);
    }
}
