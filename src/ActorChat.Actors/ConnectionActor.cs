using ActorChat.Actors.Protocol;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// One per accepted WebSocket. Decodes and validates the client's frames, keeps the connection's
/// bound name (as the room last confirmed it), rate-limits, and owns the outbound side of the
/// socket: frames are queued (bounded in bytes) and written one at a time.
/// </summary>
public sealed class ConnectionActor : ReceiveActor
{
    private readonly long _id;
    private readonly string _address;
    private readonly IChatSocket _socket;
    private readonly IActorRef _room;
    private readonly ChatSettings _settings;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TokenBucket _packets;
    private readonly TokenBucket _nameChanges;
    private readonly TokenBucket _floodTolerance;
    private readonly Queue<ReadOnlyMemory<byte>> _outbound = new();

    private string _username = "";
    private long _queuedBytes;
    private long _queuePeak;
    private bool _writing;
    private (int Code, string Reason)? _closeWhenFlushed;
    private bool _closed;

    public ConnectionActor(
        long id,
        string address,
        IChatSocket socket,
        IActorRef room,
        ChatSettings settings,
        ChatMetrics metrics,
        ILogger logger,
        TimeProvider time)
    {
        _id = id;
        _address = address;
        _socket = socket;
        _room = room;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
        _packets = new TokenBucket(time, settings.PacketsPerSecond, settings.PacketBurst);
        _nameChanges = new TokenBucket(time, settings.NameChangesPerSecond, settings.NameChangeBurst);
        _floodTolerance = new TokenBucket(time, settings.PacketsPerSecond / 2, settings.FloodTolerance);

        Receive<FrameReceived>(f => OnFrame(f.Utf8));
        Receive<Deliver>(OnDeliver);
        Receive<RoomActor.NameAccepted>(n => _username = n.Username);
        Receive<RoomActor.Refused>(r => SendError(r.Code, r.Message));
        Receive<Close>(c => CloseSocket(c.Code, c.Reason, flushFirst: true));
        Receive<WriteCompleted>(_ => OnWriteCompleted());
        Receive<WriteFailed>(f => OnWriteFailed(f.Cause));
        Receive<SocketClosed>(_ => Context.Stop(Self));
    }

    /// <summary>The current bound name, "" before a join was accepted (for tests and logs).</summary>
    internal string Username => _username;

    public static Props Props(
        long id,
        string address,
        IChatSocket socket,
        IActorRef room,
        ChatSettings settings,
        ChatMetrics metrics,
        ILogger logger,
        TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(id, address, socket, room, settings, metrics, logger, time ?? TimeProvider.System));

    protected override void PreStart() => _metrics.ConnectionOpened();

    protected override void PostStop()
    {
        _metrics.ConnectionClosed();
        _metrics.QueuePeak(_queuePeak);

        // Stopped without the socket having closed (a failure): end the socket too.
        _socket.Close(CloseCodes.InternalError, "internal error");
    }

    private void OnFrame(byte[] utf8)
    {
        if (_closed || _closeWhenFlushed is not null)
        {
            return;
        }

        if (!_packets.TryTake())
        {
            _metrics.RateLimited();
            if (!_floodTolerance.TryTake())
            {
                _logger.Flooding(_id, _address);
                CloseSocket(CloseCodes.PolicyViolation, "rate limit exceeded", flushFirst: false);
                return;
            }

            SendError(ErrorCodes.RateLimited, "Too many packets; this one was dropped. Slow down.");
            return;
        }

        var (packet, error) = ChatProtocol.Decode(utf8);
        switch (packet)
        {
            case JoinPacket join:
                _logger.PacketReceived(_id, _address, PacketTypes.Join);
                if (TakeNameChange())
                {
                    _room.Tell(new RoomActor.Join(join.Username));
                }

                break;
            case MessagePacket message:
                _logger.PacketReceived(_id, _address, PacketTypes.Message);
                OnMessage(message);
                break;
            default:
                if (error!.Code == ErrorCodes.UnknownType)
                {
                    _logger.UnknownType(_id, _address);
                }

                SendError(error.Code, error.Message);
                break;
        }
    }

    private void OnMessage(MessagePacket packet)
    {
        var text = packet.Message.Trim();
        if (text.Length == 0)
        {
            return;
        }

        if (text.Length > _settings.MaxMessageLength)
        {
            SendError(ErrorCodes.MessageTooLong, $"A message can have at most {_settings.MaxMessageLength} characters.");
            return;
        }

        // A name that differs from the bound one is a rename attempt, itself rate-limited; the
        // message is posted either way (under the bound name if the rename is refused).
        string? claimed = packet.Username.Trim();

        // The bound name is NFC; a client may write it decomposed every time (the original page
        // sends its name box with each message). Only a name that differs in NFC is a rename.
        if (_username.Length > 0 && claimed != _username && ChatRules.Display(claimed) == _username)
        {
            claimed = _username;
        }

        if (_username.Length > 0 && claimed != _username && !_nameChanges.TryTake())
        {
            claimed = null;
            _metrics.RateLimited();
            SendError(ErrorCodes.RateLimited, "Too many name changes; the message was sent under your current name.");
        }

        _metrics.MessageIn();
        _room.Tell(new RoomActor.Say(claimed, text));
    }

    private bool TakeNameChange()
    {
        if (_nameChanges.TryTake())
        {
            return true;
        }

        _metrics.RateLimited();
        SendError(ErrorCodes.RateLimited, "Too many name changes; try again in a few seconds.");
        return false;
    }

    private void SendError(string code, string message)
    {
        _metrics.Rejected(code);
        _logger.PacketRejected(_id, _address, code);
        Enqueue(ChatProtocol.EncodeError(_username, code, message));
    }

    private void OnDeliver(Deliver deliver)
    {
        foreach (var frame in deliver.Frames)
        {
            Enqueue(frame);
        }
    }

    private void Enqueue(ReadOnlyMemory<byte> frame)
    {
        if (_closed || _closeWhenFlushed is not null)
        {
            return;
        }

        if (_queuedBytes + frame.Length > _settings.MaxOutboundBytes)
        {
            _metrics.SlowConsumerClosed();
            _logger.SlowConsumer(_id, _address, _settings.MaxOutboundBytes);
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
        _metrics.FrameOut(frame.Length);
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
        _logger.WriteFailed(cause, _id, _address);
        CloseSocket(CloseCodes.InternalError, "write failed", flushFirst: false);
    }

    private void CloseSocket(int code, string reason, bool flushFirst)
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

    /// <summary>A complete text frame from the client (bridge → connection).</summary>
    public sealed record FrameReceived(byte[] Utf8);

    /// <summary>The socket has ended, for any reason (bridge → connection); the actor stops.</summary>
    public sealed record SocketClosed
    {
        public static readonly SocketClosed Instance = new();
    }

    /// <summary>
    /// Frames to send, in order (room → connections). The room tells the same instance to every
    /// member: one serialization and one message object per broadcast, or per batch of them.
    /// </summary>
    public sealed record Deliver(IReadOnlyList<ReadOnlyMemory<byte>> Frames)
    {
        public Deliver(ReadOnlyMemory<byte> frame)
            : this([frame])
        {
        }
    }

    /// <summary>Close the connection with <paramref name="Code"/> after sending what is already queued.</summary>
    public sealed record Close(int Code, string Reason);

    private sealed record WriteCompleted
    {
        public static readonly WriteCompleted Instance = new();
    }

    private sealed record WriteFailed(Exception Cause);
}
