using System.ComponentModel.DataAnnotations;

namespace ActorChat.Host;

/// <summary>
/// The <c>ActorChat:Cluster</c> settings: where this node listens for the other nodes of its
/// Akka.Cluster and which nodes it joins. Every server is a cluster node; with the defaults it is a
/// cluster of one (loopback, any free port, joined to itself).
/// </summary>
public sealed class ChatClusterOptions
{
    /// <summary>The actor system's name; every node of one cluster must use it, and seed node addresses name it.</summary>
    public const string SystemName = "actorchat";

    /// <summary>
    /// The address the node binds for the other nodes, and advertises unless <see cref="PublicHostname"/>
    /// is set (which <c>0.0.0.0</c>, every interface, needs).
    /// </summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The address the other nodes reach this one at, when it differs from <see cref="Hostname"/> (NAT, containers); null: <see cref="Hostname"/>.</summary>
    public string? PublicHostname { get; set; }

    /// <summary>The TCP port for the other nodes; 0 (the default) picks any free port (reported in log event 1070). Nodes that others name as seed nodes need a fixed one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>
    /// Nodes to join, as <c>akka.tcp://actorchat@host:port</c>. Empty: this node starts a new
    /// cluster on its own (the first node); the others name it (or any node already in).
    /// </summary>
    public string[] SeedNodes { get; set; } = [];

    /// <summary>
    /// How long membership must be stable before the split-brain resolver downs unreachable nodes
    /// (keep-majority). 5 s: with the failure detector's few seconds and sharding's 2 s removal
    /// margin (hocon/actorchat.hocon, which says why that is safe) a dead node's rooms, sessions and
    /// names serve again on the survivors within 15 s. A node silent for a pause plus this long is
    /// taken for dead; raise it for larger clusters or long pauses (Akka suggests 7 s at 5 nodes,
    /// 20 s at 100), and the recovery bound grows by as much.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The number of shards rooms (and sessions and names) are spread over; about ten per node at the most nodes planned is plenty.</summary>
    [Range(1, 10_000)]
    public int Shards { get; set; } = 100;

    /// <summary>The host other nodes reach this one at.</summary>
    public string AdvertisedHostname => string.IsNullOrWhiteSpace(PublicHostname) ? Hostname : PublicHostname;
}
