using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Users.UserContract;

namespace ActorChat.Actors.Users;

/// <summary>
/// One signed-in user (sharded by the user id, the token's <c>sub</c>; persistent): the rooms the user
/// is a member of, whichever connection joined them (<see cref="UserMemberships"/>), and the user's
/// connections alive now, watched, so that a <c>leave</c> on one is a leave on all. Every change is
/// persisted before it counts, so the rooms survive restarts and the entity moving to another node.
/// </summary>
/// <remarks>
/// Persistence id <c>user-</c> and the user id. Each event is the whole list (capped), so only the
/// last one matters: every <see cref="TrimEvery"/> events the older ones are deleted. With no
/// connection attached and nothing asked for <see cref="IdleAfter"/>, the entity leaves memory.
/// Names are not kept here: a user's name is reserved by the names' entities for the user.
/// </remarks>
public sealed class UserEntity : ReceivePersistentActor
{
    /// <summary>How long an entity without connections stays in memory with nothing asked of it, by default.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most connections of one user watched at once (tabs and devices; a client that opens more is
    /// answered still, but its later ones are not told of leaves on the others).
    /// </summary>
    internal const int MaxConnections = 256;

    /// <summary>How many events the entity keeps at most before the older ones are deleted.</summary>
    internal const int TrimEvery = 16;

    private readonly string _userId;
    private readonly UserMemberships _rooms;
    private readonly ILogger _logger;
    private readonly TimeSpan _idleAfter;
    private readonly HashSet<IActorRef> _connections = [];

    public UserEntity(string userId, int maxRooms, ILogger logger, TimeSpan idleAfter)
    {
        _userId = userId;
        _rooms = new UserMemberships(maxRooms);
        _logger = logger;
        _idleAfter = idleAfter;

        Recover<UserRoomsSet>(_rooms.Apply);

        Command<Attach>(OnAttach);
        Command<JoinedRoom>(OnJoined);
        Command<LeftRoom>(OnLeft);
        Command<Terminated>(t => _connections.Remove(t.ActorRef));
        Command<ReceiveTimeout>(_ =>
        {
            // Out of memory until the next hello or join recovers it from its short journal; never
            // while a connection may still need a leave told.
            if (_connections.Count == 0)
            {
                Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(StopUser.Instance));
            }
        });
        Command<StopUser>(_ => Context.Stop(Self));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _logger.UserTrimFailed(_userId, f.Cause.Message));
    }

    public override string PersistenceId => "user-" + _userId;

    /// <summary>The props of the entity of <paramref name="userId"/>, keeping at most <paramref name="maxRooms"/> rooms.</summary>
    /// <param name="idleAfter">How long it stays in memory without connections and with nothing asked (null: <see cref="IdleAfter"/>).</param>
    public static Props Props(string userId, int maxRooms, ILogger logger, TimeSpan? idleAfter = null) =>
        Akka.Actor.Props.Create(() => new UserEntity(userId, maxRooms, logger, idleAfter ?? IdleAfter));

    protected override void PreStart()
    {
        SetReceiveTimeout(_idleAfter);
        base.PreStart();
    }

    private void OnAttach(Attach attach)
    {
        if (_connections.Count < MaxConnections && _connections.Add(attach.Connection))
        {
            Context.Watch(attach.Connection);
        }

        attach.Connection.Tell(new Memberships(_userId, _rooms.Rooms.ToArray()));
    }

    private void OnLeft(LeftRoom left)
    {
        if (left.Origin is { } origin)
        {
            // A leave is the user's, on every connection (each answers its client with left, no ref).
            var told = new LeaveForUser(left.Room);
            foreach (var connection in _connections)
            {
                if (!connection.Equals(origin))
                {
                    connection.Tell(told);
                }
            }
        }

        Change(_rooms.DecideLeave(left.Room));
    }

    private void OnJoined(JoinedRoom joined)
    {
        if (_rooms.Rooms.Count >= _rooms.Max && !_rooms.Rooms.Contains(joined.Room, StringComparer.Ordinal))
        {
            _logger.UserRoomsFull(_userId, joined.Room, _rooms.Max);
        }

        Change(_rooms.DecideJoin(joined.Room));
    }

    private void Change(UserRoomsSet? decided)
    {
        if (decided is null)
        {
            return;
        }

        Persist(decided, e =>
        {
            _rooms.Apply(e);
            if (LastSequenceNr % TrimEvery == 0)
            {
                DeleteMessages(LastSequenceNr - 1);
            }
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.UserPersistFailed(_userId, sequenceNr, cause.Message);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _logger.UserPersistFailed(_userId, sequenceNr, cause.Message);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
