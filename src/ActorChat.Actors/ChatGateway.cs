using ActorChat.Actors.Rooms;
using ActorChat.Actors.Server;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// The one entry point of the chat on this node, the only actor the host knows. It creates each
/// accepted socket's <see cref="ConnectionActor"/> (its child: a connection that fails is stopped,
/// and its socket closed with 1011), hands it the rooms' routing point and the session registry,
/// and closes every connection when the server drains. It follows the server-wide bans (from the
/// control entity when it starts, then its topic) and hands them to every connection, which closes
/// itself when one names it and refuses a named <c>hello</c>; it passes a server disconnect on to all.
/// </summary>
/// <remarks>
/// The topic alone is not enough: the first ask is lost when the entity's node dies at that moment,
/// and a change published before this node's subscription has spread through the cluster (a gossip
/// round) never reaches it. So the gateway asks again every <see cref="BansAskEvery"/> until answered,
/// then every <see cref="BansRefreshEvery"/>; each answer and change carries the entity's revision,
/// and an older one never replaces a newer.
/// </remarks>
public sealed class ChatGateway : ReceiveActor, IWithTimers
{
    /// <summary>How often a gateway asks for the bans in force until the control entity first answers.</summary>
    internal static readonly TimeSpan BansAskEvery = TimeSpan.FromSeconds(2);

    /// <summary>How often a gateway asks for the bans in force once it has them (the bound on a missed change).</summary>
    internal static readonly TimeSpan BansRefreshEvery = TimeSpan.FromSeconds(30);

    private const string BansTimer = "bans";

    private readonly IActorRef _rooms;
    private readonly IActorRef _sessions;
    private readonly IActorRef? _roomDirectory;
    private readonly ChatSettings _settings;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Users.UserAuth _auth;
    private readonly HashSet<IActorRef> _connections = [];
    private readonly ServerLinks? _server;
    private readonly IActorRef? _users;
    private ConnectionActor.Close? _draining;
    private ServerBanList _bans = ServerBanList.Empty;
    private long _bansRevision = -1;

    public ChatGateway(IActorRef rooms, IActorRef sessions, ChatSettings settings, ChatMetrics metrics, ILogger connectionLogger, TimeProvider time, IActorRef? roomDirectory = null, Users.UserAuth? auth = null, ServerLinks? server = null, IActorRef? users = null)
    {
        _server = server;
        _users = users;
        _auth = auth ?? Users.UserAuth.Anonymous;
        _rooms = rooms;
        _roomDirectory = roomDirectory;
        _sessions = sessions;
        _settings = settings;
        _metrics = metrics;
        _logger = connectionLogger;
        _time = time;

        Receive<Connect>(OnConnect);
        Receive<Terminated>(t => _connections.Remove(t.ActorRef));
        Receive<Drain>(OnDrain);
        Receive<GetStatus>(_ => Sender.Tell(new Status(_connections.Count, _draining is not null)));

        // The server API's requests: the room (or the listing) answers the asker.
        Receive<ToRoom>(m => _rooms.Forward(m.Request));
        Receive<RoomContract.ListRooms>(l => (_roomDirectory ?? _rooms).Forward(l));

        // Server-wide control: the API's requests go to the control entity, which answers the asker.
        Receive<ToServer>(m => (_server?.Control ?? ActorRefs.Nobody).Forward(m.Request));
        Receive<ToName>(m => (_server?.Names ?? ActorRefs.Nobody).Forward(m.Request));
        Receive<ServerControlContract.BansInForce>(b => SetBans(b.Bans, b.Revision));
        Receive<ServerControlContract.BansChanged>(b => SetBans(b.Bans, b.Revision));
        Receive<AskBans>(_ => _server?.Control.Tell(ServerControlContract.GetServerBans.Instance));
        Receive<ServerControlContract.DisconnectOrder>(order =>
        {
            foreach (var connection in _connections)
            {
                connection.Tell(order);
            }
        });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        if (_server is { } server)
        {
            server.Topics.Tell(new Subscribe(ServerControlContract.Topic, Self));

            // The bans already in force (asked until answered); later changes come on the topic.
            server.Control.Tell(ServerControlContract.GetServerBans.Instance);
            Timers.StartPeriodicTimer(BansTimer, AskBans.Instance, BansAskEvery);
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void SetBans(IReadOnlyList<ServerControlContract.ServerBan> bans, long revision)
    {
        if (revision < _bansRevision || (revision == _bansRevision && bans.Count == _bans.Bans.Count))
        {
            // Overtaken (a newer change or answer is already applied), or nothing new (a refresh).
            return;
        }

        if (_bansRevision < 0)
        {
            Timers.StartPeriodicTimer(BansTimer, AskBans.Instance, BansRefreshEvery);
        }

        _bansRevision = revision;
        _bans = new ServerBanList(bans);
        var told = new ServerControlContract.ConnectionBans(_bans);
        foreach (var connection in _connections)
        {
            connection.Tell(told);
        }
    }

    /// <param name="roomDirectory">What answers <c>rooms</c> in a cluster (<see cref="RoomDirectory"/>); null: <paramref name="rooms"/>.</param>
    /// <param name="auth">Whether <c>actorchat.v1</c> clients sign in with a token; null: anonymous.</param>
    /// <param name="server">The control entity and the node's publish-subscribe mediator (null: no server-wide bans or disconnects, as in tests of the gateway alone).</param>
    /// <param name="users">The users' region: a signed-in user's rooms on every device (null: a user's rooms are its session's, as in tests of the gateway alone).</param>
    public static Props Props(IActorRef rooms, IActorRef sessions, ChatSettings settings, ChatMetrics metrics, ILogger connectionLogger, TimeProvider? time = null, IActorRef? roomDirectory = null, Users.UserAuth? auth = null, ServerLinks? server = null, IActorRef? users = null) =>
        Akka.Actor.Props.Create(() => new ChatGateway(rooms, sessions, settings, metrics, connectionLogger, time ?? TimeProvider.System, roomDirectory, auth, server, users));

    /// <summary>A connection that throws is stopped (its socket closed with 1011); the others go on.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void OnConnect(Connect connect)
    {
        var connection = Context.ActorOf(
            ConnectionActor.Props(connect.Subprotocol, connect.Id, connect.Address, connect.Socket, _rooms, _sessions, _settings, _metrics, _logger, _time, _roomDirectory, _auth, _users),
            $"connection-{connect.Id}");
        Context.Watch(connection);
        _connections.Add(connection);
        if (_bans.Bans.Count > 0)
        {
            // Before the socket's first frame: the bridge starts reading once it is answered.
            connection.Tell(new ServerControlContract.ConnectionBans(_bans));
        }

        if (_draining is { } close)
        {
            connection.Tell(close);
        }

        if (connect.Subprotocol == Subprotocols.Beej)
        {
            // The original protocol delivers the lobby's broadcasts from the moment a socket is
            // accepted: the lobby answers the bridge once it listens for this one.
            _rooms.Tell(new RoomContract.Listen(RoomNames.Lobby, connection, new Connected(connection)), Sender);
        }
        else
        {
            Sender.Tell(new Connected(connection));
        }
    }

    private void OnDrain(Drain drain)
    {
        var close = new ConnectionActor.Close(drain.Code, drain.Reason);
        _draining = close;
        _logger.Draining(_connections.Count, drain.Window);
        foreach (var connection in _connections)
        {
            var delay = drain.Window > TimeSpan.Zero
                ? TimeSpan.FromTicks(Random.Shared.NextInt64(drain.Window.Ticks))
                : TimeSpan.Zero;
            Context.System.Scheduler.ScheduleTellOnce(delay, connection, close, Self);
        }
    }

    /// <summary>
    /// A socket is being accepted (bridge → gateway) in <paramref name="Subprotocol"/>; answered with
    /// <see cref="Connected"/>. Node-local: it carries the socket.
    /// </summary>
    public sealed record Connect(long Id, string Address, IChatSocket Socket, string Subprotocol) : INoSerializationVerificationNeeded;

    /// <summary>The connection's actor, to hand the socket's frames to.</summary>
    public sealed record Connected(IActorRef Connection);

    /// <summary>
    /// Close every connection with <paramref name="Code"/> (1001 on one node; 1012 on a cluster node
    /// that leaves, so clients resume on another node), each at a random moment within
    /// <paramref name="Window"/> (so their clients do not all reconnect at once), after its queued
    /// frames; connections made from now on are closed at once.
    /// </summary>
    public sealed record Drain(TimeSpan Window, int Code = CloseCodes.GoingAway, string Reason = Drain.ShuttingDown)
    {
        /// <summary>The reason sent with 1001.</summary>
        public const string ShuttingDown = "server shutting down";

        /// <summary>The reason sent with 1012.</summary>
        public const string Restarting = "service restart";
    }

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>Open connections, and whether the gateway is draining.</summary>
    public sealed record Status(int Connections, bool Draining);

    /// <summary>
    /// A server API request for one room (host → gateway → room), such as <see cref="RoomContract.ApiPost"/>;
    /// the room answers the sender. A <see cref="RoomContract.ListRooms"/> told to the gateway is answered
    /// by the node's listing. Node-local: the host asks its own gateway.
    /// </summary>
    public sealed record ToRoom(IWithRoom Request) : INoSerializationVerificationNeeded;

    /// <summary>A server API request for the control entity (host → gateway → entity); the entity answers the sender. Node-local.</summary>
    public sealed record ToServer(IServerControlMessage Request) : INoSerializationVerificationNeeded;

    /// <summary>The gateway's timer: ask the control entity for the bans in force. Node-local.</summary>
    private sealed record AskBans : INoSerializationVerificationNeeded
    {
        public static readonly AskBans Instance = new();
    }

    /// <summary>A server API question for a name's entity (host → gateway → entity); the entity answers the sender. Node-local.</summary>
    public sealed record ToName(Sessions.NameEntity.INameMessage Request) : INoSerializationVerificationNeeded;

    /// <summary>
    /// What a gateway needs for the server's own side: the control entity's region, the node's
    /// publish-subscribe mediator, and the names' region (whom the server API asks whether a name is a user's).
    /// </summary>
    public sealed record ServerLinks(IActorRef Control, IActorRef Topics, IActorRef? Names = null);
}
