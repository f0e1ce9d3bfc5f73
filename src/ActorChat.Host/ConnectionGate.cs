using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// Admission for WebSocket connections: counts them in total and per client address, refuses past
/// the limits and while draining, and hands out connection ids.
/// </summary>
public sealed class ConnectionGate(IOptions<ChatServerOptions> options)
{
    private readonly ChatServerOptions _options = options.Value;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private long _nextId;
    private int _open;
    private volatile bool _draining;

    public enum Admission
    {
        Admitted,
        Draining,
        TooManyConnections,
        TooManyFromAddress,
    }

    public int Open => Volatile.Read(ref _open);

    public bool IsDraining => _draining;

    public void StartDraining() => _draining = true;

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
        if (_draining)
        {
            return Admission.Draining;
        }

        if (Interlocked.Increment(ref _open) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            return Admission.TooManyConnections;
        }

        if (_perAddress.AddOrUpdate(ClientKey(address), 1, static (_, n) => n + 1) > _options.MaxConnectionsPerAddress)
        {
            Release(address);
            return Admission.TooManyFromAddress;
        }

        id = Interlocked.Increment(ref _nextId);
        return Admission.Admitted;
    }

    public void Leave(IPAddress address) => Release(address);

    private void Release(IPAddress address)
    {
        address = ClientKey(address);
        Interlocked.Decrement(ref _open);
        while (_perAddress.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _perAddress.TryRemove(KeyValuePair.Create(address, n)) : _perAddress.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }
}
