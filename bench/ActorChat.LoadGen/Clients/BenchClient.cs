using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// One client connection and its receive loop. It counts benchmark deliveries per sender, detects
/// gaps (loss) and reordering from the sequence numbers, and records latency from the send
/// timestamps (the same process's clock). Every counter has one writer: the receive loop.
/// Speaks beej (<c>chat-message</c>) or, once <see cref="V1Handshake"/> has joined it to a room,
/// <c>actorchat.v1</c> (<c>message</c>; it also counts <c>presence</c> frames and times <c>ack</c>s).
/// </summary>
internal sealed class BenchClient : IAsyncDisposable
{
    public const int MaxSenders = 16;

    private readonly ClientConnection _connection;
    private readonly ErrorTally _errors;
    private readonly long[] _received = new long[MaxSenders];
    private readonly long[] _nextSeq = new long[MaxSenders];
    private readonly long[] _offset = new long[MaxSenders];
    private readonly Task _loop;
    private readonly bool _v1;
    private TaskCompletionSource? _pause;
    private long _delivered;
    private long _gaps;
    private long _reordered;
    private long _lastSync = -1;
    private long _controls;
    private long _closedAt;
    private long _presenceFrames;
    private long _presenceNames;
    private long _acks;

    public BenchClient(ClientConnection connection, ErrorTally errors, int receiveBuffer, WireProtocol protocol = WireProtocol.Beej, long presenceFrames = 0)
    {
        _connection = connection;
        _errors = errors;
        _v1 = protocol == WireProtocol.V1;
        _presenceFrames = presenceFrames;
        _loop = Task.Run(() => ReceiveLoopAsync(receiveBuffer));
    }

    /// <summary>v1: the session token its welcome gave (to resume it), when the room opened it.</summary>
    public string? Session { get; set; }

    /// <summary>v1: the room position its join's <c>joined</c> reported (a resume's <c>since</c>).</summary>
    public StreamPosition? JoinedAt { get; set; }

    /// <summary>v1: the name it said hello with.</summary>
    public string? Name { get; set; }

    /// <summary>v1: the send times of this client's own sends, to time their acks; null for a listener.</summary>
    public AckTimer? Acks { get; set; }

    /// <summary>v1: <c>presence</c> frames received (those before the join's reply included).</summary>
    public long PresenceFrames => Volatile.Read(ref _presenceFrames);

    /// <summary>v1: names in the <c>joins</c>, <c>leaves</c> and <c>renames</c> of those frames.</summary>
    public long PresenceNames => Volatile.Read(ref _presenceNames);

    /// <summary>v1: <c>ack</c>s received.</summary>
    public long AckCount => Volatile.Read(ref _acks);

    /// <summary>Latency histogram for the current phase; swapped only while no benchmark message is in flight.</summary>
    public LatencyHistogram? Histogram { get; set; }

    /// <summary>Left out of flow control and loss accounting (the slow consumer).</summary>
    public bool Excluded { get; set; }

    public long Delivered => Volatile.Read(ref _delivered);

    public long Gaps => Volatile.Read(ref _gaps);

    public long Reordered => Volatile.Read(ref _reordered);

    public long LastSync => Volatile.Read(ref _lastSync);

    public long Controls => Volatile.Read(ref _controls);

    /// <summary>Stopwatch timestamp when the connection ended (0 while open).</summary>
    public long ClosedAt => Volatile.Read(ref _closedAt);

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    /// <summary>How the connection ended: <c>close NNNN</c>, <c>reset</c> (no close frame), or null while open.</summary>
    public string? Ending { get; private set; }

    public long LastBenchTimestamp { get; private set; }

    public WebSocket WebSocket => _connection.WebSocket;

    /// <summary>The node (0-based) of the server this client is connected to (0 for a one-process server).</summary>
    public int Node => _connection.Node;

    public System.Net.EndPoint? LocalEndPoint => _connection.Socket.LocalEndPoint;

    public System.Net.EndPoint? RemoteEndPoint => _connection.Socket.RemoteEndPoint;

    /// <summary>One more than the highest sequence number of <paramref name="sender"/> received (0: none yet).</summary>
    public long NextSeq(int sender) => Volatile.Read(ref _nextSeq[sender]);

    /// <summary>Messages of <paramref name="sender"/> received, counting those sent before this client was in the room.</summary>
    public long ReceivedFrom(int sender) => Volatile.Read(ref _received[sender]) + Volatile.Read(ref _offset[sender]);

    /// <summary>
    /// After a sync with nothing in flight: counts the <paramref name="sent"/> messages of
    /// <paramref name="sender"/> so far as seen, so a client that entered the room late is not
    /// waited for (or charged with loss) for messages sent before it was there.
    /// </summary>
    public void Align(int sender, long sent)
    {
        Volatile.Write(ref _offset[sender], Math.Max(0, sent - Volatile.Read(ref _received[sender])));
        Volatile.Write(ref _nextSeq[sender], Math.Max(Volatile.Read(ref _nextSeq[sender]), sent));
    }

    /// <summary>Stops reading until <see cref="Resume"/>: the server's sends to this client back up.</summary>
    public void Pause() => Volatile.Write(ref _pause, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Resume() => Interlocked.Exchange(ref _pause, null)?.TrySetResult();

    /// <summary>The kernel's TCP state for this socket (1 = established; anything else: closing or closed).</summary>
    public int TcpState()
    {
        Span<byte> info = stackalloc byte[8];
        try
        {
            return _connection.Socket.GetRawSocketOption(6, 11, info) > 0 ? info[0] : 0; // IPPROTO_TCP, TCP_INFO
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        _connection.WebSocket.Abort();
        await _loop;
        _connection.WebSocket.Dispose();
    }

    private async Task ReceiveLoopAsync(int bufferSize)
    {
        var buffer = new byte[bufferSize];
        ArrayBufferWriter<byte>? assembly = null;
        var socket = _connection.WebSocket;
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _pause) is { } pause)
                {
                    await pause.Task;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = socket.CloseStatus;
                    Ending = $"close {(int?)socket.CloseStatus}";
                    break;
                }

                if (result.EndOfMessage && (assembly is null || assembly.WrittenCount == 0))
                {
                    OnFrame(buffer.AsSpan(0, result.Count));
                    continue;
                }

                assembly ??= new ArrayBufferWriter<byte>(4 * bufferSize);
                assembly.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    OnFrame(assembly.WrittenSpan);
                    assembly.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            Ending = "reset"; // aborted by the server, or by us on dispose
        }
        finally
        {
            Volatile.Write(ref _closedAt, Stopwatch.GetTimestamp());
        }
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (_v1)
        {
            OnV1Frame(frame);
            return;
        }

        if (!WireFormat.TryGetMessageText(frame, out var text))
        {
            if (WireFormat.TryGetErrorCode(frame) is { } code)
            {
                _errors.Add(code);
            }

            Volatile.Write(ref _controls, _controls + 1);
            return;
        }

        OnText(text);
    }

    private void OnV1Frame(ReadOnlySpan<byte> frame)
    {
        if (V1Format.TryGetMessageText(frame, out var text))
        {
            OnText(text);
            return;
        }

        switch (V1Format.KindOf(frame))
        {
            case V1Format.Kind.Ack:
                Volatile.Write(ref _acks, _acks + 1);
                if (Acks is { } acks && V1Format.TryGetNumericRef(frame, out var seq))
                {
                    acks.Acked(seq, Stopwatch.GetTimestamp());
                }

                return;
            case V1Format.Kind.Presence:
                var (joins, leaves, renames) = V1Format.PresenceCounts(frame);
                Volatile.Write(ref _presenceNames, _presenceNames + joins + leaves + renames);
                Volatile.Write(ref _presenceFrames, _presenceFrames + 1);
                break;
            case V1Format.Kind.Error:
                _errors.Add(V1Format.ErrorCode(frame));
                break;
        }

        Volatile.Write(ref _controls, _controls + 1);
    }

    private void OnText(ReadOnlySpan<byte> text)
    {
        if (WireFormat.TryParseBench(text, out var sender, out var seq, out var sentAt) && (uint)sender < MaxSenders)
        {
            var now = Stopwatch.GetTimestamp();
            var expected = _nextSeq[sender];
            if (seq >= expected)
            {
                if (seq > expected)
                {
                    Volatile.Write(ref _gaps, _gaps + (seq - expected));
                }

                Volatile.Write(ref _nextSeq[sender], seq + 1);
            }
            else
            {
                Volatile.Write(ref _reordered, _reordered + 1);
            }

            Histogram?.Record((long)((now - sentAt) * 1_000_000.0 / Stopwatch.Frequency));
            LastBenchTimestamp = sentAt;
            Volatile.Write(ref _received[sender], _received[sender] + 1);
            Volatile.Write(ref _delivered, _delivered + 1);
        }
        else if (WireFormat.TryParseSync(text, out var k))
        {
            Volatile.Write(ref _lastSync, k);
        }
    }
}
