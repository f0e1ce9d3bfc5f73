using System.Diagnostics;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// A joined client that sends benchmark messages, either as fast as the server takes them or at a
/// fixed rate, always within a window: no more than <c>window</c> of its messages may be
/// undelivered at the slowest included client, so the server's queues (not ours) are measured and
/// no bounded server queue is overrun. Over beej it sends <c>chat-message</c>; over v1 <c>send</c>
/// with its sequence number as the <c>ref</c>, so <see cref="AckTimer"/> can time each <c>ack</c>.
/// </summary>
internal sealed class BenchSender
{
    private readonly BenchClient _client;
    private readonly int _id;
    private readonly Room _room;
    private readonly int _textLength;
    private readonly byte[] _prefix;
    private readonly byte[]? _v1Middle;
    private readonly byte[] _frame;
    private long _sent;

    public BenchSender(BenchClient client, int id, Room room, int textLength, string? name = null)
    {
        _client = client;
        _id = id;
        _room = room;
        _textLength = textLength;
        _prefix = WireFormat.MessagePrefix(name ?? Name(id));
        _frame = new byte[320 + textLength];
        if (room.Protocol == WireProtocol.V1)
        {
            _v1Middle = V1Format.SendMiddle(room.RoomName);
            client.Acks = new AckTimer();
        }
    }

    public int Id => _id;

    public BenchClient Client => _client;

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Times this sender waited for the window to open.</summary>
    public long WindowWaits { get; private set; }

    public static string Name(int id) => $"s{id}";

    /// <summary>Beej: binds the sender's name (a v1 sender joined in its handshake).</summary>
    public Task JoinAsync(CancellationToken cancellationToken) => _v1Middle is not null
        ? Task.CompletedTask
        : _client.WebSocket.SendAsync(WireFormat.Join(Name(_id)), WebSocketMessageType.Text, true, cancellationToken);

    public async Task SendSyncAsync(long k, CancellationToken cancellationToken)
    {
        var length = _v1Middle is { } middle
            ? V1Format.WriteSend(_frame, middle, _id, k, 0, 0, sync: true)
            : WireFormat.WriteSyncFrame(_frame, _prefix, k);
        await _client.WebSocket.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
    }

    /// <summary>Sends as fast as the window allows until <paramref name="duration"/> has passed.</summary>
    public async Task SaturateAsync(TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + Ticks(duration);
        var acked = _room.MinReceived(_id);
        while (Stopwatch.GetTimestamp() < end)
        {
            if (Sent - acked >= window)
            {
                acked = await WaitForWindowAsync(window / 2, end, cancellationToken);
                continue;
            }

            await SendOneAsync(cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="count"/> messages as fast as the window allows (then returns; they may still be in flight).</summary>
    public async Task SendCountAsync(long count, int window, CancellationToken cancellationToken)
    {
        var target = Sent + count;
        var acked = _room.MinReceived(_id);
        while (Sent < target)
        {
            if (Sent - acked >= window)
            {
                acked = await WaitForWindowAsync(window / 2, long.MaxValue, cancellationToken);
                continue;
            }

            await SendOneAsync(cancellationToken);
        }
    }

    /// <summary>Sends at <paramref name="perSecond"/> messages per second for <paramref name="duration"/>.</summary>
    public async Task PaceAsync(double perSecond, TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + Ticks(duration);
        var first = Sent;
        var acked = _room.MinReceived(_id);
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                return;
            }

            var due = (long)((now - start) * perSecond / Stopwatch.Frequency) + 1;
            while (Sent - first < due)
            {
                if (Sent - acked >= window)
                {
                    acked = _room.MinReceived(_id);
                    if (Sent - acked >= window)
                    {
                        WindowWaits++;
                        break;
                    }
                }

                await SendOneAsync(cancellationToken);
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private async Task<long> WaitForWindowAsync(int target, long end, CancellationToken cancellationToken)
    {
        WindowWaits++;
        while (true)
        {
            var acked = _room.MinReceived(_id);
            if (Sent - acked <= target || Stopwatch.GetTimestamp() >= end)
            {
                return acked;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Sends one benchmark message now, whatever the window (the kill-recovery stream keeps sending into a room that is down).</summary>
    public ValueTask SendNextAsync(CancellationToken cancellationToken) => SendOneAsync(cancellationToken);

    private async ValueTask SendOneAsync(CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        int length;
        if (_v1Middle is { } middle)
        {
            _client.Acks!.Sent(_sent, now);
            length = V1Format.WriteSend(_frame, middle, _id, _sent, now, _textLength);
        }
        else
        {
            length = WireFormat.WriteBenchFrame(_frame, _prefix, _id, _sent, now, _textLength);
        }

        await _client.WebSocket.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
        Volatile.Write(ref _sent, _sent + 1);
    }

    private static long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * Stopwatch.Frequency);
}
