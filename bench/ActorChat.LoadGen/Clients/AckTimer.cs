using System.Diagnostics;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// Times a v1 sender's <c>send</c> → <c>ack</c>: the sender notes each send's time under its
/// sequence number (the send's <c>ref</c>), the receive loop looks it up when the <c>ack</c> echoing
/// that ref arrives. A ring of 65 536 slots: a sender's window keeps far fewer in flight.
/// </summary>
internal sealed class AckTimer
{
    private const int Size = 1 << 16;
    private readonly long[] _sent = new long[Size];
    private long _maxAcked = -1;
    private long _lastAckAt;

    /// <summary>The current phase's histogram (microseconds); written by the receive loop only, swapped between phases.</summary>
    public LatencyHistogram? Histogram { get; set; }

    /// <summary>The highest sequence number acked so far (-1: none).</summary>
    public long MaxAcked => Volatile.Read(ref _maxAcked);

    /// <summary>Stopwatch timestamp of the latest ack (0: none).</summary>
    public long LastAckAt => Volatile.Read(ref _lastAckAt);

    public void Sent(long seq, long timestamp) => Volatile.Write(ref _sent[seq & (Size - 1)], timestamp);

    public void Acked(long seq, long now)
    {
        Volatile.Write(ref _lastAckAt, now);
        if (seq > _maxAcked)
        {
            Volatile.Write(ref _maxAcked, seq);
        }

        var sent = Volatile.Read(ref _sent[seq & (Size - 1)]);
        if (sent != 0 && Histogram is { } histogram)
        {
            histogram.Record((long)((now - sent) * 1_000_000.0 / Stopwatch.Frequency));
        }
    }
}
