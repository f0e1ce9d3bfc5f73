using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The retention sweep's bookkeeping, without actors.</summary>
public sealed class RetentionSweepTests
{
    [Fact]
    public void Only_rooms_are_queued_from_the_stores_persistence_ids()
    {
        var sweep = new RetentionSweep();
        Assert.True(sweep.TryStart());

        var rooms = sweep.Listed(["room-lobby", "session-12", "name-alice", "room-general", "room-", "room-NOT VALID!"]);

        Assert.Equal(2, rooms);
        Assert.Equal(["lobby", "general"], sweep.Next(10));
        Assert.False(sweep.IsSweeping);
    }

    [Fact]
    public void Rooms_are_handed_out_at_most_so_many_at_a_time_and_no_sweep_starts_before_the_last_ends()
    {
        var sweep = new RetentionSweep();
        Assert.True(sweep.TryStart());
        Assert.False(sweep.TryStart());
        sweep.Listed(Enumerable.Range(1, 5).Select(i => $"room-r{i}"));

        Assert.Equal(["r1", "r2"], sweep.Next(2));
        Assert.False(sweep.TryStart());
        Assert.Equal(["r3", "r4"], sweep.Next(2));
        Assert.Equal(["r5"], sweep.Next(2));
        Assert.False(sweep.IsSweeping);
        Assert.True(sweep.TryStart());
    }

    [Fact]
    public void A_listing_that_failed_lets_the_next_interval_try_again()
    {
        var sweep = new RetentionSweep();
        Assert.True(sweep.TryStart());
        sweep.Abandon();
        Assert.True(sweep.TryStart());
    }
}
