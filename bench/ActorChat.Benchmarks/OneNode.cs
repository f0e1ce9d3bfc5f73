using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorChat.Benchmarks;

/// <summary>An actor system as a cluster of one, as every server is (loopback, any free port, joined to itself).</summary>
internal static class OneNode
{
    public static Config Config { get; } = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """);

    /// <summary>Joins <paramref name="system"/> to itself and waits until it is Up.</summary>
    public static void Join(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        cluster.JoinAsync(cluster.SelfAddress).Wait(TimeSpan.FromSeconds(30));
    }
}
