using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Persistence;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// The entity's two behaviours besides <c>Active</c>: claiming a name (<see cref="NameClaim"/>, the
/// rest stashed) and ending (<see cref="NameRelease"/>, then the rooms are told and the journal deleted).
/// </summary>
public sealed partial class SessionEntity
{
    /// <summary>The session is over (stored): frees its names (confirmed, retried), then tells its rooms and stops.</summary>
    private void BeginEnding(string reason)
    {
        _endReason = reason;
        Become(Ending);
        if (_state.UserId is not null)
        {
            // A user's name stays reserved for the user when a session of theirs ends.
            FinishEnding();
            return;
        }

        _release = new NameRelease([_state.CaselessKey, _state.CasedKey], MaxReleaseTries);
        AskRelease();
    }

    private void Ending()
    {
        Command<NameEntity.Released>(r =>
        {
            if (r.SessionId == _id && _release is { } release && release.Confirm(r.Key))
            {
                FinishEnding();
            }
        });
        Command<ReleaseDue>(_ =>
        {
            if (_release is not null)
            {
                AskRelease();
            }
        });
        Command<ResumeSession>(r => Sender.Tell(new NotResumed(r.Name, r.Connection, r.UserId)));
        Command<StartSession>(s => s.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "Could not start a session; say hello again.")));
        Command<RenameSession>(r => r.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NoSession, "Say hello first.", r.Request)));
        Command<Reattach>(r =>
        {
            Sender.Tell(new NotAttached(_id, r.Connection));
            r.Connection.Tell(SessionContract.TakenOver.Instance);
        });
        Command<NameEntity.HoldsName>(h => Sender.Tell(new NameEntity.HoldsNameReply(h.Key, h.Verification, _release?.Holds(h.Key) ?? false)));
        Command<StopSession>(_ => Context.Stop(Self));
        Housekeeping();
        CommandAny(_ => { });
    }

    /// <summary>Asks for the release of every key not confirmed yet, or gives up after the last try.</summary>
    private void AskRelease()
    {
        var release = _release!;
        if (!release.TryAgain())
        {
            _logger.NameReleaseUnconfirmed(_id, _state.Name, release.Tries);
            FinishEnding();
            return;
        }

        foreach (var key in release.Unreleased)
        {
            _names.Tell(new NameEntity.Release(key, _id));
        }

        Timers.StartSingleTimer(ReleaseTimer, ReleaseDue.Instance, _settings.ClaimTimeout);
    }

    private void FinishEnding()
    {
        Timers.Cancel(ReleaseTimer);
        _logger.ClusterSessionEnded(_id, _state.Name, _endReason, _state.Rooms.Count);
        foreach (var room in _state.Rooms)
        {
            _rooms.Tell(new RoomContract.SessionEnded(room, _id));
        }

        // Nothing of an ended session is needed again: the next message to its id finds nothing.
        DeleteMessages(LastSequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(LastSequenceNr));
        _release = null;
        Passivate();
    }

    /// <summary>Claims the name's two keys in order; then exactly one of the callbacks runs.</summary>
    /// <param name="holder">Who the keys are claimed for (<see cref="SessionSharding.NameHolder"/>): the session, or its user.</param>
    private void BeginClaim(string name, string caseless, string cased, string holder, Action onGranted, Action<string> onRefused)
    {
        _claim = new NameClaim(++_attempt, name, SessionSharding.CaselessKey(caseless), SessionSharding.CasedKey(cased));
        (_onGranted, _onRefused) = (onGranted, onRefused);
        _holder = holder;
        _names.Tell(new NameEntity.Claim(_claim.CaselessKey, holder, name, _claim.Attempt));
        Timers.StartSingleTimer(ClaimTimer, new ClaimTimedOut(_claim.Attempt), _settings.ClaimTimeout);
        Become(Claiming);
    }

    private void Claiming()
    {
        Command<NameEntity.Granted>(g =>
        {
            switch (_claim?.Granted(g.Key, g.Attempt))
            {
                case NameClaimStep.ClaimCased:
                    _names.Tell(new NameEntity.Claim(_claim.CasedKey, _holder, _claim.Name, _claim.Attempt));
                    break;
                case NameClaimStep.Granted:
                    ClaimDone().OnGranted();
                    break;
            }
        });
        Command<NameEntity.Held>(h =>
        {
            if (_claim?.Held(h.Attempt) is not { } release)
            {
                return;
            }

            ReleaseAllUnlessKept(release);
            _logger.NameRefusedAsTaken(_claim.Name, h.HolderName);
            var refused = NameTaken(_claim.Name, h.HolderName);
            ClaimDone().OnRefused(refused);
        });
        Command<ClaimTimedOut>(t =>
        {
            if (_claim?.TimedOut(t.Attempt) is not { } release)
            {
                return;
            }

            // A release after the claim, to the same entity from here, is handled after it.
            ReleaseAllUnlessKept(release);
            _logger.NameClaimTimedOut(_id, _claim.Name, _settings.ClaimTimeout);
            ClaimDone().OnRefused("The name could not be checked just now; try again.");
        });
        Command<NameEntity.Released>(_ => { });

        // Answered now, not stashed: the name entity asking may be the one this claim waits for.
        Command<NameEntity.HoldsName>(h => Sender.Tell(new NameEntity.HoldsNameReply(
            h.Key, h.Verification, _state.Keeps(h.Key) || (_claim?.Covers(h.Key) ?? false))));
        Housekeeping();
        CommandAny(_ => Stash.Stash());
    }

    private (Action OnGranted, Action<string> OnRefused) ClaimDone()
    {
        var callbacks = (_onGranted!, _onRefused!);
        (_claim, _onGranted, _onRefused) = (null, null, null);
        Timers.Cancel(ClaimTimer);
        Become(Active);
        Stash.UnstashAll();
        return callbacks;
    }

    /// <summary>Frees <paramref name="key"/> unless the session's current name uses it.</summary>
    private void ReleaseUnlessKept(string key)
    {
        if (!_state.Keeps(key))
        {
            _names.Tell(new NameEntity.Release(key, _holder));
        }
    }

    private void ReleaseAllUnlessKept(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            ReleaseUnlessKept(key);
        }
    }
}
