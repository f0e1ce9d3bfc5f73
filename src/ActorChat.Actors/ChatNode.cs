using ActorChat.Actors.Rooms;
using ActorChat.Actors.Server;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Users;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// Everything of the chat one node runs, started in one place for every node: the server on its
/// own (a cluster of one), each node of a cluster, and the actor tests. Rooms, names and sessions
/// are sharded entities (<see cref="RoomTypeName"/>, <see cref="SessionSharding.NameRegionName"/>,
/// <see cref="SessionSharding.SessionRegionName"/>), each run by an <see cref="EntityHost"/>; beside
/// them the node's rooms directory, its relay, the front of the sessions and the gateway.
/// </summary>
/// <remarks>
/// The actor system must be a cluster member (<c>akka.actor.provider = cluster</c>); a single server
/// joins itself. All three regions keep their coordinator state in DistributedData:
/// <list type="bullet">
/// <item>Rooms: not remembered (a room comes back on its next message), no idle passivation by
/// sharding (a room passivates itself when idle and empty; sharding's timer would stop rooms whose
/// members are merely quiet), hand-off by <see cref="RoomContract.StopRoom"/> (a room stops once its
/// last batch is durable).</item>
/// <item>Names: not remembered (a name comes back with its next claim); an idle name passivates
/// itself (<see cref="NameEntity"/>).</item>
/// <item>Sessions: remembered, in the journal, so a session whose node died comes back on a survivor
/// by itself and still ends after its time-to-live, freeing its name.</item>
/// </list>
/// </remarks>
public sealed class ChatNode
{
    /// <summary>The rooms' region (type name): the same on every node, or rooms would not find each other.</summary>
    public const string RoomTypeName = "room";

    /// <summary>The server control entity's region (type name): one entity, <see cref="ServerControlContract.EntityId"/>.</summary>
    public const string ServerControlTypeName = "server-control";

    /// <summary>The users' region (type name): one <see cref="UserEntity"/> per signed-in user.</summary>
    public const string UserTypeName = "user";

    private ChatNode(IActorRef rooms, IActorRef roomDirectory, IActorRef names, IActorRef sessionRegion, IActorRef sessions, IActorRef gateway)
    {
        Rooms = rooms;
        RoomDirectory = roomDirectory;
        Names = names;
        SessionRegion = sessionRegion;
        Sessions = sessions;
        Gateway = gateway;
    }

    /// <summary>The rooms' shard region: every <see cref="IWithRoom"/> goes here.</summary>
    public IActorRef Rooms { get; }

    /// <summary>What answers <c>rooms</c>: this node's rooms and the others' (DistributedData).</summary>
    public IActorRef RoomDirectory { get; }

    /// <summary>The names' shard region.</summary>
    public IActorRef Names { get; }

    /// <summary>The sessions' shard region.</summary>
    public IActorRef SessionRegion { get; }

    /// <summary>What connections talk to about their session: the node's <see cref="SessionFront"/>.</summary>
    public IActorRef Sessions { get; }

    /// <summary>The node's <see cref="ChatGateway"/>: every accepted socket.</summary>
    public IActorRef Gateway { get; }

    /// <summary>Starts the node's chat on <paramref name="system"/>.</summary>
    public static ChatNode Start(ActorSystem system, ChatNodeSettings settings, ILoggerFactory loggers, ChatMetrics metrics, ChatNodeClocks? clocks = null)
    {
        clocks ??= ChatNodeClocks.System;
        var sharding = ClusterSharding.Get(system);
        var supervisionLogger = loggers.CreateLogger("ActorChat.Actors.Supervision");
        var roomLogger = loggers.CreateLogger("ActorChat.Actors.Room");
        var sessionLogger = loggers.CreateLogger("ActorChat.Actors.Sessions");
        var (limits, roomSettings, supervision) = (settings.RoomLimits, settings.RoomSettings, settings.Supervision);

        // Rooms on other nodes reach this node's connections through it, once per broadcast.
        system.ActorOf(NodeRelay.Props(), NodeRelay.Name);

        // The node's rooms report their member counts here (a shard knows nothing of them);
        // started before the region, whose rooms are given it.
        var directory = system.ActorOf(ActorChat.Actors.Rooms.RoomDirectory.Props(loggers.CreateLogger("ActorChat.Actors.Rooms")), "room-directory");

        var roomRegion = StartRooms(
            system,
            settings.Shards,
            room => RoomActor.Props(room, limits, roomSettings, roomLogger, clocks.Rooms, metrics, directory, settings.Purge),
            supervision,
            supervisionLogger);
        var names = StartNames(system, settings.Shards, key => NameEntity.Props(key, sessionLogger), supervision, supervisionLogger);
        var sessionRegion = StartSessions(
            system,
            settings.Shards,
            id => SessionEntity.Props(id, SessionEntitySettings.For(settings.SessionTtl), names, roomRegion, sessionLogger, clocks.Sessions),
            supervision,
            supervisionLogger);

        // Server-wide bans and disconnects: one entity, and every node's gateway on its topic.
        var topics = DistributedPubSub.Get(system).Mediator;
        var control = StartRegion(
            system,
            ServerControlTypeName,
            _ => ServerControlEntity.Props(topics, loggers.CreateLogger("ActorChat.Actors.Server"), clocks.Connections),
            ServerControlContract.StopControl.Instance,
            remember: false,
            new ServerControlExtractor(settings.Shards),
            supervision,
            supervisionLogger);

        // Signed-in users: their rooms on every device.
        var users = StartRegion(
            system,
            UserTypeName,
            id => UserEntity.Props(id, settings.Limits.MaxRoomsPerConnection, loggers.CreateLogger("ActorChat.Actors.Users")),
            UserContract.StopUser.Instance,
            remember: false,
            new UserExtractor(settings.Shards),
            supervision,
            supervisionLogger);

        var front = system.ActorOf(SessionFront.Props(sessionRegion, settings.Limits.MaxNameLength, settings.Shards), "sessions");
        var gateway = system.ActorOf(
            ChatGateway.Props(roomRegion, front, settings.Limits, metrics, loggers.CreateLogger("ActorChat.Actors.Connection"), clocks.Connections, roomDirectory: directory, auth: settings.Auth, server: new ChatGateway.ServerLinks(control, topics, names), users: users),
            "chat");
        return new ChatNode(roomRegion, directory, names, sessionRegion, front, gateway);
    }

    /// <summary>The rooms' region: not remembered, hand-off and passivation by <see cref="RoomContract.StopRoom"/>.</summary>
    public static IActorRef StartRooms(ActorSystem system, int shards, Func<string, Props> room, EntitySupervision supervision, ILogger logger) =>
        StartRegion(system, RoomTypeName, room, RoomContract.StopRoom.Instance, remember: false, new RoomMessageExtractor(shards), supervision, logger);

    /// <summary>The names' region: not remembered, hand-off and passivation by <see cref="NameEntity.StopName"/>.</summary>
    public static IActorRef StartNames(ActorSystem system, int shards, Func<string, Props> name, EntitySupervision supervision, ILogger logger) =>
        StartRegion(system, SessionSharding.NameRegionName, name, NameEntity.StopName.Instance, remember: false, new SessionSharding.NameExtractor(shards), supervision, logger);

    /// <summary>The sessions' region: remembered in the journal, hand-off and passivation by <see cref="SessionEntity.StopSession"/>.</summary>
    public static IActorRef StartSessions(ActorSystem system, int shards, Func<string, Props> session, EntitySupervision supervision, ILogger logger) =>
        StartRegion(system, SessionSharding.SessionRegionName, session, SessionEntity.StopSession.Instance, remember: true, new SessionSharding.SessionExtractor(shards), supervision, logger);

    /// <summary>A region whose entities each run under an <see cref="EntityHost"/>; <paramref name="stop"/> is the hand-off and passivation message.</summary>
    private static IActorRef StartRegion<TStop>(ActorSystem system, string typeName, Func<string, Props> entity, TStop stop, bool remember, IMessageExtractor extractor, EntitySupervision supervision, ILogger logger)
        where TStop : class =>
        ClusterSharding.Get(system).Start(
            typeName,
            id => EntityHost.Props(entity(id), m => m is TStop, supervision, logger),
            Settings(system, remember),
            extractor,
            Allocation(system),
            stop);

    /// <summary>
    /// Coordinator state in DistributedData (not the journal); no idle passivation by sharding (each
    /// entity passivates itself); remembered entities, where wanted, in the journal (the settings
    /// have no setter for that store, hence the config).
    /// </summary>
    private static ClusterShardingSettings Settings(ActorSystem system, bool remember)
    {
        ClusterSharding.Get(system); // puts sharding's defaults under the system's config
        var config = system.Settings.Config.GetConfig("akka.cluster.sharding");
        var overrides = remember ? "remember-entities = on\nremember-entities-store = eventsourced" : "remember-entities = off";
        return ClusterShardingSettings.Create(
                ConfigurationFactory.ParseString(overrides).WithFallback(config),
                system.Settings.Config.GetConfig(config.GetString("coordinator-singleton")))
            .WithStateStoreMode(StateStoreMode.DData)
            .WithPassivateIdleAfter(TimeSpan.Zero);
    }

    /// <summary>Akka's default allocation, offered only regions on reachable nodes while any is reachable (<see cref="ReachableFirstAllocation"/>).</summary>
    private static ReachableFirstAllocation Allocation(ActorSystem system) =>
        new ReachableFirstAllocation(ClusterSharding.Get(system).DefaultShardAllocationStrategy(ClusterShardingSettings.Create(system)));
}

/// <summary>What a node's chat is started with.</summary>
/// <param name="Shards">Shards of each region; the same on every node.</param>
/// <param name="RoomLimits">The rooms' limits.</param>
/// <param name="RoomSettings">The rooms' settings.</param>
/// <param name="Limits">The connections' limits.</param>
/// <param name="SessionTtl">How long a dropped session waits to be resumed.</param>
public sealed record ChatNodeSettings(int Shards, RoomLimits RoomLimits, RoomSettings RoomSettings, ChatSettings Limits, TimeSpan SessionTtl)
{
    /// <summary>How failed entities are started again.</summary>
    public EntitySupervision Supervision { get; init; } = EntitySupervision.Default;

    /// <summary>How the store purges deleted messages' text from the rooms' journal; null: <see cref="RoomJournalPurges.None"/> (a store with nothing to purge: memory).</summary>
    public RoomJournalPurge? Purge { get; init; }

    /// <summary>Whether <c>actorchat.v1</c> clients sign in with a token (<c>ActorChat:Auth</c>); anonymous by default.</summary>
    public Users.UserAuth Auth { get; init; } = Users.UserAuth.Anonymous;
}

/// <summary>The clocks of a node's parts (tests move them on their own).</summary>
public sealed record ChatNodeClocks(TimeProvider Rooms, TimeProvider Sessions, TimeProvider Connections)
{
    public static readonly ChatNodeClocks System = new(TimeProvider.System, TimeProvider.System, TimeProvider.System);
}
