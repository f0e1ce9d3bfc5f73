using System.Net;
using Microsoft.Extensions.Options;

namespace ActorChat.Host.Tests;

/// <summary>Per-address admission: IPv6 clients count by their /64, IPv4-mapped addresses as IPv4.</summary>
public sealed class ConnectionGateTests
{
    private static ConnectionGate Gate(int perAddress) =>
        new(Options.Create(new ChatServerOptions { MaxConnectionsPerAddress = perAddress, MaxConnections = 1000 }));

    [Fact]
    public void Addresses_in_one_IPv6_64_share_a_limit()
    {
        var gate = Gate(2);
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("2001:db8:1:2::1"), out _));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("2001:db8:1:2:ffff::9"), out _));
        Assert.Equal(ConnectionGate.Admission.TooManyFromAddress, gate.TryEnter(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), out _));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("2001:db8:1:3::1"), out _));

        gate.Leave(IPAddress.Parse("2001:db8:1:2::1"));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("2001:db8:1:2::77"), out _));
        Assert.Equal(3, gate.Open);
    }

    [Fact]
    public void IPv4_mapped_addresses_count_as_IPv4()
    {
        var gate = Gate(1);
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("192.0.2.7"), out _));
        Assert.Equal(ConnectionGate.Admission.TooManyFromAddress, gate.TryEnter(IPAddress.Parse("::ffff:192.0.2.7"), out _));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("192.0.2.8"), out _));
    }
}
