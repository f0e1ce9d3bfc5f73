using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>Snapshots and journal deletion without an actor: when to save, what to drop after.</summary>
public sealed class RoomRetentionTests
{
    [Fact]
    public void A_snapshot_is_due_every_so_many_events_one_at_a_time_and_only_with_nothing_pending()
    {
        var retention = new RoomRetention(snapshotEvery: 10);

        Assert.False(retention.DecideSnapshot(9, 9));
        Assert.False(retention.DecideSnapshot(10, 12));
        Assert.True(retention.DecideSnapshot(10, 10));
        Assert.True(retention.IsSaving);
        Assert.False(retention.DecideSnapshot(25, 25));

        retention.SaveFailed();
        Assert.True(retention.DecideSnapshot(25, 25));
    }

    [Fact]
    public void After_a_save_the_journal_is_deleted_up_to_what_the_state_allows_once_and_older_snapshots_go()
    {
        var retention = new RoomRetention(snapshotEvery: 10);
        retention.DecideSnapshot(10, 10);

        Assert.Equal(new SnapshotCleanup(4, 9), retention.Saved(10, deletable: 4));
        Assert.Equal(10, retention.LastSnapshotSequenceNr);
        Assert.False(retention.IsSaving);
        Assert.False(retention.DecideSnapshot(19, 19));

        retention.DecideSnapshot(20, 20);
        Assert.Equal(new SnapshotCleanup(null, 19), retention.Saved(20, deletable: 4));

        // A failed delete is tried again with the next snapshot.
        retention.DeleteFailed();
        retention.DecideSnapshot(30, 30);
        Assert.Equal(new SnapshotCleanup(4, 29), retention.Saved(30, deletable: 4));
    }

    [Fact]
    public void The_first_snapshot_deletes_no_older_snapshot_and_a_recovered_one_counts()
    {
        var retention = new RoomRetention(snapshotEvery: 1);
        retention.DecideSnapshot(1, 1);
        Assert.Equal(new SnapshotCleanup(null, null), retention.Saved(1, deletable: 0));

        var recovered = new RoomRetention(snapshotEvery: 10);
        recovered.Recovered(100);
        Assert.False(recovered.DecideSnapshot(105, 105));
        Assert.True(recovered.DecideSnapshot(110, 110));
    }
}
