using Akka.Persistence;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// The entity's journal: applying a stored event to the <see cref="SessionState"/> (live and on
/// recovery) with a snapshot every <see cref="SnapshotEvery"/>, the journal's answers about
/// snapshots and deletions, and writes that failed.
/// </summary>
public sealed partial class SessionEntity
{
    /// <summary>Applies a stored event to the state (live and on recovery); live, every so many are snapshotted.</summary>
    private void Apply(ISessionEvent e)
    {
        _state.Apply(e);
        if (!IsRecovering && _state.IsLive && ++_sinceSnapshot >= SnapshotEvery)
        {
            _sinceSnapshot = 0;
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    /// <summary>The journal's answers about snapshots and deletions, in every behaviour.</summary>
    private void Housekeeping()
    {
        Command<SaveSnapshotSuccess>(s =>
        {
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _logger.SessionHousekeepingFailed(_id, "saving a snapshot", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _logger.SessionHousekeepingFailed(_id, "deleting old events", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _logger.SessionHousekeepingFailed(_id, "deleting old snapshots", f.Cause.Message));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.SessionPersistFailed(_id, @event.GetType().Name, sequenceNr, cause.Message);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _logger.SessionPersistFailed(_id, @event.GetType().Name, sequenceNr, cause.Message);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
