using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;

namespace ActorChat.Actors.Tests;

/// <summary>
/// A TestKit's actor system as a cluster of one, as every server is: remoting on 127.0.0.1 with any
/// free port, joined to itself, the sharding settings the server's HOCON does not give. The
/// journal and snapshot store are the test's own.
/// </summary>
public static class OneNodeCluster
{
    public static Config Config { get; } = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.sharding.distributed-data.durable.keys = []
        # A stopped (not passivated) remembered session comes back quickly in tests.
        akka.cluster.sharding.entity-restart-backoff = 200ms
        # One node, nothing to hand over: stopping the system need not leave the cluster first.
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """)
        .WithFallback(ClusterSharding.DefaultConfig())
        .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig());

    /// <summary>Joins the kit's node to itself and waits until it is Up.</summary>
    public static void Join(ActorChatTestKit kit)
    {
        var cluster = Cluster.Get(kit.Sys);
        cluster.Join(cluster.SelfAddress);
        kit.AwaitUp(cluster);
    }
}
