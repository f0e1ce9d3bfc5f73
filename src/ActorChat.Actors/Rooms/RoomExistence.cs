using Akka.Actor;
using Akka.Persistence;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Whether a room exists, without waking it: a room that wakes with no history starts one (it
/// persists its epoch), so asking the room itself would create it. A room exists once its first
/// event is in the journal: the journal's highest sequence number for <c>room-{name}</c> is above 0
/// (it outlives the deletion of old entries), or a snapshot of it is kept. For the server API's
/// reads, at the edge (an HTTP request), never on an actor's path.
/// </summary>
public static class RoomExistence
{
    /// <summary>True when <paramref name="room"/> has ever started a history in the rooms' journal (or snapshot store).</summary>
    /// <exception cref="AskTimeoutException">The store did not answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The store could not be read.</exception>
    public static async Task<bool> ExistsAsync(ActorSystem system, string room, RoomSettings settings, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        var persistence = Persistence.Instance.Apply(system);
        var persistenceId = "room-" + room;

        // From 1 to 0: nothing is replayed, the journal answers with its highest sequence number.
        var journal = persistence.JournalFor(settings.JournalPluginId);
        var replayed = await journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, persistenceId, replyTo), timeout, cancellation).ConfigureAwait(false);
        switch (replayed)
        {
            case RecoverySuccess { HighestSequenceNr: > 0 }:
                return true;
            case ReplayMessagesFailure failure:
                throw new InvalidOperationException($"The journal could not be read for room \"{room}\".", failure.Cause);
        }

        var snapshots = persistence.SnapshotStoreFor(settings.SnapshotPluginId);
        var loaded = await snapshots.Ask<object>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), timeout, cancellation).ConfigureAwait(false);
        return loaded switch
        {
            LoadSnapshotResult result => result.Snapshot is not null,
            LoadSnapshotFailed failed => throw new InvalidOperationException($"The snapshot store could not be read for room \"{room}\".", failed.Cause),
            _ => false,
        };
    }
}
