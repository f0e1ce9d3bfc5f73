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
/// </remarks>
public sealed class SessionEntity : ReceivePersistentActor, IWithTimers
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

    private State? _state;
    private IActorRef? _connection;
    private IActorRef? _lastConnection;
    private DateTimeOffset? _detachedAt;
    private TimeSpan _detachedLimit;
    private int _sinceSnapshot;
    private long _attempt;
    private ClaimInFlight? _claim;
    private HashSet<string> _unreleased = new(StringComparer.Ordinal);
    private int _releaseTries;
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
                _state = State.Of(snapshot);
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
        if (_state is null)
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

        Detach(_state.Resumable ? _settings.Ttl : _settings.ReattachGrace);
        _logger.SessionRecoveredDetached(_id, _state.Name, _detachedLimit);
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
            if (_state is not null && (_connection ?? _lastConnection) is { } connection && Sender.Equals(connection))
            {
                End("goodbye");
            }
        });
        Command<Terminated>(OnTerminated);
        Command<CheckExpiry>(_ => OnCheckExpiry());
        Command<Idle>(_ =>
        {
            if (_state is null)
            {
                Passivate();
            }
        });
        Command<NameEntity.HoldsName>(h =>
        {
            Sender.Tell(new NameEntity.HoldsNameReply(h.Key, h.Verification, HoldsKey(h.Key)));
            if (_state is null)
            {
                Passivate();
            }
        });
        // Rooms as an array: the reply has no layout of its own (diagnostics, tests) and Akka's
        // fallback JSON serializer cannot read a compiler-made collection back on another node.
        Command<GetState>(_ => Sender.Tell(_state is null
            ? new StateReply(null, [], Attached: false, Ended: false)
            : new StateReply(_state.Name, _state.Rooms.ToArray(), _connection is not null, _state.Ended)));
        Command<NameEntity.Granted>(_ => { });
        Command<NameEntity.Held>(_ => { });
        Command<NameEntity.Released>(_ => { });
        Command<StopSession>(_ => Context.Stop(Self));
        Housekeeping();
    }

    private void OnStart(StartSession start)
    {
        if (_state is not null)
        {
            // 96 random bits collided, or a duplicate: never welcome a second connection into a session.
            start.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "Could not start a session; say hello again."));
            return;
        }

        Timers.Cancel(IdleTimer);
        var front = Sender;
        BeginClaim(start.Name, start.Caseless, start.Cased, onGranted: () =>
        {
            var token = start.Resumable ? SessionTokens.NewToken(_id) : null;
            var started = new SessionStarted(start.Name, start.Caseless, start.Cased, start.Resumable, token is null ? null : SessionTokens.Hash(token));
            Persist(started, e =>
            {
                Apply(e);
                Attach(start.Connection, front);
                start.Connection.Tell(new SessionContract.Welcomed(_id, _state!.Name, token, false, []));
            });
        }, onRefused: holder =>
        {
            start.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.NameTaken, holder));
            Passivate();
        });
    }

    private void OnResume(ResumeSession resume)
    {
        if (_state is null || _state.Ended || !_state.Resumable || resume.Connection.Equals(_connection) || !_state.Accepts(resume.Token, attached: _connection is not null))
        {
            // Unknown, used or expired: not an error; the front starts a new session.
            Sender.Tell(new NotResumed(resume.Name, resume.Connection));
            if (_state is null)
            {
                Passivate();
            }

            return;
        }

        var front = Sender;
        var token = SessionTokens.NewToken(_id);
        // The presented token stays good for one more resume while no connection holds the session:
        // the welcome carrying the new one may never reach the client (its connection dropped as it
        // was sent), which then tries the old one again; the new one is what it must use otherwise.
        Persist(new SessionResumed(SessionTokens.Hash(token), SessionTokens.Hash(resume.Token)), e =>
        {
            Apply(e);
            if (_connection is { } old)
            {
                Context.Unwatch(old);
                old.Tell(SessionContract.TakenOver.Instance);
            }

            Attach(resume.Connection, front);
            resume.Connection.Tell(new SessionContract.Welcomed(_id, _state!.Name, token, true, [.. _state.Rooms]));
        });
    }

    private void OnRename(RenameSession rename)
    {
        if (_state is null || _state.Ended || !rename.Connection.Equals(_connection))
        {
            rename.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NoSession, "Say hello first.", rename.Request));
            return;
        }

        var (oldCaseless, oldCased) = (_state.Caseless, _state.Cased);
        BeginClaim(rename.Name, rename.Caseless, rename.Cased, onGranted: () =>
        {
            var previous = _state!.Name;
            Persist(new SessionRenamed(rename.Name, rename.Caseless, rename.Cased), e =>
            {
                Apply(e);
                ReleaseUnlessKept(SessionSharding.CaselessKey(oldCaseless));
                ReleaseUnlessKept(SessionSharding.CasedKey(oldCased));
                rename.Connection.Tell(new SessionContract.Renamed(previous, e.Name, rename.Request));
            });
        }, onRefused: holder => rename.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NameTaken, holder, rename.Request)));
    }

    private void OnReattach(Reattach reattach)
    {
        if (_state is null || _state.Ended || reattach.Generation != _state.Generation
            || (_connection is not null && !_connection.Equals(reattach.Connection)))
        {
            // Gone, or taken over since that connection's welcome: it speaks for this session no more.
            Sender.Tell(new NotAttached(_id, reattach.Connection));
            reattach.Connection.Tell(SessionContract.TakenOver.Instance);
            if (_state is null)
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
        if (_state is null || _state.Ended || _connection is null || !Sender.Equals(_connection) || _state.Rooms.Contains(room) == joined)
        {
            return;
        }

        Persist<ISessionEvent>(joined ? new RoomJoined(room) : new RoomLeft(room), Apply);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_state is null || !terminated.ActorRef.Equals(_connection))
        {
            return;
        }

        _lastConnection = _connection;
        _connection = null;
        if (!_state.Resumable)
        {
            End("its connection ended");
            return;
        }

        Detach(_settings.Ttl);
    }

    private void OnCheckExpiry()
    {
        if (_state is null || _state.Ended || _connection is not null || _detachedAt is not { } since)
        {
            return;
        }

        var left = since + _detachedLimit - _time.GetUtcNow();
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
        _detachedAt = null;
        Timers.Cancel(ExpiryTimer);
        Context.Watch(connection);
        if (!front.IsNobody())
        {
            front.Tell(new Attached(_id, _state!.Generation, connection));
        }
    }

    private void Detach(TimeSpan limit)
    {
        _connection = null;
        _detachedAt = _time.GetUtcNow();
        _detachedLimit = limit;
        Timers.StartSingleTimer(ExpiryTimer, new CheckExpiry(_id), limit);
    }

    private void End(string reason)
    {
        if (_connection is { } connection)
        {
            Context.Unwatch(connection);
            _connection = null;
        }

        Timers.Cancel(ExpiryTimer);
        Persist(SessionClosed.Instance, e =>
        {
            Apply(e);
            BeginEnding(reason);
        });
    }

    /// <summary>The session is over (stored): frees its names (confirmed, retried), then tells its rooms and stops.</summary>
    private void BeginEnding(string reason)
    {
        _endReason = reason;
        _unreleased = new HashSet<string>(StringComparer.Ordinal) { SessionSharding.CaselessKey(_state!.Caseless), SessionSharding.CasedKey(_state.Cased) };
        _releaseTries = 0;
        Become(Ending);
        AskRelease();
    }

    private void Ending()
    {
        Command<NameEntity.Released>(r =>
        {
            if (r.SessionId == _id && _unreleased.Remove(r.Key) && _unreleased.Count == 0)
            {
                FinishEnding();
            }
        });
        Command<ReleaseDue>(_ =>
        {
            if (_releaseTries >= MaxReleaseTries)
            {
                _logger.NameReleaseUnconfirmed(_id, _state!.Name, _releaseTries);
                FinishEnding();
            }
            else
            {
                AskRelease();
            }
        });
        Command<ResumeSession>(r => Sender.Tell(new NotResumed(r.Name, r.Connection)));
        Command<StartSession>(s => s.Connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "Could not start a session; say hello again.")));
        Command<RenameSession>(r => r.Connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NoSession, "Say hello first.", r.Request)));
        Command<Reattach>(r =>
        {
            Sender.Tell(new NotAttached(_id, r.Connection));
            r.Connection.Tell(SessionContract.TakenOver.Instance);
        });
        Command<NameEntity.HoldsName>(h => Sender.Tell(new NameEntity.HoldsNameReply(h.Key, h.Verification, _unreleased.Contains(h.Key))));
        Command<StopSession>(_ => Context.Stop(Self));
        Housekeeping();
        CommandAny(_ => { });
    }

    private void AskRelease()
    {
        _releaseTries++;
        foreach (var key in _unreleased)
        {
            _names.Tell(new NameEntity.Release(key, _id));
        }

        Timers.StartSingleTimer(ReleaseTimer, ReleaseDue.Instance, _settings.ClaimTimeout);
    }

    private void FinishEnding()
    {
        Timers.Cancel(ReleaseTimer);
        var state = _state!;
        _logger.ClusterSessionEnded(_id, state.Name, _endReason, state.Rooms.Count);
        foreach (var room in state.Rooms)
        {
            _rooms.Tell(new RoomContract.SessionEnded(room, _id));
        }

        // Nothing of an ended session is needed again: the next message to its id finds nothing.
        DeleteMessages(LastSequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(LastSequenceNr));
        _unreleased.Clear();
        Passivate();
    }

    /// <summary>Claims the name's two keys in order; then exactly one of the callbacks runs.</summary>
    private void BeginClaim(string name, string caseless, string cased, Action onGranted, Action<string> onRefused)
    {
        _claim = new ClaimInFlight(++_attempt, name, SessionSharding.CaselessKey(caseless), SessionSharding.CasedKey(cased), onGranted, onRefused);
        _names.Tell(new NameEntity.Claim(_claim.Caseless, _id, name, _claim.Attempt));
        Timers.StartSingleTimer(ClaimTimer, new ClaimTimedOut(_claim.Attempt), _settings.ClaimTimeout);
        Become(Claiming);
    }

    private void Claiming()
    {
        Command<NameEntity.Granted>(g =>
        {
            if (_claim is not { } claim || g.Attempt != claim.Attempt)
            {
                return;
            }

            if (g.Key == claim.Caseless && !claim.FirstGranted)
            {
                _claim = claim with { FirstGranted = true };
                _names.Tell(new NameEntity.Claim(claim.Cased, _id, claim.Name, claim.Attempt));
            }
            else if (g.Key == claim.Cased && claim.FirstGranted)
            {
                ClaimDone().OnGranted();
            }
        });
        Command<NameEntity.Held>(h =>
        {
            if (_claim is not { } claim || h.Attempt != claim.Attempt)
            {
                return;
            }

            if (claim.FirstGranted)
            {
                ReleaseUnlessKept(claim.Caseless);
            }

            _logger.NameRefusedAsTaken(claim.Name, h.HolderName);
            ClaimDone().OnRefused(NameTaken(claim.Name, h.HolderName));
        });
        Command<ClaimTimedOut>(t =>
        {
            if (_claim is not { } claim || t.Attempt != claim.Attempt)
            {
                return;
            }

            // Either key may have been granted with its answer lost: release both (a release
            // after the claim, to the same entity from here, is handled after it).
            ReleaseUnlessKept(claim.Caseless);
            ReleaseUnlessKept(claim.Cased);
            _logger.NameClaimTimedOut(_id, claim.Name, _settings.ClaimTimeout);
            ClaimDone().OnRefused("The name could not be checked just now; try again.");
        });
        Command<NameEntity.Released>(_ => { });

        // Answered now, not stashed: the name entity asking may be the one this claim waits for.
        Command<NameEntity.HoldsName>(h => Sender.Tell(new NameEntity.HoldsNameReply(
            h.Key, h.Verification, HoldsKey(h.Key) || h.Key == _claim?.Caseless || h.Key == _claim?.Cased)));
        Housekeeping();
        CommandAny(_ => Stash.Stash());
    }

    private ClaimInFlight ClaimDone()
    {
        var claim = _claim!;
        _claim = null;
        Timers.Cancel(ClaimTimer);
        Become(Active);
        Stash.UnstashAll();
        return claim;
    }

    /// <summary>True when the session's current name uses <paramref name="key"/>.</summary>
    private bool HoldsKey(string key) =>
        _state is { Ended: false } state && (key == SessionSharding.CaselessKey(state.Caseless) || key == SessionSharding.CasedKey(state.Cased));

    /// <summary>Frees <paramref name="key"/> unless the session's current name uses it.</summary>
    private void ReleaseUnlessKept(string key)
    {
        if (_state is { Ended: false } state && (key == SessionSharding.CaselessKey(state.Caseless) || key == SessionSharding.CasedKey(state.Cased)))
        {
            return;
        }

        _names.Tell(new NameEntity.Release(key, _id));
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

    private void Apply(ISessionEvent e)
    {
        switch (e)
        {
            case SessionStarted started:
                _state = new State(started.Name, started.Caseless, started.Cased, started.Resumable, started.TokenHash, null, 1, new SortedSet<string>(StringComparer.Ordinal), false);
                break;
            case SessionResumed resumed when _state is not null:
                _state = _state with { TokenHash = resumed.TokenHash, PreviousTokenHash = resumed.PreviousTokenHash, Generation = _state.Generation + 1 };
                break;
            case SessionRenamed renamed when _state is not null:
                _state = _state with { Name = renamed.Name, Caseless = renamed.Caseless, Cased = renamed.Cased };
                break;
            case RoomJoined joined when _state is not null:
                _state.Rooms.Add(joined.Room);
                break;
            case RoomLeft left when _state is not null:
                _state.Rooms.Remove(left.Room);
                break;
            case SessionClosed when _state is not null:
                _state = _state with { Ended = true };
                break;
        }

        if (!IsRecovering && _state is { Ended: false } && ++_sinceSnapshot >= SnapshotEvery)
        {
            _sinceSnapshot = 0;
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    private static void Passivate() => Context.Parent.Tell(new Passivate(StopSession.Instance));

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

    internal static string NameTaken(string name, string heldBy) => heldBy == name
        ? $"The name \"{name}\" is taken."
        : $"The name \"{name}\" is too close to \"{heldBy}\", which is taken.";

    /// <param name="TokenHash">The hash of the token the last welcome carried.</param>
    /// <param name="PreviousTokenHash">The hash of the token that last welcome's resume presented: still accepted, since that welcome may have been lost.</param>
    private sealed record State(string Name, string Caseless, string Cased, bool Resumable, byte[]? TokenHash, byte[]? PreviousTokenHash, long Generation, SortedSet<string> Rooms, bool Ended)
    {
        public static State Of(SessionSnapshot s) =>
            new(s.Name, s.Caseless, s.Cased, s.Resumable, s.TokenHash, s.PreviousTokenHash, s.Generation, new SortedSet<string>(s.Rooms, StringComparer.Ordinal), s.Ended);

        public SessionSnapshot ToSnapshot() => new(Name, Caseless, Cased, Resumable, TokenHash, Generation, [.. Rooms], Ended, PreviousTokenHash);

        /// <summary>
        /// The current token; or, while no connection is <paramref name="attached"/>, the one before it
        /// (whose holder may never have got the welcome that replaced it).
        /// </summary>
        public bool Accepts(string token, bool attached) =>
            SessionTokens.Matches(token, TokenHash) || (!attached && PreviousTokenHash is not null && SessionTokens.Matches(token, PreviousTokenHash));
    }

    private sealed record ClaimInFlight(long Attempt, string Name, string Caseless, string Cased, Action OnGranted, Action<string> OnRefused)
    {
        public bool FirstGranted { get; init; }
    }

    // ---- Messages (front → entity, entity → front). Connections get SessionContract replies. ----

    /// <summary>Start a new session under a validated name and its keys; the entity answers the connection.</summary>
    public sealed record StartSession(string SessionId, string Name, string Caseless, string Cased, bool Resumable, IActorRef Connection) : ISessionMessage;

    /// <summary>Resume with <paramref name="Token"/>; unless it is the session's current one the front is told <see cref="NotResumed"/>.</summary>
    public sealed record ResumeSession(string SessionId, string Token, string Name, IActorRef Connection) : ISessionMessage;

    /// <summary>The token did not resume the session (entity → front): start a new one under <paramref name="Name"/>.</summary>
    public sealed record NotResumed(string Name, IActorRef Connection);

    /// <summary>Rename the session to a validated name and its keys; the entity answers the connection, echoing <paramref name="Request"/> (<see cref="SessionContract.Rename"/>).</summary>
    public sealed record RenameSession(string SessionId, string Name, string Caseless, string Cased, IActorRef Connection, long Request = 0) : ISessionMessage;

    /// <summary>The entity watches <paramref name="Connection"/>, welcomed in <paramref name="Generation"/> (entity → front).</summary>
    public sealed record Attached(string SessionId, long Generation, IActorRef Connection);

    /// <summary>
    /// The session's entity stopped while <paramref name="Connection"/> lived (front → entity): watch it
    /// again if it is still the session's connection (welcomed in <paramref name="Generation"/>).
    /// </summary>
    public sealed record Reattach(string SessionId, long Generation, IActorRef Connection) : ISessionMessage;

    /// <summary>The session is gone or was taken over (entity → front): the connection was told <see cref="SessionContract.TakenOver"/>.</summary>
    public sealed record NotAttached(string SessionId, IActorRef Connection);

    /// <summary>Ends the session if its connection has been gone long enough (the entity's own timer; tests).</summary>
    public sealed record CheckExpiry(string SessionId) : ISessionMessage, INoSerializationVerificationNeeded;

    /// <summary>Asks for <see cref="StateReply"/> (tests, diagnostics; never crosses nodes in production).</summary>
    public sealed record GetState(string SessionId) : ISessionMessage, INoSerializationVerificationNeeded;

    /// <summary>The session's name (null: no such session), rooms, whether a connection is attached, whether it ended.</summary>
    public sealed record StateReply(string? Name, IReadOnlyList<string> Rooms, bool Attached, bool Ended) : INoSerializationVerificationNeeded;

    /// <summary>Stops the entity (the passivation message of the sessions' region).</summary>
    public sealed record StopSession : INoSerializationVerificationNeeded
    {
        public static readonly StopSession Instance = new();
    }

    private sealed record ClaimTimedOut(long Attempt) : INoSerializationVerificationNeeded;

    private sealed record ReleaseDue : INoSerializationVerificationNeeded
    {
        public static readonly ReleaseDue Instance = new();
    }

    private sealed record Idle : INoSerializationVerificationNeeded
    {
        public static readonly Idle Instance = new();
    }

    // ---- Persisted events and the snapshot (SessionMessagesSerializer, manifests "se…"). ----

    /// <summary>A session started: its name and keys, whether it can be resumed, its token's hash (null when not).</summary>
    public sealed record SessionStarted(string Name, string Caseless, string Cased, bool Resumable, byte[]? TokenHash) : ISessionEvent;

    /// <summary>Resumed with a new token (its hash) by the token <paramref name="PreviousTokenHash"/> hashes (null in events stored before it was kept); the generation is one more.</summary>
    public sealed record SessionResumed(byte[] TokenHash, byte[]? PreviousTokenHash = null) : ISessionEvent;

    /// <summary>Renamed: the new name and keys.</summary>
    public sealed record SessionRenamed(string Name, string Caseless, string Cased) : ISessionEvent;

    /// <summary>Joined <paramref name="Room"/>.</summary>
    public sealed record RoomJoined(string Room) : ISessionEvent;

    /// <summary>Left <paramref name="Room"/>.</summary>
    public sealed record RoomLeft(string Room) : ISessionEvent;

    /// <summary>The session ended: what is left is freeing its names and telling its rooms.</summary>
    public sealed record SessionClosed : ISessionEvent
    {
        public static readonly SessionClosed Instance = new();
    }

    /// <summary>The whole state at a sequence number.</summary>
    public sealed record SessionSnapshot(string Name, string Caseless, string Cased, bool Resumable, byte[]? TokenHash, long Generation, IReadOnlyList<string> Rooms, bool Ended, byte[]? PreviousTokenHash = null) : ISessionEvent;
}

/// <summary>The cluster's session settings.</summary>
/// <param name="Ttl">How long a session whose connection dropped (or that recovered without it) waits to be resumed.</param>
/// <param name="ReattachGrace">How long a recovered session that cannot be resumed waits for its connection to be reattached.</param>
/// <param name="ClaimTimeout">How long a name claim or release may go unanswered (then refused, or retried).</param>
public sealed record SessionEntitySettings(TimeSpan Ttl, TimeSpan ReattachGrace, TimeSpan ClaimTimeout)
{
    /// <summary>With the default grace (10 s) and claim timeout (10 s).</summary>
    public static SessionEntitySettings For(TimeSpan ttl) => new(ttl, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
}

/// <summary>A persisted session or name event, or snapshot (stored by SessionMessagesSerializer).</summary>
public interface ISessionEvent;
