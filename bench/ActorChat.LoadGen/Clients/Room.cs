using System.Diagnostics;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// A set of clients in one room. Over beej (the server's one room) listeners connect without
/// joining (every accepted connection receives broadcasts, per the protocol, and N joins would cost
/// N²/2 join deliveries); senders join as <c>s0</c>, <c>s1</c>, …. Over v1 every client says
/// <c>hello</c> (listeners <c>&lt;prefix&gt;l&lt;n&gt;</c>, senders <c>&lt;prefix&gt;s&lt;id&gt;</c>) and joins
/// <paramref name="roomName"/> (asking for one recent message) before its receive loop starts;
/// presence diffs are coalesced by the server, so joins cost O(1) frames per member and interval.
/// A sync barrier proves every client is in the room before benchmark messages start, so every
/// later message must reach every client.
/// </summary>
internal sealed class Room(LoopbackConnector connector, WireProtocol protocol = WireProtocol.Beej, string roomName = "bench", string namePrefix = "") : IAsyncDisposable
{
    private const int ConnectParallelism = 64;

    private readonly List<BenchClient> _clients = [];
    private readonly List<BenchSender> _senders = [];
    private long _nextSync;
    private int _nextListener;

    public WireProtocol Protocol => protocol;

    /// <summary>For a server of several nodes: the node every sender connects to; null: round-robin like the listeners.</summary>
    public int? SenderNode { get; init; }

    /// <summary>The v1 room's name (beej has one room, whatever its name).</summary>
    public string RoomName => roomName;

    public ErrorTally Errors { get; } = new();

    public IReadOnlyList<BenchClient> Clients => _clients;

    public IReadOnlyList<BenchSender> Senders => _senders;

    public int Count => _clients.Count;

    /// <summary>Connects <paramref name="count"/> more listeners; returns how long that took.</summary>
    public async Task<TimeSpan> AddListenersAsync(int count, CancellationToken cancellationToken, ConnectOptions? options = null)
    {
        var started = Stopwatch.GetTimestamp();
        options = (options ?? new ConnectOptions()) with { Protocol = protocol };
        if (protocol == WireProtocol.V1)
        {
            var first = _nextListener;
            _nextListener += count;
            var joined = await OpenManyAsync(count, i => OpenV1Async(options, $"{namePrefix}l{first + i}", cancellationToken), cancellationToken);
            _clients.AddRange(joined);
        }
        else
        {
            var connected = await ConnectManyAsync(connector, count, options, cancellationToken);
            _clients.AddRange(connected.Select(c => new BenchClient(c, Errors, options.ReceiveBuffer)));
        }

        return Stopwatch.GetElapsedTime(started);
    }

    public async Task<BenchClient> AddListenerAsync(ConnectOptions options, CancellationToken cancellationToken)
    {
        options = options with { Protocol = protocol };
        BenchClient client;
        if (protocol == WireProtocol.V1)
        {
            client = await OpenV1Async(options, $"{namePrefix}l{_nextListener++}", cancellationToken);
        }
        else
        {
            var connection = await connector.ConnectAsync(options, cancellationToken);
            client = new BenchClient(connection, Errors, options.ReceiveBuffer);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>Connects <paramref name="count"/> more clients and joins each as a sender.</summary>
    public async Task AddSendersAsync(int count, int textLength, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var id = _senders.Count;
            if (id >= BenchClient.MaxSenders)
            {
                throw new InvalidOperationException($"at most {BenchClient.MaxSenders} senders");
            }

            BenchClient client;
            if (protocol == WireProtocol.V1)
            {
                client = await OpenV1Async(new ConnectOptions(Protocol: protocol, Node: SenderNode), $"{namePrefix}{BenchSender.Name(id)}", cancellationToken);
                _clients.Add(client);
            }
            else
            {
                client = await AddListenerAsync(new ConnectOptions(Node: SenderNode), cancellationToken);
            }

            var sender = new BenchSender(client, id, this, textLength, BenchSender.Name(id));
            await sender.JoinAsync(cancellationToken);
            _senders.Add(sender);
        }
    }

    /// <summary>
    /// Sends <c>sync:k</c> messages from sender 0 until every client has seen one, then aligns late
    /// clients' counts with what was sent before them; false on timeout. Call only between phases
    /// (nothing in flight).
    /// </summary>
    public async Task<bool> SyncAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var first = _nextSync;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await _senders[0].SendSyncAsync(_nextSync++, cancellationToken);
            for (var i = 0; i < 25; i++)
            {
                await Task.Delay(10, cancellationToken);
                if (_clients.TrueForAll(c => c.LastSync >= first))
                {
                    foreach (var client in _clients)
                    {
                        _senders.ForEach(s => client.Align(s.Id, s.Sent));
                    }

                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The fewest messages of <paramref name="sender"/> that any included client has received.</summary>
    public long MinReceived(int sender)
    {
        var min = long.MaxValue;
        foreach (var client in _clients)
        {
            if (!client.Excluded)
            {
                min = Math.Min(min, client.ReceivedFrom(sender));
            }
        }

        return min;
    }

    public long Delivered(bool includeExcluded = false) => _clients.Where(c => includeExcluded || !c.Excluded).Sum(c => c.Delivered);

    public long Gaps => _clients.Where(c => !c.Excluded).Sum(c => c.Gaps);

    public long Reordered => _clients.Where(c => !c.Excluded).Sum(c => c.Reordered);

    public long Sent => _senders.Sum(s => s.Sent);

    public int IncludedCount => _clients.Count(c => !c.Excluded);

    /// <summary>Waits until every included client has every message sent so far; false on timeout.</summary>
    public async Task<bool> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_senders.TrueForAll(s => MinReceived(s.Id) >= s.Sent))
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() >= deadline || _clients.Exists(c => !c.Excluded && c.ClosedAt != 0))
            {
                return false;
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>Gives every included client a fresh latency histogram and returns them.</summary>
    public LatencyHistogram[] StartLatencyPhase()
    {
        foreach (var client in _clients)
        {
            client.Histogram = client.Excluded ? null : new LatencyHistogram();
        }

        return [.. _clients.Where(c => c.Histogram is not null).Select(c => c.Histogram!)];
    }

    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> histograms)
    {
        var merged = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }

        return merged;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_clients.Select(c => c.DisposeAsync().AsTask()));
        _clients.Clear();
        _senders.Clear();
    }

    /// <summary>Connects, says hello as <paramref name="name"/> and joins the room; then its receive loop starts.</summary>
    private async Task<BenchClient> OpenV1Async(ConnectOptions options, string name, CancellationToken cancellationToken)
    {
        var connection = await connector.ConnectAsync(options, cancellationToken);
        try
        {
            var reader = new FrameReader(options.ReceiveBuffer);
            var welcome = await V1Handshake.HelloAsync(connection.WebSocket, reader, name, null, cancellationToken);
            var join = await V1Handshake.JoinAsync(connection.WebSocket, reader, roomName, null, 1, cancellationToken);
            return new BenchClient(connection, Errors, options.ReceiveBuffer, WireProtocol.V1, join.PresenceBefore)
            {
                Session = welcome.Session,
                JoinedAt = join.Joined.Position,
                Name = name,
            };
        }
        catch
        {
            connection.WebSocket.Abort();
            connection.WebSocket.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="open"/> for 0..count-1 with bounded parallelism; on failure disposes what it opened and rethrows.</summary>
    private static async Task<List<BenchClient>> OpenManyAsync(int count, Func<int, Task<BenchClient>> open, CancellationToken cancellationToken)
    {
        var results = new BenchClient?[count];
        try
        {
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken }, async (i, _) =>
                results[i] = await open(i));
        }
        catch
        {
            await Task.WhenAll(results.Where(c => c is not null).Select(c => c!.DisposeAsync().AsTask()));
            throw;
        }

        return [.. results.Select(r => r!)];
    }

    /// <summary>Opens connections with bounded parallelism; on failure closes what it opened and rethrows.</summary>
    public static async Task<List<ClientConnection>> ConnectManyAsync(LoopbackConnector connector, int count, ConnectOptions options, CancellationToken cancellationToken)
    {
        var results = new ClientConnection?[count];
        try
        {
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken }, async (i, token) =>
                results[i] = await connector.ConnectAsync(options, token));
        }
        catch
        {
            foreach (var connection in results)
            {
                connection?.WebSocket.Abort();
                connection?.WebSocket.Dispose();
            }

            throw;
        }

        return [.. results.Select(r => r!)];
    }
}
