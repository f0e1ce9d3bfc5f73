using ActorChat.Actors.Connections;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// One per accepted WebSocket, in the subprotocol the handshake chose: <see cref="BeejConnection"/>
/// (the original protocol, a member of <c>lobby</c> only) or <see cref="V1Connection"/>
/// (<c>actorchat.v1</c>: a session in any number of rooms). This base owns what both share: the
/// packet rate limit, and the outbound side of the socket (frames queued, bounded in bytes, and
/// written one at a time). Subclasses decode packets and speak to the rooms and the sessions.
/// </summary>
public abstract class ConnectionActor : ReceiveActor
{
    private readonly IChatSocket _socket;
    private readonly TokenBucket _packets;
    private readonly TokenBucket _nameChanges;
    private readonly TokenBucket _floodTolerance;
    private readonly Queue<ReadOnlyMemory<byte>> _outbound = new();
    private readonly Dictionary<string, IActorRef> _roomActors = new(StringComparer.Ordinal);

    private long _queuedBytes;
    private long _queuePeak;
    private bool _writing;
    private (int Code, string Reason)? _closeWhenFlushed;
    private bool _closed;

    private protected ConnectionActor(ConnectionContext context)
    {
        Wiring = context;
        _socket = context.Socket;
        var settings = context.Settings;
        _packets = new TokenBucket(context.Time, settings.PacketsPerSecond, settings.PacketBurst);
        _nameChanges = new TokenBucket(context.Time, settings.NameChangesPerSecond, settings.NameChangeBurst);
        _floodTolerance = new TokenBucket(context.Time, settings.PacketsPerSecond / 2, settings.FloodTolerance);

        Receive<FrameReceived>(f => OnFrame(f.Utf8));
        Receive<Deliver>(OnDeliver);
        Receive<Close>(c => CloseSocket(c.Code, c.Reason, flushFirst: true));
        Receive<WriteCompleted>(_ => OnWriteCompleted());
        Receive<WriteFailed>(f => OnWriteFailed(f.Cause));
        Receive<ClientClosed>(c => OnClientClosed(c.Code));
        Receive<SocketClosed>(_ => Context.Stop(Self));
        Receive<Terminated>(OnTerminated);
        Receive<Server.ServerControlContract.ConnectionBans>(b =>
        {
            ServerBans = b.Bans;
            if (!Closing)
            {
                OnServerBans();
            }
        });
        Receive<Server.ServerControlContract.DisconnectOrder>(order =>
        {
            if (!Closing && IsNamedBy(order))
            {
                Logger.ServerDisconnected(Id, Address);
                CloseSocket(CloseCodes.Disconnected, "disconnected by the server", flushFirst: true);
            }
        });
    }

    /// <summary>The server-wide bans in force, as the gateway last told them.</summary>
    private protected Server.ServerBanList ServerBans { get; private set; } = Server.ServerBanList.Empty;

    /// <summary>The bans changed: a connection one of them names closes with 4004.</summary>
    private protected abstract void OnServerBans();

    /// <summary>Whether a server disconnect names this connection (its user or its session).</summary>
    private protected abstract bool IsNamedBy(Server.ServerControlContract.DisconnectOrder order);

    /// <summary>Ends the connection a server-wide ban names: 4004, after what is queued (a refusal saying until when, where the protocol can).</summary>
    private protected void CloseBanned(Server.ServerControlContract.ServerBan ban)
    {
        Logger.ServerBanned(Id, Address, ban.Id);
        CloseSocket(CloseCodes.Removed, "banned", flushFirst: true);
    }

    /// <summary>What the connection was created with: its socket, the rooms, the sessions, its limits.</summary>
    private protected ConnectionContext Wiring { get; }

    private protected ChatSettings Settings => Wiring.Settings;

    private protected ChatMetrics Metrics => Wiring.Metrics;

    private protected ILogger Logger => Wiring.Logger;

    private protected long Id => Wiring.Id;

    private protected string Address => Wiring.Address;

    /// <summary>True once the connection is closing: nothing more is read or sent.</summary>
    private protected bool Closing => _closed || _closeWhenFlushed is not null;

    /// <summary>
    /// The actor for a connection speaking <paramref name="subprotocol"/> (<see cref="Subprotocols"/>).
    /// <paramref name="rooms"/> is the routing point of every room, <paramref name="sessions"/> the session registry,
    /// <paramref name="roomDirectory"/> what answers <c>rooms</c> (null: <paramref name="rooms"/>, the one node's region),
    /// <paramref name="auth"/> whether clients sign in with a token (null: anonymous), <paramref name="users"/>
    /// the users' region (null: a user's rooms are its session's).
    /// </summary>
    public static Props Props(
        string subprotocol,
        long id,
        string address,
        IChatSocket socket,
        IActorRef rooms,
        IActorRef sessions,
        ChatSettings settings,
        ChatMetrics metrics,
        ILogger logger,
        TimeProvider? time = null,
        IActorRef? roomDirectory = null,
        Users.UserAuth? auth = null,
        IActorRef? users = null)
    {
        var context = new ConnectionContext(id, address, socket, rooms, sessions, settings, metrics, logger, time ?? TimeProvider.System, roomDirectory ?? rooms)
        {
            Auth = auth ?? Users.UserAuth.Anonymous,
            UserRegion = users,
        };
        return subprotocol switch
        {
            Subprotocols.V1 => Akka.Actor.Props.Create(() => new V1Connection(context)),
            Subprotocols.Beej => Akka.Actor.Props.Create(() => new BeejConnection(context)),
            _ => throw new ArgumentException($"Unknown subprotocol \"{subprotocol}\".", nameof(subprotocol)),
        };
    }

    protected override void PreStart() => Metrics.ConnectionOpened();

    protected override void PostStop()
    {
        Metrics.ConnectionClosed();
        Metrics.QueuePeak(_queuePeak);

        // Stopped without the socket having closed (a failure): end the socket too.
        _socket.Close(CloseCodes.InternalError, "internal error");
    }

    /// <summary>A packet that passed the rate limit, to decode and act on.</summary>
    private protected abstract void OnPacket(byte[] utf8);

    /// <summary>The protocol's <c>error</c> frame.</summary>
    private protected abstract ReadOnlyMemory<byte> EncodeError(string code, string message, string? requestRef);

    /// <summary>The request id of a packet dropped unread (rate-limited), so the client knows which one; null when the protocol has none.</summary>
    private protected virtual string? RefOf(byte[] utf8) => null;

    /// <summary>
    /// The node of a room this connection is in was lost (<see cref="WatchRoom"/>): the room will
    /// serve again on another node, but it does not know this connection, and what it broadcast
    /// last may never have arrived.
    /// </summary>
    private protected virtual void OnRoomLost(string room)
    {
    }

    /// <summary>
    /// Watches <paramref name="roomActor"/>, the actor that answered this connection's entry into
    /// <paramref name="room"/>. A room that stops tells its members (RoomStopped) and they enter
    /// again; a room whose node dies tells nobody, so its death notice is the only news of it.
    /// </summary>
    private protected void WatchRoom(string room, IActorRef roomActor)
    {
        if (roomActor.IsNobody())
        {
            return;
        }

        _roomActors[room] = roomActor;
        Context.Watch(roomActor);
    }

    /// <summary>This connection no longer follows <paramref name="room"/> (it left).</summary>
    private protected void ForgetRoom(string room) => _roomActors.Remove(room);

    private void OnTerminated(Terminated terminated)
    {
        var lost = _roomActors.Where(r => r.Value.Equals(terminated.ActorRef)).Select(r => r.Key).ToList();
        foreach (var room in lost)
        {
            _roomActors.Remove(room);

            // Only a lost node counts: a room that stopped on a live node sent RoomStopped first,
            // and locally its death notice may overtake that message (system messages go first).
            if (terminated.AddressTerminated)
            {
                OnRoomLost(room);
            }
        }
    }

    /// <summary>The client sent a close frame with <paramref name="code"/>; the socket ends next.</summary>
    private protected virtual void OnClientClosed(int? code)
    {
    }

    private void OnFrame(byte[] utf8)
    {
        if (Closing)
        {
            return;
        }

        if (!_packets.TryTake())
        {
            Metrics.RateLimited();
            if (!_floodTolerance.TryTake())
            {
                Logger.Flooding(Id, Address);
                CloseSocket(CloseCodes.PolicyViolation, "rate limit exceeded", flushFirst: false);
                return;
            }

            SendError(ErrorCodes.RateLimited, "Too many packets; this one was dropped. Slow down.", RefOf(utf8));
            return;
        }

        OnPacket(utf8);
    }

    /// <summary>Takes a token for a join or rename; answers <c>rate-limited</c> and returns false when there is none.</summary>
    private protected bool TakeNameChange(string message, string? requestRef)
    {
        if (_nameChanges.TryTake())
        {
            return true;
        }

        Metrics.RateLimited();
        SendError(ErrorCodes.RateLimited, message, requestRef);
        return false;
    }

    private protected void SendError(string code, string message, string? requestRef)
    {
        Metrics.Rejected(code);
        Logger.PacketRejected(Id, Address, code);
        Enqueue(EncodeError(code, message, requestRef));
    }

    private void OnDeliver(Deliver deliver)
    {
        foreach (var frame in deliver.Frames)
        {
            Enqueue(frame);
        }
    }

    private protected void Enqueue(ReadOnlyMemory<byte> frame)
    {
        if (Closing)
        {
            return;
        }

        if (_queuedBytes + frame.Length > Settings.MaxOutboundBytes)
        {
            Metrics.SlowConsumerClosed();
            Logger.SlowConsumer(Id, Address, Settings.MaxOutboundBytes);
            CloseSocket(CloseCodes.SlowConsumer, "slow consumer", flushFirst: false);
            return;
        }

        _outbound.Enqueue(frame);
        _queuedBytes += frame.Length;
        _queuePeak = Math.Max(_queuePeak, _queuedBytes);
        Pump();
    }

    /// <summary>Writes queued frames while sends complete synchronously; parks on the first that does not.</summary>
    private void Pump()
    {
        while (!_writing && !_closed && _outbound.TryPeek(out var frame))
        {
            ValueTask send;
            try
            {
                send = _socket.SendAsync(frame);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                OnWriteFailed(ex);
                return;
            }

            if (send.IsCompletedSuccessfully)
            {
                send.GetAwaiter().GetResult();
                Dequeue();
                continue;
            }

            _writing = true;
            send.AsTask().PipeTo(Self, success: () => WriteCompleted.Instance, failure: ex => new WriteFailed(ex));
        }

        if (!_writing && _outbound.Count == 0 && _closeWhenFlushed is { } close)
        {
            _closeWhenFlushed = null;
            CloseNow(close.Code, close.Reason);
        }
    }

    private void Dequeue()
    {
        var frame = _outbound.Dequeue();
        _queuedBytes -= frame.Length;
        Metrics.FrameOut(frame.Length);
    }

    private void OnWriteCompleted()
    {
        _writing = false;
        if (_outbound.Count > 0)
        {
            Dequeue();
        }

        Pump();
    }

    private void OnWriteFailed(Exception cause)
    {
        _writing = false;
        Logger.WriteFailed(cause, Id, Address);
        CloseSocket(CloseCodes.InternalError, "write failed", flushFirst: false);
    }

    private protected void CloseSocket(int code, string reason, bool flushFirst)
    {
        if (_closed)
        {
            return;
        }

        if (flushFirst && (_writing || _outbound.Count > 0))
        {
            _closeWhenFlushed ??= (code, reason);
            return;
        }

        CloseNow(code, reason);
    }

    private void CloseNow(int code, string reason)
    {
        _closed = true;
        _outbound.Clear();
        _queuedBytes = 0;
        _socket.Close(code, reason);
    }

    // The socket's side of a connection (bridge → connection, connection → itself) stays on the
    // socket's node: those messages are never serialized, not even with serialize-messages on.
    // Each may arrive after the connection stopped (the socket and the actor end on their own
    // threads; a room broadcasts to a member whose leave is on its way), which is expected and
    // costs nothing: they are not logged as dead letters (IDeadLetterSuppression, DeadLetterLog).

    /// <summary>A complete text frame from the client (bridge → connection).</summary>
    public sealed record FrameReceived(byte[] Utf8) : INoSerializationVerificationNeeded, IDeadLetterSuppression;

    /// <summary>The client sent a close frame (bridge → connection), before <see cref="SocketClosed"/>: 1000 ends an <c>actorchat.v1</c> session cleanly.</summary>
    public sealed record ClientClosed(int? Code) : INoSerializationVerificationNeeded, IDeadLetterSuppression;

    /// <summary>The socket has ended, for any reason (bridge → connection); the actor stops.</summary>
    public sealed record SocketClosed : INoSerializationVerificationNeeded, IDeadLetterSuppression
    {
        public static readonly SocketClosed Instance = new();
    }

    /// <summary>
    /// Frames to send, in order (room → connections). The room tells the same instance to every
    /// member: one serialization and one message object per broadcast, or per batch of them.
    /// </summary>
    public sealed record Deliver(IReadOnlyList<ReadOnlyMemory<byte>> Frames) : IDeadLetterSuppression
    {
        public Deliver(ReadOnlyMemory<byte> frame)
            : this([frame])
        {
        }
    }

    /// <summary>Close the connection with <paramref name="Code"/> after sending what is already queued.</summary>
    public sealed record Close(int Code, string Reason) : INoSerializationVerificationNeeded, IDeadLetterSuppression;

    private sealed record WriteCompleted : INoSerializationVerificationNeeded, IDeadLetterSuppression
    {
        public static readonly WriteCompleted Instance = new();
    }

    private sealed record WriteFailed(Exception Cause) : INoSerializationVerificationNeeded, IDeadLetterSuppression;
}
