using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// One session in a cluster (sharded by session id, persistent): its name, whether it can be
/// resumed, its rooms and the hash of its current token. What a session needs, this does for
/// every session of one node, this does for one session anywhere: it takes its name from the
/// <see cref="NameEntity"/>s, welcomes its connection (on any node) directly, watches it, keeps a
/// session whose connection died for the time-to-live, and when the session ends frees its name and
/// tells each of its rooms <see cref="RoomContract.SessionEnded"/>.
/// </summary>
/// <remarks>
/// <para>
/// The connection is never persisted (an actor ref of a node that may be gone). When the entity
/// stops while its session lives (a shard handed to another node, or this node died), the node-local
/// <see cref="SessionFront"/> of the connection sees it stop and sends <see cref="Reattach"/>: the
/// new incarnation recovers from the journal and watches the connection again. The generation
/// (one more on every welcome) tells a connection that was taken over from the current one.
/// </para>
/// <para>
/// After a recovery without its connection (its node died, or a reattach that never came), a
/// resumable session ends <see cref="SessionEntitySettings.Ttl"/> after the recovery, not after the
/// connection's end (that moment was not persisted); one that cannot be resumed waits
/// <see cref="SessionEntitySettings.ReattachGrace"/> for its connection, then ends.
/// </para>
/// <para>
/// Taking a name: the <c>Caseless</c> key's entity, then the <c>Cased</c> key's, and the first is
/// released if the second refuses. While a claim is out, everything else waits (stashed) so a
/// session has one name change at a time, bounded by <see cref="SessionEntitySettings.ClaimTimeout"/>.
/// Events are snapshotted every <see cref="SnapshotEvery"/>; an ended session deletes its journal
/// once its names are released and its rooms told, so the next message to its id finds nothing.
/// </para>
/// <para>
/// The rules are pure parts, tested without actors: <see cref="SessionState"/> (decided, persisted,
/// applied, and replayed by recovery), <see cref="NameClaim"/>, <see cref="NameRelease"/> and
/// <see cref="SessionAbsence"/>. This is the shell: it persists, watches, keeps the timers and tells.
/// </para>
/// </remarks>
public sealed partial class SessionEntity : ReceivePersistentActor, IWithTimers
{
    /// <summary>Events between snapshots (each snapshot deletes the events before it).</summary>
    internal const int SnapshotEvery = 32;

    /// <summary>How many times an ending session asks for its names' release before giving up.</summary>
    internal const int MaxReleaseTries = 10;

    private const string ExpiryTimer = "expiry";
    private const string ClaimTimer = "claim";
    private const string ReleaseTimer = "release";
    private const string IdleTimer = "idle";

    private readonly string _id;
    private readonly SessionEntitySettings _settings;
    private readonly IActorRef _names;
    private readonly IActorRef _rooms;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    private SessionState _state = new();
    private IActorRef? _connection;
    private IActorRef? _lastConnection;
    private SessionAbsence? _absence;
    private int _sinceSnapshot;
    private long _attempt;
    private NameClaim? _claim;
    private string _holder = "";
    private Action? _onGranted;
    private Action<string>? _onRefused;
    private NameRelease? _release;
    private string _endReason = "";

    public SessionEntity(string sessionId, SessionEntitySettings settings, IActorRef names, IActorRef rooms, ILogger logger, TimeProvider time)
    {
        _id = sessionId;
        _settings = settings;
        _names = names;
        _rooms = rooms;
        _logger = logger;
        _time = time;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is SessionSnapshot snapshot)
            {
                _state = SessionState.FromSnapshot(snapshot);
            }
        });
        Recover<ISessionEvent>(Apply);
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Active();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "session-" + _id;

    /// <summary>The props of the entity for <paramref name="sessionId"/> (an entity id of the sessions' region).</summary>
    public static Props Props(string sessionId, SessionEntitySettings settings, IActorRef names, IActorRef rooms, ILogger logger, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new SessionEntity(sessionId, settings, names, rooms, logger, time ?? TimeProvider.System));

    private void OnRecovered()
    {
        if (!_state.IsStarted)
        {
            // Nothing stored: a new session is about to start, or a message for an unknown one
            // came. Either way something arrives now; if not (a stray restart), stop.
            Timers.StartSingleTimer(IdleTimer, Idle.Instance, _settings.ClaimTimeout);
            return;
        }

        if (_state.Ended)
        {
            // The end was stored but not finished (its node died meanwhile): finish it.
            BeginEnding("recovered after its end");
            return;
        }

        Detach(SessionAbsence.AfterRecovery(_state.Resumable, _settings, _time.GetUtcNow()));
        _logger.SessionRecoveredDetached(_id, _state.Name, _absence!.Limit);
    }

    /// <summary>The behaviour with no claim out: every command.</summary>
    private void Active()
    {
        Command<StartSession>(OnStart);
        Command<ResumeSession>(OnResume);
        Command<RenameSession>(OnRename);
        Command<Reattach>(OnReattach);
        Command<SessionContract.JoinedRoom>(j => UpdateRooms(j.Room, joined: true));
        Command<SessionContract.LeftRoom>(l => UpdateRooms(l.Room, joined: false));
        Command<SessionContract.Goodbye>(_ =>
        {
            // The goodbye comes through the front, the connection's death straight here: a
            // connection that said goodbye and closed may be seen gone first. Its goodbye still
            // counts while no other connection took the session since.
            if (_state.IsLive && (_connection ?? _lastConnection) is { } connection && Sender.Equals(connection))
            {
                End("goodbye");
            }
        });
        Command<Terminated>(OnTerminated);
        Command<CheckExpiry>(_ => OnCheckExpiry());
        Command<Idle>(_ =>
        {
            if (!_state.IsStarted)
            {
                Passivate();
            }
        });
        Command<NameEntity.HoldsName>(h =>
        {
            Sender.Tell(new NameEntity.HoldsNameReply(h.Key, h.Verification, _state.Keeps(h.Key)));
            if (!_state.IsStarted)
            {
                Passivate();
            }
        });
        // Rooms as an array: the reply has no layout of its own (diagnostics, tests) and Akka's
        // fallback JSON serializer cannot read a compiler-made collection back on another node.
        Command<GetState>(_ => Sender.Tell(_state.IsStarted
            ? new StateReply(_state.Name, _state.Rooms.ToArray(), _connection is not null, _state.Ended)
            : new StateReply(null, [], Attached: false, Ended: false)));
        Command<NameEntity.Granted>(_ => { });
        Command<NameEntity.Held>(_ => { });
        Command<NameEntity.Released>(_ => { });
        Command<StopSession>(_ => Context.Stop(Self));
        Housekeeping();
    }

    private void OnStart(StartSession start)
    {
        if (_state.IsStarted)
        {
            // 96 random bits collided, or a duplicate: never welcome a second connection into a session.
            start.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "Could not start a session; say hello again."));
            return;
        }

        Timers.Cancel(IdleTimer);
        var front = Sender;
        BeginClaim(start.Name, start.Caseless, start.Cased, SessionSharding.NameHolder(_id, start.UserId), onGranted: () =>
        {
            var token = start.Resumable ? SessionTokens.NewToken(_id) : null;
            Persist(_state.DecideStart(start.Name, start.Caseless, start.Cased, start.Resumable, token, start.UserId), e =>
            {
                Apply(e);
                Attach(start.Connection, front);
                start.Connection.Tell(new SessionContract.Welcomed(_id, _state.Name, token, false, []));
            });
        }, onRefused: holder =>
        {
            start.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.NameTaken, holder));
            Passivate();
        });
    }

    private void OnResume(ResumeSession resume)
    {
        // The presented token stays good for one more resume while no connection holds the session:
        // the welcome carrying the new one may never reach the client (its connection dropped as it
        // was sent), which then tries the old one again; the new one is what it must use otherwise.
        var token = SessionTokens.NewToken(_id);
        if (!resume.Connection.Equals(_connection) && _state.IsUserResumeByOther(resume.Token, attached: _connection is not null, resume.UserId))
        {
            // A user's session token without that user's own token: never a way to become the user.
            resume.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidToken, "This session is a user's: resume it with that user's token."));
            return;
        }

        if (resume.Connection.Equals(_connection) || _state.DecideResume(resume.Token, token, attached: _connection is not null, resume.UserId) is not { } resumed)
        {
            // Unknown, used or expired: not an error; the front starts a new session.
            Sender.Tell(new NotResumed(resume.Name, resume.Connection, resume.UserId));
            if (!_state.IsStarted)
            {
                Passivate();
            }

            return;
        }

        var front = Sender;
        Persist(resumed, e =>
        {
            Apply(e);
            if (_connection is { } old)
            {
                Context.Unwatch(old);
                old.Tell(SessionContract.TakenOver.Instance);
            }

            Attach(resume.Connection, front);
            resume.Connection.Tell(new SessionContract.Welcomed(_id, _state.Name, token, true, [.. _state.Rooms]));
        });
    }

    private void OnRename(RenameSession rename)
    {
        if (!_state.IsLive || !rename.Connection.Equals(_connection))
        {
            rename.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NoSession, "Say hello first.", rename.Request));
            return;
        }

        var (oldCaseless, oldCased) = (_state.CaselessKey, _state.CasedKey);
        BeginClaim(rename.Name, rename.Caseless, rename.Cased, _state.NameHolder(_id), onGranted: () =>
        {
            var previous = _state.Name;
            Persist(_state.DecideRename(rename.Name, rename.Caseless, rename.Cased), e =>
            {
                Apply(e);
                ReleaseUnlessKept(oldCaseless);
                ReleaseUnlessKept(oldCased);
                rename.Connection.Tell(new SessionContract.Renamed(previous, e.Name, rename.Request));
            });
        }, onRefused: holder => rename.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NameTaken, holder, rename.Request)));
    }

    private void OnReattach(Reattach reattach)
    {
        if (!_state.IsLive || reattach.Generation != _state.Generation
            || (_connection is not null && !_connection.Equals(reattach.Connection)))
        {
            // Gone, or taken over since that connection's welcome: it speaks for this session no more.
            Sender.Tell(new NotAttached(_id, reattach.Connection));
            reattach.Connection.Tell(SessionContract.TakenOver.Instance);
            if (!_state.IsStarted)
            {
                Passivate();
            }

            return;
        }

        if (_connection is null)
        {
            Attach(reattach.Connection, Sender);
            _logger.SessionReattached(_id, _state.Name);
        }
        else
        {
            Sender.Tell(new Attached(_id, _state.Generation, _connection));
        }
    }

    private void UpdateRooms(string room, bool joined)
    {
        if (_connection is not null && Sender.Equals(_connection) && _state.DecideRoom(room, joined) is { } e)
        {
            Persist(e, Apply);
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_state.IsStarted || !terminated.ActorRef.Equals(_connection))
        {
            return;
        }

        _lastConnection = _connection;
        _connection = null;
        if (SessionAbsence.AfterConnectionLost(_state.Resumable, _settings, _time.GetUtcNow()) is { } absence)
        {
            Detach(absence);
        }
        else
        {
            End("its connection ended");
        }
    }

    private void OnCheckExpiry()
    {
        if (!_state.IsLive || _connection is not null || _absence is not { } absence)
        {
            return;
        }

        var left = absence.LeftAt(_time.GetUtcNow());
        if (left <= TimeSpan.Zero)
        {
            End("time-to-live passed");
        }
        else
        {
            Timers.StartSingleTimer(ExpiryTimer, new CheckExpiry(_id), left);
        }
    }

    private void Attach(IActorRef connection, IActorRef front)
    {
        _connection = connection;
        _lastConnection = null;
        _absence = null;
        Timers.Cancel(ExpiryTimer);
        Context.Watch(connection);
        if (!front.IsNobody())
        {
            front.Tell(new Attached(_id, _state.Generation, connection));
        }
    }

    private void Detach(SessionAbsence absence)
    {
        _connection = null;
        _absence = absence;
        Timers.StartSingleTimer(ExpiryTimer, new CheckExpiry(_id), absence.Limit);
    }

    private void End(string reason)
    {
        if (_connection is { } connection)
        {
            Context.Unwatch(connection);
            _connection = null;
        }

        Timers.Cancel(ExpiryTimer);
        Persist(_state.DecideClose(), e =>
        {
            Apply(e);
            BeginEnding(reason);
        });
    }

    private static void Passivate() => Context.Parent.Tell(new Passivate(StopSession.Instance));

    internal static string NameTaken(string name, string heldBy) => heldBy == name
        ? $"The name \"{name}\" is taken."
        : $"The name \"{name}\" is too close to \"{heldBy}\", which is taken.";
}
