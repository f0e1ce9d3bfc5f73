using System.Globalization;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
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
/// The cluster half of the wiring (<c>ActorChat:Cluster:Enabled=true</c>): remoting and
/// membership (Akka.Cluster.Hosting), the split-brain resolver, and rooms as sharded entities
/// registered where the one node's <see cref="RoomRegion"/> is, so the gateway, the connections
/// and the sessions address rooms the same way in both modes; names and sessions as sharded,
/// persistent entities behind a node-local front, registered where the one node's
/// <see cref="SessionRegistry"/> is.
/// </summary>
internal static class ChatCluster
{
    /// <summary>The shard region's type name: the same on every node, or rooms would not find each other.</summary>
    public const string RoomTypeName = "room";

    /// <summary>Remoting on <see cref="ChatClusterOptions.Hostname"/>:<see cref="ChatClusterOptions.Port"/>, the cluster with its seed nodes and keep-majority, and the room shard region.</summary>
    public static AkkaConfigurationBuilder WithChatCluster(this AkkaConfigurationBuilder akka, ChatServerOptions options, IServiceProvider sp)
    {
        var cluster = options.Cluster;
        var chat = sp.GetRequiredService<IOptions<ChatServerOptions>>().Value;
        var loggers = sp.GetRequiredService<ILoggerFactory>();
        var metrics = sp.GetRequiredService<ChatMetrics>();
        var roomLogger = loggers.CreateLogger("ActorChat.Actors.Room");
        var sessionLogger = loggers.CreateLogger("ActorChat.Actors.Sessions");
        var (limits, settings) = (chat.RoomLimits(), chat.RoomSettings());

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

            // The resolver's stable-after is a setting (tests use a few seconds; 20 s by default).
            .AddHocon(
                $"akka.cluster.split-brain-resolver.stable-after = {cluster.StableAfter.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms",
                HoconAddMode.Prepend)

            // The node's rooms report their member counts here (a shard knows nothing of them);
            // started before the region, whose rooms are given it.
            .WithActors((system, registry) =>
                registry.Register<RoomDirectory>(system.ActorOf(RoomDirectory.Props(loggers.CreateLogger("ActorChat.Actors.Rooms")), "room-directory")))
            .WithShardRegion<RoomRegion>(
                RoomTypeName,
                (system, registry) =>
                {
                    var directory = registry.Get<RoomDirectory>();
                    return room => RoomActor.Props(room, limits, settings, roomLogger, metrics: metrics, directory: directory);
                },
                new RoomMessageExtractor(cluster.Shards),
                new ShardOptions
                {
                    // Coordinator state in DistributedData, not the journal (whose coordinator has a
                    // long record of recovery failures); a room comes back on its next message.
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,

                    // A room passivates itself when idle with no members (RoomActor's ReceiveTimeout);
                    // sharding's own idle timer would stop rooms whose members are merely quiet.
                    ShouldPassivateIdleEntities = false,

                    // Handed over, a room stops once its last batch is durable, as when it passivates.
                    HandOffStopMessage = RoomContract.StopRoom.Instance,
                })

            // Names: one entity per name key decides who holds it, cluster-wide (a claim takes the
            // name's caseless key, then its cased one). Nothing to remember: a name entity is only
            // needed when someone claims or releases.
            .WithShardRegion<SessionSharding.NameRegion>(
                SessionSharding.NameRegionName,
                SessionSharding.NameEntityProps(sessionLogger),
                new SessionSharding.NameExtractor(cluster.Shards),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    HandOffStopMessage = NameEntity.StopName.Instance,
                })

            // Sessions: remembered (in the journal), so a session whose node died comes back on a
            // survivor by itself and still ends after its time-to-live, freeing its name.
            .WithShardRegion<SessionSharding.SessionRegion>(
                SessionSharding.SessionRegionName,
                (system, registry) => SessionSharding.SessionEntityProps(
                    SessionEntitySettings.For(chat.Sessions.SessionTtl),
                    registry.Get<SessionSharding.NameRegion>(),
                    registry.Get<RoomRegion>(),
                    sessionLogger),
                new SessionSharding.SessionExtractor(cluster.Shards),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    ShouldPassivateIdleEntities = false,
                    HandOffStopMessage = SessionEntity.StopSession.Instance,
                });
    }

    /// <summary>What connections on this node talk to about sessions: the node-local front of the session shard region.</summary>
    public static IActorRef StartSessions(ActorSystem system, IActorRegistry registry, ChatServerOptions chat) =>
        system.ActorOf(SessionSharding.FrontProps(registry.Get<SessionSharding.SessionRegion>(), chat.Limits.MaxNameLength), "sessions");

    /// <summary>
    /// Once the actor system runs: joins itself when no seed node is given, logs the bound address
    /// (event 1070; with port 0 this is the port actually taken) and watches membership.
    /// </summary>
    public static void StartNode(ActorSystem system, ChatClusterOptions options, ILogger logger)
    {
        var cluster = Cluster.Get(system);
        system.ActorOf(ClusterEventLog.Props(logger), "cluster-log");
        logger.ClusterNodeStarted(cluster.SelfAddress.ToString());
        if (options.SeedNodes.Length == 0)
        {
            cluster.Join(cluster.SelfAddress);
        }
        else
        {
            logger.ClusterJoining(string.Join(", ", options.SeedNodes));
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

    /// <summary>Logs the membership changes an operator wants to see (ids 1071–1079).</summary>
    private sealed class ClusterEventLog : ReceiveActor
    {
        private readonly ILogger _logger;

        public ClusterEventLog(ILogger logger)
        {
            _logger = logger;
            var self = Cluster.Get(Context.System).SelfAddress;
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

        public static Props Props(ILogger logger) => Akka.Actor.Props.Create(() => new ClusterEventLog(logger));

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(
            Self,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent),
            typeof(ClusterEvent.IReachabilityEvent));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
