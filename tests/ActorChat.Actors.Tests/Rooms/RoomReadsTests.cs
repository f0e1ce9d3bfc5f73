using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>Journal reads without an actor: what waits on the journal, how many at once, what a read answers.</summary>
public sealed class RoomReadsTests
{
    // Ten messages, the newest three in memory: anything older is read from the journal.
    private static RoomState TenWithTailOfThree()
    {
        var state = Started(new RoomLimits { TailMessages = 3 });
        state.PostMany(10);
        return state;
    }

    private static List<ChatMessage> Messages(long from, long to) =>
        [.. Range(from, to).Select(o => new ChatMessage(Name, o, "alice", $"m{o}", T0, null))];

    [Fact]
    public void A_page_in_memory_is_answered_at_once_and_one_past_the_tail_waits_on_a_read()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 8);

        var inMemory = Assert.IsType<HistoryAnswered>(reads.DecideHistory(state, "asker", null, 3, "r1"));
        Assert.Equal(Range(8, 10), inMemory.Messages.Offsets());
        Assert.True(inMemory.More);

        var reading = Assert.IsType<HistoryReading>(reads.DecideHistory(state, "asker", null, 5, "r2"));
        Assert.Equal((6L, 7L), (reading.Range.FromOffset, reading.Range.ToOffset));
        Assert.Equal(1, reads.Count);

        var done = Assert.IsType<RoomReads<string>.HistoryReadOutcome>(reads.Completed(reading.ReadId, Messages(6, 7), state));
        var page = Assert.IsType<HistoryAnswered>(done.Answer);
        Assert.Equal(("asker", "r2"), (done.ReplyTo, done.Ref));
        Assert.Equal(Range(6, 10), page.Messages.Offsets());
        Assert.Equal(0, reads.Count);
    }

    [Fact]
    public void Past_the_bound_a_page_is_refused_as_busy_and_a_join_is_answered_from_memory()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 1);
        Assert.IsType<HistoryReading>(reads.DecideHistory(state, "a", null, 10, null));

        Assert.Equal(new HistoryUnavailable(Busy: true), reads.DecideHistory(state, "b", null, 10, null));

        var join = state.Join(new StreamPosition(Epoch, 2), null);
        var answer = reads.DecideEnter("s1", join);
        Assert.True(answer.Busy);
        Assert.Null(answer.ReadId);
        Assert.False(answer.Recovered);
        Assert.Equal(Range(8, 10), answer.Messages.Offsets());
    }

    [Fact]
    public void No_reads_at_all_when_the_bound_is_zero()
    {
        var reads = new RoomReads<string>(maxReads: 0);

        Assert.Equal(new HistoryUnavailable(Busy: true), reads.DecideHistory(TenWithTailOfThree(), "a", null, 10, null));
    }

    [Fact]
    public void A_join_that_reaches_past_the_tail_waits_and_is_completed_with_what_was_read()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 8);
        var join = state.Join(new StreamPosition(Epoch, 2), null);

        var answer = reads.DecideEnter("s1", join);
        Assert.NotNull(answer.ReadId);
        Assert.Equal((3L, 7L), (answer.Range!.FromOffset, answer.Range.ToOffset));

        var outcome = Assert.IsType<RoomReads<string>.EnterReadOutcome>(reads.Completed(answer.ReadId.Value, Messages(3, 7), state));
        Assert.Equal("s1", outcome.SessionId);
        var (messages, recovered, incomplete) = RoomReads.CompleteJoin(join, outcome.Messages);
        Assert.Equal(Range(3, 10), messages.Offsets());
        Assert.True(recovered);
        Assert.False(incomplete);
    }

    [Fact]
    public void A_join_whose_read_failed_or_came_back_short_is_answered_from_memory_never_claiming_recovery()
    {
        var state = TenWithTailOfThree();
        var join = state.Join(new StreamPosition(Epoch, 2), null);

        var failed = RoomReads.CompleteJoin(join, null);
        Assert.Equal(Range(8, 10), failed.Messages.Offsets());
        Assert.Equal(((bool?)false, false), (failed.Recovered, failed.Incomplete));

        var shortRead = RoomReads.CompleteJoin(join, Messages(4, 7));
        Assert.Equal(Range(8, 10), shortRead.Messages.Offsets());
        Assert.Equal(((bool?)false, true), (shortRead.Recovered, shortRead.Incomplete));

        // A join without since claims nothing either way.
        Assert.Null(RoomReads.CompleteJoin(state.Join(null, 9), null).Recovered);
    }

    [Fact]
    public void A_failed_read_refuses_its_page_and_an_unknown_or_finished_read_answers_nothing()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 8);
        var reading = Assert.IsType<HistoryReading>(reads.DecideHistory(state, "a", null, 10, "r"));

        var failed = Assert.IsType<RoomReads<string>.HistoryReadOutcome>(reads.Failed(reading.ReadId));
        Assert.Equal(new HistoryUnavailable(Busy: false), failed.Answer);
        Assert.Null(reads.Failed(reading.ReadId));
        Assert.Null(reads.Completed(reading.ReadId, [], state));
        Assert.Null(reads.Completed(99, [], state));
    }

    [Fact]
    public void A_page_retention_deleted_meanwhile_is_asked_again_and_refused_after_three_attempts()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 8);
        var answer = reads.DecideHistory(state, "a", null, 10, "r");

        for (var attempt = 1; attempt <= RoomReads<string>.MaxHistoryAttempts; attempt++)
        {
            var reading = Assert.IsType<HistoryReading>(answer);
            var outcome = Assert.IsType<RoomReads<string>.HistoryReadOutcome>(reads.Completed(reading.ReadId, Messages(2, 7), state));
            answer = outcome.Answer;
        }

        Assert.Equal(new HistoryUnavailable(Busy: true), answer);
        Assert.Equal(0, reads.Count);
    }

    [Fact]
    public void A_page_asked_again_after_a_trim_gets_what_is_left()
    {
        var state = TenWithTailOfThree();
        var reads = new RoomReads<string>(maxReads: 8);
        var reading = Assert.IsType<HistoryReading>(reads.DecideHistory(state, "a", null, 10, "r"));
        state.Apply(new HistoryTrimmed(8));

        var outcome = Assert.IsType<RoomReads<string>.HistoryReadOutcome>(reads.Completed(reading.ReadId, Messages(3, 7), state));

        var page = Assert.IsType<HistoryAnswered>(outcome.Answer);
        Assert.Equal(Range(8, 10), page.Messages.Offsets());
        Assert.False(page.More);
    }
}
