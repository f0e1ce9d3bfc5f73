using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>Starting a room's history, offsets, batches and <c>cid</c> dedup.</summary>
public sealed class RoomStatePostTests
{
    [Fact]
    public void A_new_room_has_no_history_and_refuses_posts_and_reads_until_started()
    {
        var state = new RoomState(Name, new RoomLimits());

        Assert.False(state.IsStarted);
        Assert.Null(state.Epoch);
        Assert.Throws<InvalidOperationException>(() => state.DecidePost("s1", "alice", "hi", null, T0));
        Assert.Throws<InvalidOperationException>(() => state.Join(null, null));
        Assert.Throws<InvalidOperationException>(() => state.History(null, null));
        Assert.Throws<InvalidOperationException>(() => state.ToSnapshot());
    }

    [Fact]
    public void Starting_gives_the_epoch_an_empty_history_at_offset_0_and_cannot_be_repeated()
    {
        var state = new RoomState(Name, new RoomLimits());
        var started = state.DecideStart("e1");
        Assert.False(state.IsStarted);

        state.Apply(started);

        Assert.Equal(new StreamPosition("e1", 0), state.Position);
        Assert.Equal(1, state.SequenceNr);
        var joined = state.Join(null, null);
        Assert.Equal(("e1", 0L, (bool?)null), (joined.Epoch, joined.Offset, joined.Recovered));
        Assert.Empty(joined.Messages.Messages);
        Assert.Throws<InvalidOperationException>(() => state.DecideStart("e2"));
    }

    [Fact]
    public void New_epochs_are_64_random_bits_in_hex()
    {
        var epochs = Enumerable.Range(0, 100).Select(_ => RoomState.NewEpoch()).ToList();

        Assert.All(epochs, e => Assert.Matches("^[0-9a-f]{16}$", e));
        Assert.Equal(100, epochs.Distinct().Count());
    }

    [Fact]
    public void Offsets_count_1_2_3_with_no_gaps_and_messages_carry_what_was_sent()
    {
        var state = Started();

        Assert.Equal(1, state.Post("one"));
        Assert.Equal(2, state.Post("two", cid: "c2"));
        Assert.Equal(3, state.Post("three"));

        Assert.Equal(3, state.LastOffset);
        var messages = state.Join(null, null).Messages.Messages;
        Assert.Equal([1L, 2, 3], messages.Offsets());
        Assert.Equal(new ChatMessage(Name, 2, "alice", "two", T0, "c2"), messages[1]);
    }

    [Fact]
    public void A_batch_decided_before_it_is_applied_gets_consecutive_offsets_and_reads_show_only_what_is_applied()
    {
        var state = Started();
        state.Post("durable");

        var batch = Enumerable.Range(0, 3)
            .Select(i => Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", $"b{i}", null, T0)).Event)
            .ToList();

        Assert.Equal([2L, 3, 4], batch.Select(e => e.Message.Offset));
        Assert.Equal(3, state.PendingCount);
        Assert.Equal(1, state.LastOffset);
        Assert.Equal([1L], state.Join(null, null).Messages.Messages.Offsets());
        Assert.Equal([1L], state.ToSnapshot().Tail.Offsets());

        state.Apply(batch[0]);
        Assert.Equal(2, state.LastOffset);
        state.Apply(batch[1]);
        state.Apply(batch[2]);

        Assert.Equal(0, state.PendingCount);
        Assert.Equal([1L, 2, 3, 4], state.Join(null, null).Messages.Messages.Offsets());
        Assert.Equal(5, state.Post("after"));
    }

    [Fact]
    public void Applying_anything_but_the_next_decided_event_is_refused_and_changes_nothing()
    {
        var state = Started();
        var first = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "a", null, T0)).Event;
        var second = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "b", null, T0)).Event;

        Assert.Throws<InvalidOperationException>(() => state.Apply(second));
        Assert.Throws<InvalidOperationException>(() => state.Apply(new MessagePosted(first.Message with { Text = "other" }, "s1")));
        Assert.Equal(0, state.LastOffset);

        state.Apply(first);
        state.Apply(second);
        Assert.Equal(2, state.LastOffset);
    }

    [Fact]
    public void Replaying_a_journal_with_a_gap_or_another_rooms_message_fails()
    {
        var state = Started();

        Assert.Throws<InvalidOperationException>(() => state.Apply(new MessagePosted(new ChatMessage(Name, 2, "a", "x", T0, null), "s1")));
        Assert.Throws<InvalidOperationException>(() => state.Apply(new MessagePosted(new ChatMessage("other", 1, "a", "x", T0, null), "s1")));
        Assert.Throws<InvalidOperationException>(() => new RoomState(Name, new RoomLimits()).Apply(new MessagePosted(new ChatMessage(Name, 1, "a", "x", T0, null), "s1")));
    }

    [Fact]
    public void A_cid_the_same_session_already_sent_is_not_posted_again_and_gets_the_original_offset()
    {
        var state = Started();
        Assert.Equal(1, state.Post("hello", session: "s1", cid: "c1"));
        state.Post("between");

        var again = state.DecidePost("s1", "alice", "hello (retried, even edited)", "c1", T0);

        Assert.Equal(new PostDuplicate(1, Pending: false), again);
        Assert.Equal(0, state.PendingCount);
        Assert.Equal(2, state.LastOffset);
    }

    [Fact]
    public void The_same_cid_from_another_session_is_a_new_message()
    {
        var state = Started();
        Assert.Equal(1, state.Post("mine", session: "s1", cid: "c1"));

        Assert.Equal(2, state.Post("yours", session: "s2", cid: "c1"));
        Assert.Equal(new PostDuplicate(2, false), state.DecidePost("s2", "bob", "yours", "c1", T0));
    }

    [Fact]
    public void A_repeated_cid_of_a_post_not_yet_applied_is_a_pending_duplicate_of_it()
    {
        var state = Started();
        var original = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "hello", "c1", T0));

        Assert.Equal(new PostDuplicate(original.Offset, Pending: true), state.DecidePost("s1", "alice", "hello", "c1", T0));
        Assert.Equal(1, state.PendingCount);

        state.Apply(original.Event);
        Assert.Equal(new PostDuplicate(original.Offset, Pending: false), state.DecidePost("s1", "alice", "hello", "c1", T0));
    }

    [Fact]
    public void A_cid_whose_message_retention_dropped_is_posted_again()
    {
        var state = Started(new RoomLimits { MaxMessagesPerRoom = 3 });
        Assert.Equal(1, state.Post("old", cid: "c1"));
        state.PostMany(3);
        Assert.NotNull(state.Trim(T0));
        Assert.Equal(2, state.FirstKeptOffset);

        Assert.Equal(5, state.Post("old", cid: "c1"));
    }

    [Fact]
    public void A_cid_whose_message_is_still_kept_but_out_of_the_tail_is_still_a_duplicate()
    {
        var state = Started(new RoomLimits { TailMessages = 2 });
        Assert.Equal(1, state.Post("old", cid: "c1"));
        state.PostMany(5);
        Assert.Equal(5, state.TailFirstOffset);

        Assert.Equal(new PostDuplicate(1, false), state.DecidePost("s1", "alice", "old", "c1", T0));
    }

    [Fact]
    public void Message_times_are_utc_to_the_millisecond_and_never_go_back()
    {
        var state = Started();
        var local = new DateTimeOffset(2026, 11, 26, 10, 30, 0, 123, TimeSpan.FromHours(1)).AddTicks(4567);

        state.Post("a", at: local);
        state.Post("b", at: local.AddMinutes(-5));
        var pending = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "c", null, local.AddHours(-1)));

        var expected = new DateTimeOffset(2026, 11, 26, 9, 30, 0, 123, TimeSpan.Zero);
        Assert.Equal([expected, expected], state.Join(null, null).Messages.Messages.Select(m => m.At));
        Assert.Equal(TimeSpan.Zero, state.Join(null, null).Messages.Messages[0].At.Offset);
        Assert.Equal(expected, pending.Event.Message.At);
    }
}
