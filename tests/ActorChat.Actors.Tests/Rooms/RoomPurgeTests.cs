using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The pure rules of the purge: which deleted rows are due, how many at once, and the snapshots it replaces.</summary>
public sealed class RoomPurgeTests
{
    private static readonly DateTimeOffset T0 = TestRoom.T0;

    private static UnpurgedMessage Row(long offset, int secondsAfterT0) => new(offset, offset + 1, T0.AddSeconds(secondsAfterT0));

    [Fact]
    public void Every_row_deleted_by_now_is_due_oldest_offset_first_at_most_the_bound_and_one_purge_at_a_time()
    {
        var purge = new RoomPurge(maxRows: 2);
        UnpurgedMessage[] unpurged = [Row(3, 0), Row(5, 1), Row(8, 2), Row(9, 10)];
        Assert.Null(purge.Next([], T0));

        var first = purge.Next(unpurged, T0.AddSeconds(5));
        Assert.Equal([3L, 5], first!.Select(r => r.Offset));
        Assert.True(purge.IsRunning);
        Assert.Null(purge.Next(unpurged, T0.AddSeconds(5)));

        // Offset 8 is due and left: purged at once; offset 9 (deleted after now) waits.
        Assert.True(purge.Completed([Row(8, 2), Row(9, 10)], T0.AddSeconds(5)));
        Assert.Equal([8L], purge.Next([Row(8, 2), Row(9, 10)], T0.AddSeconds(5))!.Select(r => r.Offset));
        Assert.False(purge.Completed([Row(9, 10)], T0.AddSeconds(5)));
        Assert.Null(purge.Next([Row(9, 10)], T0.AddSeconds(5)));
        Assert.Equal([9L], purge.Next([Row(9, 10)], T0.AddSeconds(10))!.Select(r => r.Offset));
    }

    [Fact]
    public void A_failed_purge_is_not_running_and_the_same_rows_are_due_again()
    {
        var purge = new RoomPurge(maxRows: 100);
        UnpurgedMessage[] unpurged = [Row(1, 0)];
        Assert.NotNull(purge.Next(unpurged, T0));
        purge.Failed();
        Assert.True(purge.LastFailed);
        Assert.False(purge.IsRunning);
        Assert.Equal(unpurged, purge.Next(unpurged, T0));
        Assert.False(purge.Completed([], T0));
        Assert.False(purge.LastFailed);
    }

    [Fact]
    public void After_a_purge_a_snapshot_replaces_an_older_one_whatever_snapshot_every_says()
    {
        var retention = new RoomRetention(snapshotEvery: 1000);

        // No snapshot yet: none holds the text, none is saved.
        retention.Purged();
        Assert.False(retention.DecideSnapshot(10, 10));

        retention.Recovered(10);
        retention.Purged();

        // Not while events are pending; then once, at the state's sequence number.
        Assert.False(retention.DecideSnapshot(12, 13));
        Assert.True(retention.DecideSnapshot(13, 13));
        Assert.Equal(new SnapshotCleanup(null, 12), retention.Saved(13, 0));
        Assert.False(retention.DecideSnapshot(14, 14));

        // A snapshot taken at the state's sequence number came after the deletions: nothing to replace.
        retention.Purged();
        Assert.False(retention.DecideSnapshot(13, 13));
        Assert.False(retention.DecideSnapshot(14, 14));
    }

    [Fact]
    public void A_purge_while_a_snapshot_is_saved_replaces_it_once_it_is_saved()
    {
        var retention = new RoomRetention(snapshotEvery: 1000);
        retention.Recovered(1);
        retention.Purged();
        Assert.True(retention.DecideSnapshot(5, 5));

        // Saving the state at 5 (taken before this purge's deletions, maybe): decided again after it.
        retention.Purged();
        Assert.False(retention.DecideSnapshot(6, 6));
        retention.Saved(5, 0);
        Assert.True(retention.DecideSnapshot(6, 6));
    }
}
