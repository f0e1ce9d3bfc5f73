using System.Globalization;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// Membership: every server is an Akka.Cluster node. Remoting (Akka.Remote.Hosting) on
/// <see cref="ChatClusterOptions.Hostname"/>:<see cref="ChatClusterOptions.Port"/> (loopback and any
/// free port by default), the cluster with its seed nodes, or itself when none is given, and the
/// keep-majority split-brain resolver. The chat's actors are then started the same way on every
/// node (<see cref="ChatNode"/>). A server on its own is a cluster of one.
/// </summary>
internal static class ChatCluster
{
    /// <summary>The key of the rooms' shard region in Akka.Hosting's actor registry.</summary>
    public sealed class RoomShardRegion
    {
        private RoomShardRegion()
        {
        }
    }

    /// <summary>Remoting, the cluster with its seed nodes and keep-majority with its stable-after.</summary>
    public static AkkaConfigurationBuilder WithChatCluster(this AkkaConfigurationBuilder akka, ChatServerOptions options, IServiceProvider sp)
    {
        var cluster = options.Cluster;
        return akka
            .WithRemoting(new RemoteOptions
            {
                HostName = cluster.Hostname,
                Port = cluster.Port,
                PublicHostName = string.IsNullOrWhiteSpace(cluster.PublicHostname) ? null : cluster.PublicHostname,
            })
            .WithClustering(new ClusterOptions
            {
                // Empty: the node joins itself once bound (StartNode), as the first node of a new cluster.
                SeedNodes = cluster.SeedNodes.Length > 0 ? cluster.SeedNodes : null,
                SplitBrainResolver = new KeepMajorityOption(),
            })

            // The resolver's stable-after is a setting (tests use a few seconds).
            .AddHocon(
                $"akka.cluster.split-brain-resolver.stable-after = {cluster.StableAfter.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms",
                HoconAddMode.Prepend);
    }

    /// <summary>
    /// Once the actor system runs: joins itself when no seed node is given, logs the bound address
    /// (event 1070; with port 0 this is the port actually taken) and watches membership. A node
    /// whose history is its own (<c>sqlite</c>, <c>memory</c>) keeps every other node out.
    /// </summary>
    public static void StartNode(ActorSystem system, ChatServerOptions options, ILogger logger)
    {
        var cluster = Cluster.Get(system);
        system.ActorOf(ClusterEventLog.Props(logger, ownStore: !options.History.IsPostgreSql), "cluster-log");
        logger.ClusterNodeStarted(cluster.SelfAddress.ToString());
        if (options.Cluster.SeedNodes.Length == 0)
        {
            cluster.Join(cluster.SelfAddress);
        }
        else
        {
            logger.ClusterJoining(string.Join(", ", options.Cluster.SeedNodes));
        }
    }

    /// <summary>
    /// A cluster node is ready when it is an Up member (not joining, not leaving) and its room
    /// shard region answers. Only this node is asked: asking the lobby, as one node does, would go
    /// to whichever node hosts it, and while that node is unreachable (until the resolver downs
    /// it) every node would turn unready at once and a load balancer would drop them all.
    /// </summary>
    public static async Task<HealthCheckResult> ReadinessAsync(ActorSystem system, IActorRef region, int connections, CancellationToken ct)
    {
        var cluster = Cluster.Get(system);
        var status = cluster.IsTerminated ? (MemberStatus?)null : cluster.SelfMember.Status;
        if (status != MemberStatus.Up)
        {
            return HealthCheckResult.Unhealthy($"cluster member status {status?.ToString() ?? "stopped"}");
        }

        // The region answers from its own shards (no other node asked).
        var shards = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        return HealthCheckResult.Healthy($"{connections} connections, Up in a cluster of {cluster.State.Members.Count(m => m.Status == MemberStatus.Up)}, {shards.Shards.Count} room shards here");
    }

    /// <summary>
    /// Logs the membership changes an operator wants to see (ids 1071–1079). On a node whose history
    /// is its own (a SQLite file, memory), any other node that joins is downed at once (1082): it
    /// could be handed rooms whose history it cannot read.
    /// </summary>
    private sealed class ClusterEventLog : ReceiveActor
    {
        private readonly ILogger _logger;

        public ClusterEventLog(ILogger logger, bool ownStore)
        {
            _logger = logger;
            var cluster = Cluster.Get(Context.System);
            var self = cluster.SelfAddress;
            Receive<ClusterEvent.MemberJoined>(e =>
            {
                if (ownStore && e.Member.Address != self)
                {
                    _logger.ClusterMemberRefused(e.Member.Address.ToString());
                    cluster.Down(e.Member.Address);
                }
            });
            Receive<ClusterEvent.MemberUp>(e =>
            {
                if (e.Member.Address == self)
                {
                    _logger.ClusterNodeUp(e.Member.Address.ToString());
                }
                else
                {
                    _logger.ClusterMemberUp(e.Member.Address.ToString());
                }
            });
            Receive<ClusterEvent.MemberLeft>(e => _logger.ClusterMemberLeaving(e.Member.Address.ToString()));
            Receive<ClusterEvent.MemberRemoved>(e => _logger.ClusterMemberRemoved(e.Member.Address.ToString(), e.PreviousStatus.ToString()));
            Receive<ClusterEvent.UnreachableMember>(e => _logger.ClusterMemberUnreachable(e.Member.Address.ToString()));
            Receive<ClusterEvent.ReachableMember>(e => _logger.ClusterMemberReachable(e.Member.Address.ToString()));
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        }

        public static Props Props(ILogger logger, bool ownStore) => Akka.Actor.Props.Create(() => new ClusterEventLog(logger, ownStore));

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(
            Self,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent),
            typeof(ClusterEvent.IReachabilityEvent));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
