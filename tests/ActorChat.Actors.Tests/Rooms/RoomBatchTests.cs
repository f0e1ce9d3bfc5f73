using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The batch writer without an actor: forming batches, one write in flight, acks in order.</summary>
public sealed class RoomBatchTests
{
    private static MessagePosted Posted(long offset, string? cid = null) =>
        new(new ChatMessage(Name, offset, "alice", $"m{offset}", T0, cid), "s1");

    [Fact]
    public void The_first_post_asks_for_one_flush_and_the_next_ones_ride_on_it()
    {
        var batch = new RoomBatch<string>(maxPosts: 10);

        Assert.Equal(BatchStep.QueueFlush, batch.Accepted(Posted(1), "a1"));
        Assert.Equal(BatchStep.None, batch.Accepted(Posted(2), "a2"));
        Assert.Equal(BatchStep.None, batch.PendingDuplicate("a2-again"));
        Assert.True(batch.IsOpen);
        Assert.True(batch.FlushQueued);

        batch.FlushArrived();
        Assert.False(batch.FlushQueued);
        Assert.Equal(BatchStep.QueueFlush, batch.Accepted(Posted(3), "a3"));
    }

    [Fact]
    public void A_batch_reaching_its_bound_is_written_at_once_counting_repeats_of_a_cid()
    {
        var batch = new RoomBatch<string>(maxPosts: 3);

        batch.Accepted(Posted(1, "c1"), "a1");
        batch.PendingDuplicate("a1-again");

        Assert.Equal(BatchStep.Write, batch.Accepted(Posted(2), "a2"));
        Assert.Equal(new RoomEvent[] { Posted(1, "c1"), Posted(2) }, batch.Close(null)!);
    }

    [Fact]
    public void Closing_takes_the_posts_in_order_with_the_trim_at_the_end_and_nothing_closes_to_null()
    {
        var batch = new RoomBatch<string>(maxPosts: 10);
        Assert.Null(batch.Close(null));
        Assert.False(batch.IsWriting);

        batch.Accepted(Posted(1), "a1");
        batch.Accepted(Posted(2), "a2");
        var events = batch.Close(new HistoryTrimmed(2));

        Assert.Equal(new RoomEvent[] { Posted(1), Posted(2), new HistoryTrimmed(2) }, events!);
        Assert.False(batch.IsOpen);
        Assert.True(batch.IsWriting);
    }

    [Fact]
    public void A_trim_alone_is_a_write()
    {
        var batch = new RoomBatch<string>(maxPosts: 10);

        Assert.Equal(new RoomEvent[] { new HistoryTrimmed(5) }, batch.Close(new HistoryTrimmed(5))!);
        Assert.True(batch.Persisted(new HistoryTrimmed(5)));
        var written = batch.Finish();

        Assert.Empty(written.Acks);
        Assert.Empty(written.Messages);
    }

    [Fact]
    public void One_write_at_a_time_and_the_next_batch_forms_meanwhile()
    {
        var batch = new RoomBatch<string>(maxPosts: 10);
        batch.Accepted(Posted(1), "a1");
        var first = batch.Close(null)!;

        // Posts decided while the write is in flight form the next batch.
        batch.Accepted(Posted(2), "a2");
        Assert.Throws<InvalidOperationException>(() => batch.Close(null));
        Assert.Throws<InvalidOperationException>(() => batch.Finish());

        Assert.True(batch.Persisted(first[0]));
        var written = batch.Finish();
        Assert.Equal(["a1"], written.Acks);
        Assert.False(batch.IsWriting);
        Assert.True(batch.IsOpen);

        var second = batch.Close(null)!;
        Assert.Equal(new RoomEvent[] { Posted(2) }, second);
    }

    [Fact]
    public void Acks_come_in_the_order_the_posts_came_and_messages_in_offset_order_once_every_event_is_persisted()
    {
        var batch = new RoomBatch<string>(maxPosts: 10);
        batch.Accepted(Posted(1, "c"), "a1");
        batch.PendingDuplicate("a1-repeat");
        batch.Accepted(Posted(2), "a2");
        var events = batch.Close(new HistoryTrimmed(1))!;

        Assert.False(batch.Persisted(events[0]));
        Assert.False(batch.Persisted(events[1]));
        Assert.Throws<InvalidOperationException>(() => batch.Finish());
        Assert.True(batch.Persisted(events[2]));
        var written = batch.Finish();

        Assert.Equal(["a1", "a1-repeat", "a2"], written.Acks);
        Assert.Equal([1L, 2], written.Messages.Select(m => m.Message.Offset));
        Assert.Throws<InvalidOperationException>(() => batch.Persisted(Posted(3)));
    }

    [Fact]
    public void Together_with_the_state_a_repeated_cid_in_the_open_batch_is_acked_with_the_original_once_durable()
    {
        var state = Started();
        var batch = new RoomBatch<(string Ref, long Offset)>(maxPosts: 10);
        var first = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "hi", "c1", T0));
        batch.Accepted(first.Event, ("r1", first.Offset));
        var again = Assert.IsType<PostDuplicate>(state.DecidePost("s1", "alice", "hi again", "c1", T0));
        Assert.True(again.Pending);
        batch.PendingDuplicate(("r2", again.Offset));

        foreach (var e in batch.Close(state.DecideTrim(T0))!)
        {
            state.Apply(e);
            batch.Persisted(e);
        }

        Assert.Equal([("r1", 1L), ("r2", 1L)], batch.Finish().Acks);
        Assert.Equal(1, state.LastOffset);
    }
}
