using ActorChat.Actors.Protocol;
using ActorChat.Protocol;
using Akka.Actor;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// What a connection's <c>Wiring.Sessions</c> is in a cluster (one per node): it turns the
/// connection's session messages into messages for the session's <see cref="SessionEntity"/>, on
/// whichever node that lives, and the entity answers the connection directly with the replies
/// <see cref="SessionContract"/> names.
/// </summary>
/// <remarks>
/// <para>
/// A hello without a token of ours starts a session under a new random id; with one, it goes to the
/// token's session, which resumes or answers <see cref="SessionEntity.NotResumed"/>, and then a new
/// session starts under the hello's name (an unknown, used or malformed token is not an error).
/// Names are validated and keyed here, on the connection's node, so an entity on another node gets
/// only names that pass.
/// </para>
/// <para>
/// The front also keeps each of its connections attached: it watches the entity that welcomed a
/// connection, and if that entity stops while both the connection and its session live (its shard
/// handed to another node, or its node died), it sends <see cref="SessionEntity.Reattach"/>, retried
/// until the new incarnation answers, so the session keeps watching a connection that never left.
/// </para>
/// </remarks>
public sealed class SessionFront : ReceiveActor, IWithTimers
{
    /// <summary>How often an unanswered reattach is sent again.</summary>
    internal static readonly TimeSpan ReattachRetry = TimeSpan.FromSeconds(3);

    /// <summary>How many times a reattach is sent before the front gives up on it (the session then expires as a dropped one).</summary>
    internal const int MaxReattachTries = 40;

    private const string RetryTimer = "reattach";

    private readonly IActorRef _sessions;
    private readonly int _maxNameLength;
    private readonly Dictionary<IActorRef, Tracked> _connections = [];
    private readonly Dictionary<IActorRef, HashSet<IActorRef>> _byEntity = [];

    public SessionFront(IActorRef sessions, int maxNameLength)
    {
        _sessions = sessions;
        _maxNameLength = maxNameLength;

        Receive<SessionContract.Hello>(h => OnHello(Sender, h));
        Receive<SessionContract.Rename>(r => OnRename(Sender, r));
        Receive<SessionContract.JoinedRoom>(j => _sessions.Forward(j));
        Receive<SessionContract.LeftRoom>(l => _sessions.Forward(l));
        Receive<SessionContract.Goodbye>(g =>
        {
            // The session ends with its entity now: nothing to reattach when that stops.
            Forget(Sender);
            _sessions.Forward(g);
        });
        Receive<SessionEntity.NotResumed>(n => Start(n.Connection, n.Name, resumable: true));
        Receive<SessionEntity.Attached>(OnAttached);
        Receive<SessionEntity.NotAttached>(n => Forget(n.Connection));
        Receive<Terminated>(OnTerminated);
        Receive<RetryDue>(_ => RetryReattach());
        Receive<SessionContract.GetSessionCount>(_ => Sender.Tell(new SessionContract.SessionCount(_connections.Count)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="sessions">The sessions' shard region (<see cref="SessionSharding"/>).</param>
    /// <param name="maxNameLength">The longest name allowed (as on one node).</param>
    public static Props Props(IActorRef sessions, int maxNameLength) =>
        Akka.Actor.Props.Create(() => new SessionFront(sessions, maxNameLength));

    private void OnHello(IActorRef connection, SessionContract.Hello hello)
    {
        if (_connections.ContainsKey(connection))
        {
            connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "This connection already has a session."));
            return;
        }

        if (hello.Resumable && SessionTokens.TryParse(hello.Token, out var sessionId))
        {
            _sessions.Tell(new SessionEntity.ResumeSession(sessionId, hello.Token!, hello.Name, connection));
            return;
        }

        Start(connection, hello.Name, hello.Resumable);
    }

    private void Start(IActorRef connection, string raw, bool resumable)
    {
        if (!ChatRules.TryValidateName(raw, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidName, error));
            return;
        }

        _sessions.Tell(new SessionEntity.StartSession(SessionTokens.NewSessionId(), name, key.Caseless, key.Cased, resumable, connection));
    }

    private void OnRename(IActorRef connection, SessionContract.Rename rename)
    {
        if (!ChatRules.TryValidateName(rename.Name, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new SessionContract.RenameRefused(ErrorCodes.InvalidName, error, rename.Request));
            return;
        }

        _sessions.Tell(new SessionEntity.RenameSession(rename.SessionId, name, key.Caseless, key.Cased, connection, rename.Request));
    }

    private void OnAttached(SessionEntity.Attached attached)
    {
        var entity = Sender;
        if (_connections.TryGetValue(attached.Connection, out var tracked))
        {
            Unlink(attached.Connection, tracked);
        }
        else
        {
            Context.Watch(attached.Connection);
        }

        _connections[attached.Connection] = new Tracked(attached.SessionId, attached.Generation, entity, Tries: 0);
        if (!_byEntity.TryGetValue(entity, out var connections))
        {
            _byEntity[entity] = connections = [];
            Context.Watch(entity);
        }

        connections.Add(attached.Connection);
    }

    private void OnTerminated(Terminated terminated)
    {
        var gone = terminated.ActorRef;
        if (_connections.ContainsKey(gone))
        {
            Forget(gone);
            return;
        }

        if (!_byEntity.Remove(gone, out var connections))
        {
            return;
        }

        // The entity stopped with these connections alive: its session moved or its node died.
        foreach (var connection in connections)
        {
            var tracked = _connections[connection] with { Entity = null, Tries = 1 };
            _connections[connection] = tracked;
            _sessions.Tell(new SessionEntity.Reattach(tracked.SessionId, tracked.Generation, connection));
        }

        Timers.StartPeriodicTimer(RetryTimer, RetryDue.Instance, ReattachRetry);
    }

    private void RetryReattach()
    {
        var pending = false;
        foreach (var (connection, tracked) in _connections.ToList())
        {
            if (tracked.Entity is not null)
            {
                continue;
            }

            if (tracked.Tries >= MaxReattachTries)
            {
                Forget(connection);
                continue;
            }

            pending = true;
            _connections[connection] = tracked with { Tries = tracked.Tries + 1 };
            _sessions.Tell(new SessionEntity.Reattach(tracked.SessionId, tracked.Generation, connection));
        }

        if (!pending)
        {
            Timers.Cancel(RetryTimer);
        }
    }

    private void Forget(IActorRef connection)
    {
        if (_connections.Remove(connection, out var tracked))
        {
            Context.Unwatch(connection);
            Unlink(connection, tracked);
        }
    }

    private void Unlink(IActorRef connection, Tracked tracked)
    {
        if (tracked.Entity is { } entity && _byEntity.TryGetValue(entity, out var connections))
        {
            connections.Remove(connection);
            if (connections.Count == 0)
            {
                _byEntity.Remove(entity);
                Context.Unwatch(entity);
            }
        }
    }

    /// <summary>A connection of this node with a session: which, since which welcome, and the entity watching it (null while reattaching).</summary>
    private sealed record Tracked(string SessionId, long Generation, IActorRef? Entity, int Tries);

    private sealed record RetryDue : INoSerializationVerificationNeeded
    {
        public static readonly RetryDue Instance = new();
    }
}
