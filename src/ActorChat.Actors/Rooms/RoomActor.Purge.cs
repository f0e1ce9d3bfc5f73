using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The purge of deleted messages' text from the journal (PROTOCOL-V1.1 Part B, <c>History:PurgeAfter</c>):
/// every <see cref="RoomSettings.PurgeAfter"/> / 2 the room hands the rows of its
/// <see cref="RoomState.Unpurged"/> (a bounded batch, <see cref="RoomPurge"/>) to the store's
/// <see cref="RoomJournalPurge"/>, off the actor, and on success marks them purged and replaces its
/// snapshots (an older one may hold the text in its tail). A room about to passivate purges first.
/// </summary>
public sealed partial class RoomActor
{
    private const string PurgeTimer = "purge";

    /// <summary>The room went idle while it had rows to purge: it passivates once they are done.</summary>
    private bool _idleAfterPurge;

    /// <summary>
    /// The rows of the purge running, compared by reference with an outcome: after a restart (the same
    /// actor ref, a new instance) the outcome of the old instance's purge still arrives, and must not
    /// end the new one's.
    /// </summary>
    private IReadOnlyList<UnpurgedMessage>? _running;

    private void ReceivePurge()
    {
        Command<PurgeDue>(_ => StartPurge());
        Command<PurgeDone>(OnPurged);
        Command<PurgeFailed>(f =>
        {
            _logger.RoomPurgeFailed(_room, f.Rows.Count, f.Reason);
            if (ReferenceEquals(f.Rows, _running))
            {
                _running = null;
                _purges.Failed();
                _idleAfterPurge = false;
            }
        });
    }

    /// <summary>Sweeps every half of <see cref="RoomSettings.PurgeAfter"/>: a deletion is purged within it.</summary>
    private void StartPurgeTimer() =>
        Timers.StartPeriodicTimer(PurgeTimer, PurgeDue.Instance, _settings.PurgeAfter / 2);

    /// <summary>Starts a purge of the rows due, unless one is running or none is due; false when none was started.</summary>
    private bool StartPurge()
    {
        if (_purges.Next(_state.Unpurged, _time.GetUtcNow()) is not { } rows)
        {
            return false;
        }

        _running = rows;

        // Off the actor: the room goes on while the store writes. The outcome comes back as a message;
        // a purge that outlives the room (passivated meanwhile) reaches nobody, harmlessly: the rows
        // are purged, or the next incarnation purges them again (Unpurged is in its snapshot and its
        // replayed MessageDeleted events; a purged row replays as a tombstone, with nothing to purge).
        var cts = new CancellationTokenSource(_settings.PurgeTimeout);
        Task task;
        try
        {
            task = _purge(PersistenceId, rows, cts.Token);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        task.ContinueWith(
            t =>
            {
                cts.Dispose();
                return t.IsCompletedSuccessfully
                    ? new PurgeDone(rows)
                    : (object)new PurgeFailed(rows, t.IsCanceled ? $"no answer within {_settings.PurgeTimeout}" : t.Exception?.GetBaseException().Message ?? "failed");
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).PipeTo(Self);
        return true;
    }

    private void OnPurged(PurgeDone done)
    {
        // Purged whichever instance asked: the rows no longer hold the text.
        _state.Purged(done.Rows.Select(r => r.Offset));
        _logger.RoomPurged(_room, done.Rows.Count);
        if (!ReferenceEquals(done.Rows, _running))
        {
            return;
        }

        _running = null;
        var more = _purges.Completed(_state.Unpurged, _time.GetUtcNow());
        _retention.Purged();
        MaybeSnapshot();
        if (more && StartPurge())
        {
            return;
        }

        if (_idleAfterPurge)
        {
            _idleAfterPurge = false;
            OnIdle();
        }
    }

    /// <summary>
    /// Whether passivation waits for a purge: one is running, or rows are due and the last purge did
    /// not fail (a store that fails does not keep an idle room awake; its next incarnation purges).
    /// </summary>
    private bool PurgeBeforeIdle()
    {
        if (_purges.IsRunning)
        {
            _idleAfterPurge = true;
            return true;
        }

        if (!_purges.LastFailed && StartPurge())
        {
            _idleAfterPurge = true;
            return true;
        }

        return false;
    }

    /// <summary>Periodic, and no activity: it must not keep an idle room from passivating.</summary>
    private sealed record PurgeDue : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static readonly PurgeDue Instance = new();
    }

    /// <summary>The store purged <paramref name="Rows"/>; dropped silently when the room is gone.</summary>
    private sealed record PurgeDone(IReadOnlyList<UnpurgedMessage> Rows) : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded, IDeadLetterSuppression;

    private sealed record PurgeFailed(IReadOnlyList<UnpurgedMessage> Rows, string Reason) : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded, IDeadLetterSuppression;
}
