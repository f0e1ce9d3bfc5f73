using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Host.Tests;

/// <summary>Per-address admission: IPv6 clients count by their /64, IPv4-mapped addresses as IPv4; new connections are rate-limited per address.</summary>
public sealed class ConnectionGateTests
{
    private static ConnectionGate Gate(int perAddress, int burst = 1000, double perSecond = 1000, TimeProvider? time = null) =>
        new(Options.Create(new ChatServerOptions
        {
            MaxConnectionsPerAddress = perAddress,
            MaxConnections = 1000,
            ConnectionBurstPerAddress = burst,
            ConnectionsPerSecondPerAddress = perSecond,
        }), time);

    [Fact]
    public void While_draining_a_node_alone_refuses_with_1001_and_one_with_others_up_with_1012_so_clients_resume_elsewhere()
    {
        using var single = new ConnectionGate(Options.Create(new ChatServerOptions()));
        using var node = new ConnectionGate(Options.Create(new ChatServerOptions()));
        single.StartDraining(othersServe: false);
        node.StartDraining(othersServe: true);

        Assert.Equal(ConnectionGate.Admission.Draining, single.TryEnter(IPAddress.Loopback, out _));
        Assert.Equal(ConnectionGate.Admission.Draining, node.TryEnter(IPAddress.Loopback, out _));
        Assert.Equal((1001, "server shutting down"), single.RefusalClose(ConnectionGate.Admission.Draining));
        Assert.Equal((1012, "service restart"), node.RefusalClose(ConnectionGate.Admission.Draining));

        // Other refusals do not depend on the mode.
        Assert.Equal((1013, "server is full"), node.RefusalClose(ConnectionGate.Admission.TooManyConnections));
    }

    [Fact]
    public void Addresses_in_one_IPv6_64_share_a_limit()
    {
        using var gate = Gate(2);
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
        using var gate = Gate(1);
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("192.0.2.7"), out _));
        Assert.Equal(ConnectionGate.Admission.TooManyFromAddress, gate.TryEnter(IPAddress.Parse("::ffff:192.0.2.7"), out _));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("192.0.2.8"), out _));
    }

    [Fact]
    public void New_connections_are_limited_per_address_by_a_bucket_that_refills_at_the_rate()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(perAddress: 100, burst: 3, perSecond: 2, time);
        var a = IPAddress.Parse("192.0.2.7");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(a, out _));
            gate.Leave(a);
        }

        Assert.Equal(ConnectionGate.Admission.TooManyNewFromAddress, gate.TryEnter(a, out _));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(IPAddress.Parse("192.0.2.8"), out _));

        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(ConnectionGate.Admission.TooManyNewFromAddress, gate.TryEnter(a, out _));
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(a, out _));
    }

    [Fact]
    public void An_address_is_forgotten_only_when_it_has_no_connection_and_a_full_bucket()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(perAddress: 100, burst: 10, perSecond: 1, time);
        var idle = IPAddress.Parse("192.0.2.7");
        var open = IPAddress.Parse("192.0.2.8");
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(idle, out _));
        gate.Leave(idle);
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(open, out _));
        Assert.Equal(2, gate.TrackedAddresses);

        // Sweeps run every 10 s; the idle address's bucket (1 token short) is full after 1 s.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, gate.TrackedAddresses);

        gate.Leave(open);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, gate.TrackedAddresses);
        Assert.Equal(0, gate.Open);
    }

    [Fact]
    public void Nothing_is_admitted_after_draining_starts_and_the_count_stays_balanced()
    {
        using var gate = Gate(10);
        var a = IPAddress.Parse("192.0.2.7");
        Assert.Equal(ConnectionGate.Admission.Admitted, gate.TryEnter(a, out _));
        gate.StartDraining(othersServe: false);
        Assert.Equal(ConnectionGate.Admission.Draining, gate.TryEnter(a, out _));
        Assert.Equal(1, gate.Open);
        gate.Leave(a);
        Assert.Equal(0, gate.Open);
    }
}
