using ActorChat.Actors.Protocol;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// Every session on this node and the one namespace of names (<see cref="SessionTable{TConnection}"/>
/// applied). A connection says hello (with a token to resume), joins and leaves rooms through it so a
/// resumed session gets its rooms back, and says goodbye on a clean end; the registry watches every
/// connection, so one that dies keeps its session for the time-to-live and then the session ends:
/// its name is freed and each of its rooms is told <see cref="RoomContract.SessionEnded"/>.
/// </summary>
public sealed class SessionRegistry : ReceiveActor, IWithTimers
{
    private const string ExpiryTimer = "expiry";

    private readonly SessionTable<IActorRef> _sessions;
    private readonly IActorRef _rooms;
    private readonly int _maxNameLength;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SessionRegistry(IActorRef rooms, TimeSpan sessionTtl, int maxNameLength, TimeProvider time, ILogger logger)
    {
        _sessions = new SessionTable<IActorRef>(sessionTtl);
        _rooms = rooms;
        _maxNameLength = maxNameLength;
        _time = time;
        _logger = logger;

        Receive<Hello>(h => OnHello(Sender, h));

        // On one node the connection (the sender) names the session; the session ids these
        // messages carry are for the cluster's routing (SessionSharding), not needed here.
        Receive<Rename>(r => OnRename(Sender, r.Name));
        Receive<JoinedRoom>(j => WithSession(Sender, () => _sessions.Joined(Sender, j.Room)));
        Receive<LeftRoom>(l => WithSession(Sender, () => _sessions.Left(Sender, l.Room)));
        Receive<Goodbye>(_ => End(Sender, clean: true));
        Receive<Terminated>(t => End(t.ActorRef, clean: false));
        Receive<ExpireDue>(_ => Expire());
        Receive<GetSessionCount>(_ => Sender.Tell(new SessionCount(_sessions.Count, _sessions.Attached)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef rooms, TimeSpan sessionTtl, int maxNameLength, ILogger logger, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new SessionRegistry(rooms, sessionTtl, maxNameLength, time ?? TimeProvider.System, logger));

    private void OnHello(IActorRef connection, Hello hello)
    {
        if (_sessions.TryGet(connection, out _))
        {
            connection.Tell(new HelloRefused(ErrorCodes.InvalidPacket, "This connection already has a session."));
            return;
        }

        SessionTable<IActorRef>.Welcome? welcome = null;
        if (hello.Token is { } token && hello.Resumable && _sessions.TryResume(token, connection, out welcome))
        {
            if (welcome.TakenOver is { } old)
            {
                Context.Unwatch(old);
                old.Tell(TakenOver.Instance);
            }
        }
        else if (!ChatRules.TryValidateName(hello.Name, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new HelloRefused(ErrorCodes.InvalidName, error));
            return;
        }
        else if (!_sessions.TryStart(name, key, connection, hello.Resumable, out welcome, out var heldBy))
        {
            _logger.NameRefusedAsTaken(name, heldBy);
            connection.Tell(new HelloRefused(ErrorCodes.NameTaken, NameTaken(name, heldBy)));
            return;
        }

        Context.Watch(connection);
        connection.Tell(new Welcomed(welcome.Session.Id, welcome.Session.Name, welcome.Token, welcome.Resumed, welcome.Rooms));
    }

    private void OnRename(IActorRef connection, string requested)
    {
        if (!_sessions.TryGet(connection, out var session))
        {
            connection.Tell(new RenameRefused(ErrorCodes.NoSession, "Say hello first."));
        }
        else if (!ChatRules.TryValidateName(requested, _maxNameLength, out var name, out var key, out var error))
        {
            connection.Tell(new RenameRefused(ErrorCodes.InvalidName, error));
        }
        else if (!_sessions.TryRename(connection, name, key, out var heldBy))
        {
            _logger.NameRefusedAsTaken(name, heldBy);
            connection.Tell(new RenameRefused(ErrorCodes.NameTaken, NameTaken(name, heldBy)));
        }
        else
        {
            connection.Tell(new Renamed(session.Name, name));
        }
    }

    private void WithSession(IActorRef connection, Action update)
    {
        if (_sessions.TryGet(connection, out _))
        {
            update();
        }
    }

    private void End(IActorRef connection, bool clean)
    {
        Context.Unwatch(connection);
        if (_sessions.Disconnected(connection, clean, _time.GetUtcNow()) is { } ended)
        {
            Release(ended);
        }

        ScheduleExpiry();
    }

    private void Expire()
    {
        foreach (var ended in _sessions.Expire(_time.GetUtcNow()))
        {
            Release(ended);
        }

        ScheduleExpiry();
    }

    private void Release(SessionTable<IActorRef>.Ended ended)
    {
        _logger.SessionEnded(ended.Session.Id, ended.Session.Name, ended.Rooms.Count);
        foreach (var room in ended.Rooms)
        {
            _rooms.Tell(new RoomContract.SessionEnded(room, ended.Session.Id));
        }
    }

    private void ScheduleExpiry()
    {
        if (_sessions.NextExpiry is { } next)
        {
            var delay = next - _time.GetUtcNow();
            Timers.StartSingleTimer(ExpiryTimer, ExpireDue.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
        }
        else
        {
            Timers.Cancel(ExpiryTimer);
        }
    }

    private static string NameTaken(string name, string heldBy) => heldBy == name
        ? $"The name \"{name}\" is taken."
        : $"The name \"{name}\" is too close to \"{heldBy}\", which is taken.";

    /// <summary>
    /// Start or resume a session (connection → registry). With a valid <paramref name="Token"/> the
    /// session is resumed whatever <paramref name="Name"/> says; otherwise a new one starts under it.
    /// <paramref name="Resumable"/> is false for <c>beej-chat-protocol</c> connections.
    /// </summary>
    public sealed record Hello(string? Token, string Name, bool Resumable);

    /// <summary>The session (registry → connection): its id (internal, never sent), name, new token, and the rooms it is still in.</summary>
    public sealed record Welcomed(string SessionId, string Name, string? Token, bool Resumed, IReadOnlyList<string> Rooms);

    /// <summary>No session (registry → connection), with the error code and a message for people.</summary>
    public sealed record HelloRefused(string Code, string Message);

    /// <summary>Another connection resumed this connection's session (registry → old connection): close with 4001.</summary>
    public sealed record TakenOver
    {
        public static readonly TakenOver Instance = new();
    }

    /// <summary>Change the session's name (connection → registry).</summary>
    public sealed record Rename(string SessionId, string Name) : ISessionMessage;

    /// <summary>The session is now called <paramref name="Name"/> (registry → connection); its rooms are told by the connection.</summary>
    public sealed record Renamed(string Previous, string Name);

    /// <summary>The rename was refused (registry → connection).</summary>
    public sealed record RenameRefused(string Code, string Message);

    /// <summary>The connection's session is now in <paramref name="Room"/> (connection → registry).</summary>
    public sealed record JoinedRoom(string SessionId, string Room) : ISessionMessage;

    /// <summary>The connection's session left <paramref name="Room"/> (connection → registry).</summary>
    public sealed record LeftRoom(string SessionId, string Room) : ISessionMessage;

    /// <summary>A clean end: close 1000 or <c>bye</c> (connection → registry). The session ends now.</summary>
    public sealed record Goodbye(string SessionId) : ISessionMessage;

    /// <summary>Asks for <see cref="SessionCount"/> (tests, metrics).</summary>
    public sealed record GetSessionCount
    {
        public static readonly GetSessionCount Instance = new();
    }

    /// <summary>Sessions alive (<paramref name="Count"/>), and how many of them have a connection now.</summary>
    public sealed record SessionCount(int Count, int Attached);

    internal sealed record ExpireDue
    {
        public static readonly ExpireDue Instance = new();
    }
}
