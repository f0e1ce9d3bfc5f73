using ActorChat.Actors.Protocol;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

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
/// <para>
/// While a member of the cluster is unreachable, a new session's id is drawn so that its shard is
/// one this node hosts (the local region's own shards, asked of it then and every
/// <see cref="LocalShardsRefresh"/> after): a random id could fall in a shard of the unreachable
/// node, and that session would wait for the node's removal (the recovery bound) while this node
/// could start it at once. With no shard here yet the id is random; a shard not allocated before is
/// given to a reachable node (<see cref="ReachableFirstAllocation"/>). Otherwise ids are random, so
/// sessions spread over every shard.
/// </para>
/// </remarks>
public sealed class SessionFront : ReceiveActor, IWithTimers
{
    /// <summary>How often an unanswered reattach is sent again.</summary>
    internal static readonly TimeSpan ReattachRetry = TimeSpan.FromSeconds(3);

    /// <summary>How many times a reattach is sent before the front gives up on it (the session then expires as a dropped one).</summary>
    internal const int MaxReattachTries = 40;

    /// <summary>How often the local region is asked for its shards while a member is unreachable (they grow as new shards come here).</summary>
    internal static readonly TimeSpan LocalShardsRefresh = TimeSpan.FromSeconds(1);

    private const string RetryTimer = "reattach";

    private const string LocalShardsTimer = "local-shards";

    private readonly IActorRef _sessions;
    private readonly int _maxNameLength;
    private readonly int _shards;
    private readonly HashSet<Address> _unreachable = [];
    private IReadOnlySet<string> _localShards = new HashSet<string>();
    private readonly Dictionary<IActorRef, Tracked> _connections = [];
    private readonly Dictionary<IActorRef, HashSet<IActorRef>> _byEntity = [];

    public SessionFront(IActorRef sessions, int maxNameLength, int shards)
    {
        _sessions = sessions;
        _maxNameLength = maxNameLength;
        _shards = shards;

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
        Receive<SessionEntity.NotResumed>(n => Start(n.Connection, n.Name, resumable: true, n.UserId));
        Receive<SessionEntity.Attached>(OnAttached);
        Receive<SessionEntity.NotAttached>(n => Forget(n.Connection));
        Receive<Terminated>(OnTerminated);
        Receive<RetryDue>(_ => RetryReattach());
        Receive<SessionContract.GetSessionCount>(_ => Sender.Tell(new SessionContract.SessionCount(_connections.Count)));
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            _unreachable.Add(u.Member.Address);
            AskLocalShards();
            Timers.StartPeriodicTimer(LocalShardsTimer, LocalShardsDue.Instance, LocalShardsRefresh);
        });
        Receive<ClusterEvent.ReachableMember>(r => Reached(r.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(r => Reached(r.Member.Address));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        Receive<LocalShardsDue>(_ => AskLocalShards());
        Receive<CurrentShardRegionState>(state => _localShards = state.Shards.Select(s => s.ShardId).ToHashSet());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="sessions">The sessions' shard region (<see cref="SessionSharding"/>).</param>
    /// <param name="maxNameLength">The longest name allowed (as on one node).</param>
    /// <param name="shards">The sessions' number of shards.</param>
    public static Props Props(IActorRef sessions, int maxNameLength, int shards) =>
        Akka.Actor.Props.Create(() => new SessionFront(sessions, maxNameLength, shards));

    protected override void PreStart() => Cluster.Get(Context.System).Subscribe(
        Self,
        ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IReachabilityEvent),
        typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnHello(IActorRef connection, SessionContract.Hello hello)
    {
        if (_connections.ContainsKey(connection))
        {
            connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidPacket, "This connection already has a session."));
            return;
        }

        if (hello.Resumable && SessionTokens.TryParse(hello.Token, out var sessionId))
        {
            _sessions.Tell(new SessionEntity.ResumeSession(sessionId, hello.Token!, hello.Name, connection, hello.UserId));
            return;
        }

        Start(connection, hello.Name, hello.Resumable, hello.UserId);
    }

    private void Start(IActorRef connection, string raw, bool resumable, string? userId)
    {
        if (!ChatRules.TryValidateName(raw, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new SessionContract.HelloRefused(ErrorCodes.InvalidName, error));
            return;
        }

        if (ReservedNames.IsReserved(key))
        {
            connection.Tell(new SessionContract.HelloRefused(ErrorCodes.NameTaken, ReservedNames.Refusal(name)));
            return;
        }

        var id = _unreachable.Count > 0 ? SessionSharding.NewSessionIdIn(_localShards, _shards) : SessionTokens.NewSessionId();
        _sessions.Tell(new SessionEntity.StartSession(id, name, key.Caseless, key.Cased, resumable, connection, userId));
    }

    private void OnRename(IActorRef connection, SessionContract.Rename rename)
    {
        if (!ChatRules.TryValidateName(rename.Name, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new SessionContract.RenameRefused(ErrorCodes.InvalidName, error, rename.Request));
            return;
        }

        if (ReservedNames.IsReserved(key))
        {
            connection.Tell(new SessionContract.RenameRefused(ErrorCodes.NameTaken, ReservedNames.Refusal(name), rename.Request));
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

    private void Reached(Address address)
    {
        if (_unreachable.Remove(address) && _unreachable.Count == 0)
        {
            Timers.Cancel(LocalShardsTimer);
        }
    }

    /// <summary>The local region answers from itself with <see cref="CurrentShardRegionState"/> (no other node asked).</summary>
    private void AskLocalShards() => _sessions.Tell(GetShardRegionState.Instance);

    /// <summary>A connection of this node with a session: which, since which welcome, and the entity watching it (null while reattaching).</summary>
    private sealed record Tracked(string SessionId, long Generation, IActorRef? Entity, int Tries);

    private sealed record RetryDue : INoSerializationVerificationNeeded
    {
        public static readonly RetryDue Instance = new();
    }

    private sealed record LocalShardsDue : INoSerializationVerificationNeeded
    {
        public static readonly LocalShardsDue Instance = new();
    }
}
