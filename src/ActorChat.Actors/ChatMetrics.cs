using System.Diagnostics.Metrics;

namespace ActorChat.Actors;

/// <summary>The server's meters (<c>ActorChat</c>), readable with dotnet-counters or an OpenTelemetry exporter.</summary>
public sealed class ChatMetrics : IDisposable
{
    public const string MeterName = "ActorChat";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _framesOut;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _slowConsumerCloses;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _fanOut;
    private readonly Histogram<long> _queuePeak;
    private long _remoteMessages;
    private long _broadcasts;

    /// <param name="meterFactory">The host's factory; null creates a meter of its own (tests, benchmarks).</param>
    public ChatMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateUpDownCounter<long>("actorchat.connections.open", "{connection}", "Open WebSocket connections.");
        _joins = _meter.CreateCounter<long>("actorchat.joins", "{join}", "Accepted joins and renames.");
        _messagesIn = _meter.CreateCounter<long>("actorchat.messages.in", "{message}", "Chat messages accepted from clients.");
        _framesOut = _meter.CreateCounter<long>("actorchat.frames.out", "{frame}", "Frames written to clients.");
        _bytesOut = _meter.CreateCounter<long>("actorchat.bytes.out", "By", "Bytes of frames written to clients.");
        _slowConsumerCloses = _meter.CreateCounter<long>("actorchat.closes.slow_consumer", "{connection}", "Connections closed because their outbound queue was full.");
        _rateLimited = _meter.CreateCounter<long>("actorchat.packets.rate_limited", "{packet}", "Packets dropped by the rate limit.");
        _errors = _meter.CreateCounter<long>("actorchat.packets.rejected", "{packet}", "Packets answered with chat-error.");
        _refused = _meter.CreateCounter<long>("actorchat.connections.refused", "{connection}", "Connections refused at admission (closed at once with 1013 or 1001), by reason.");
        _fanOut = _meter.CreateHistogram(
            "actorchat.broadcast.fanout.duration",
            "s",
            "Time the room takes to hand one broadcast (or batch of them) to every member.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1] });
        _queuePeak = _meter.CreateHistogram(
            "actorchat.connection.queue.peak",
            "By",
            "Largest outbound queue a connection reached, recorded when it closes.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304] });

        // Their ratio is the network cost of a broadcast: at most one message per other node with
        // members. Observed (not counted per call) so both series exist from the start, at 0 on a
        // single node, and a ratio or a before/after difference can always be read.
        _meter.CreateObservableCounter("actorchat.room.remote_messages", () => Interlocked.Read(ref _remoteMessages), "{message}", "Messages rooms sent to another node's relay (one per broadcast per node, or one per single reply).");
        _meter.CreateObservableCounter("actorchat.room.broadcasts", () => Interlocked.Read(ref _broadcasts), "{broadcast}", "Broadcasts rooms handed to their members (a batch of messages, a presence diff).");
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    public void Joined() => _joins.Add(1);

    public void MessageIn() => _messagesIn.Add(1);

    public void FrameOut(int bytes)
    {
        _framesOut.Add(1);
        _bytesOut.Add(bytes);
    }

    public void SlowConsumerClosed() => _slowConsumerCloses.Add(1);

    public void RateLimited() => _rateLimited.Add(1);

    public void Rejected(string code) => _errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void FanOut(TimeSpan elapsed) => _fanOut.Record(elapsed.TotalSeconds);

    public void QueuePeak(long bytes) => _queuePeak.Record(bytes);

    public void RemoteMessage() => Interlocked.Increment(ref _remoteMessages);

    public void Broadcast() => Interlocked.Increment(ref _broadcasts);

    public void Dispose() => _meter.Dispose();
}
