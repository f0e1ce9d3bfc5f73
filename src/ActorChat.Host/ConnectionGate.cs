using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// Admission for WebSocket connections: counts them in total and per client address, limits the
/// rate at which one address opens new ones, refuses while draining, and hands out connection ids.
/// </summary>
/// <remarks>
/// The per-address rate is what stops one host from opening connections in a flood; the
/// per-address concurrent cap is high because offices, campuses and carrier-grade NAT put many
/// people behind one address. An address's entry outlives its connections until its bucket has
/// refilled (a sweep drops it then), so closing and reopening cannot reset the rate.
/// </remarks>
public sealed class ConnectionGate : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ChatServerOptions _options;
    private bool _othersServe;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<IPAddress, AddressState> _perAddress = new();
    private readonly ITimer _sweep;
    private long _nextId;
    private int _open;
    private int _draining;

    public ConnectionGate(IOptions<ChatServerOptions> options, TimeProvider? time = null)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        _sweep = _time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    public enum Admission
    {
        Admitted,
        Draining,
        TooManyConnections,
        TooManyFromAddress,
        TooManyNewFromAddress,
    }

    public int Open => Volatile.Read(ref _open);

    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Addresses tracked now (open connections, or a bucket still refilling).</summary>
    public int TrackedAddresses => _perAddress.Count;

    /// <summary>
    /// Refuses every later <see cref="TryEnter"/>. A connection admitted concurrently is counted in
    /// <see cref="Open"/> before this returns (both sides fence), so a drain that reads the count
    /// afterwards sees it.
    /// </summary>
    public void StartDraining(bool othersServe)
    {
        // Published before the flag: whoever sees the flag reads the close that goes with it.
        Volatile.Write(ref _othersServe, othersServe);
        Interlocked.Exchange(ref _draining, 1);
    }

    /// <summary>The close code and reason a refused client is told (the handshake is accepted, then closed at once).</summary>
    /// <remarks>
    /// While draining: 1001 on a node alone; 1012 ("service restart") on a node with other nodes up,
    /// whose clients reconnect to another node and resume there (the cluster goes on).
    /// </remarks>
    public (int Code, string Reason) RefusalClose(Admission admission) => admission switch
    {
        Admission.Draining => DrainClose(Volatile.Read(ref _othersServe)),
        Admission.TooManyConnections => (Protocol.CloseCodes.TryAgainLater, "server is full"),
        Admission.TooManyFromAddress => (Protocol.CloseCodes.TryAgainLater, "too many connections from your address"),
        Admission.TooManyNewFromAddress => (Protocol.CloseCodes.TryAgainLater, "too many new connections from your address"),
        _ => throw new ArgumentOutOfRangeException(nameof(admission), admission, "not a refusal"),
    };

    /// <summary>The close code and reason every connection gets when this server drains.</summary>
    /// <param name="othersServe">Other nodes of the cluster are up and take this node's clients.</param>
    public static (int Code, string Reason) DrainClose(bool othersServe) => othersServe
        ? (Protocol.CloseCodes.ServiceRestart, ActorChat.Actors.ChatGateway.Drain.Restarting)
        : (Protocol.CloseCodes.GoingAway, ActorChat.Actors.ChatGateway.Drain.ShuttingDown);

    /// <summary>
    /// The key a client address counts under: IPv4 addresses as they are (IPv4-mapped IPv6 ones
    /// included), IPv6 addresses by their /64 network, since one client typically holds a whole /64.
    /// </summary>
    public static IPAddress ClientKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>Admits a connection from <paramref name="address"/>; every admitted one must be <see cref="Leave"/>d.</summary>
    public Admission TryEnter(IPAddress address, out long id)
    {
        id = 0;

        // Count first, then look at the drain flag: with StartDraining's exchange on the other side,
        // either this sees the drain or the drain sees this connection.
        if (Interlocked.Increment(ref _open) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            return IsDraining ? Admission.Draining : Admission.TooManyConnections;
        }

        if (IsDraining)
        {
            Interlocked.Decrement(ref _open);
            return Admission.Draining;
        }

        var key = ClientKey(address);
        var admission = EnterAddress(key);
        if (admission != Admission.Admitted)
        {
            Interlocked.Decrement(ref _open);
            return admission;
        }

        id = Interlocked.Increment(ref _nextId);
        return Admission.Admitted;
    }

    public void Leave(IPAddress address)
    {
        if (_perAddress.TryGetValue(ClientKey(address), out var state))
        {
            lock (state)
            {
                state.Open--;
            }
        }

        Interlocked.Decrement(ref _open);
    }

    public void Dispose() => _sweep.Dispose();

    private Admission EnterAddress(IPAddress key)
    {
        while (true)
        {
            var state = _perAddress.GetOrAdd(key, static (_, gate) => new AddressState(gate._options.ConnectionBurstPerAddress, gate._time.GetTimestamp()), this);
            lock (state)
            {
                if (state.Removed)
                {
                    continue;
                }

                // Every attempt costs a token, refused ones too: hammering is what the rate is for.
                var now = _time.GetTimestamp();
                Refill(state, now);
                if (state.Tokens < 1)
                {
                    return Admission.TooManyNewFromAddress;
                }

                state.Tokens -= 1;
                if (state.Open >= _options.MaxConnectionsPerAddress)
                {
                    return Admission.TooManyFromAddress;
                }

                state.Open++;
                return Admission.Admitted;
            }
        }
    }

    /// <summary>Drops addresses with no open connection whose bucket is full again: they are back to a fresh start.</summary>
    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (key, state) in _perAddress)
        {
            lock (state)
            {
                Refill(state, now);
                if (state.Open == 0 && state.Tokens >= _options.ConnectionBurstPerAddress)
                {
                    state.Removed = true;
                    _perAddress.TryRemove(KeyValuePair.Create(key, state));
                }
            }
        }
    }

    private void Refill(AddressState state, long now)
    {
        var refill = _time.GetElapsedTime(state.Stamp, now).TotalSeconds * _options.ConnectionsPerSecondPerAddress;
        state.Tokens = Math.Min(_options.ConnectionBurstPerAddress, state.Tokens + refill);
        state.Stamp = now;
    }

    private sealed class AddressState(int tokens, long stamp)
    {
        public int Open;
        public double Tokens = tokens;
        public long Stamp = stamp;
        public bool Removed;
    }
}
