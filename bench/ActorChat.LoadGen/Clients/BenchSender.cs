using System.Diagnostics;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// A joined client that sends benchmark messages, either as fast as the server takes them or at a
/// fixed rate, always within a window: no more than <c>window</c> of its messages may be
/// undelivered at the slowest included client, so the server's queues (not ours) are measured and
/// no bounded server queue is overrun.
/// </summary>
internal sealed class BenchSender(BenchClient client, int id, Room room, int textLength)
{
    private readonly byte[] _prefix = WireFormat.MessagePrefix(Name(id));
    private readonly byte[] _frame = new byte[256 + textLength];
    private long _sent;

    public int Id => id;

    public BenchClient Client => client;

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Times this sender waited for the window to open.</summary>
    public long WindowWaits { get; private set; }

    public static string Name(int id) => $"s{id}";

    public Task JoinAsync(CancellationToken cancellationToken) =>
        client.WebSocket.SendAsync(WireFormat.Join(Name(id)), WebSocketMessageType.Text, true, cancellationToken);

    public async Task SendSyncAsync(long k, CancellationToken cancellationToken)
    {
        var length = WireFormat.WriteSyncFrame(_frame, _prefix, k);
        await client.WebSocket.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
    }

    /// <summary>Sends as fast as the window allows until <paramref name="duration"/> has passed.</summary>
    public async Task SaturateAsync(TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + Ticks(duration);
        var acked = room.MinReceived(id);
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

    /// <summary>Sends at <paramref name="perSecond"/> messages per second for <paramref name="duration"/>.</summary>
    public async Task PaceAsync(double perSecond, TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + Ticks(duration);
        var first = Sent;
        var acked = room.MinReceived(id);
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
                    acked = room.MinReceived(id);
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
            var acked = room.MinReceived(id);
            if (Sent - acked <= target || Stopwatch.GetTimestamp() >= end)
            {
                return acked;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private async ValueTask SendOneAsync(CancellationToken cancellationToken)
    {
        var length = WireFormat.WriteBenchFrame(_frame, _prefix, id, Sent, Stopwatch.GetTimestamp(), textLength);
        await client.WebSocket.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
        Volatile.Write(ref _sent, _sent + 1);
    }

    private static long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * Stopwatch.Frequency);
}
