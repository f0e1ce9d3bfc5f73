using ActorChat.Actors;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Hosting;

namespace ActorChat.Host;

/// <summary>
/// Akka.Cluster.Hosting's <c>WithShardRegion</c>, with the one thing it does not let us choose: the
/// shard allocation strategy, here <see cref="ReachableFirstAllocation"/> over Akka's default, so a
/// new shard never goes to a region on an unreachable node while another region is reachable.
/// Settings are read the way Akka.Cluster.Hosting reads them (the <see cref="ShardOptions"/> over
/// <c>akka.cluster.sharding</c>), and the region is registered under <typeparamref name="TKey"/>.
/// </summary>
internal static class ChatShardRegions
{
    public static AkkaConfigurationBuilder WithChatShardRegion<TKey>(
        this AkkaConfigurationBuilder builder,
        string typeName,
        Func<ActorSystem, IActorRegistry, Func<string, Props>> entityPropsFactory,
        IMessageExtractor messageExtractor,
        ShardOptions shardOptions)
    {
        builder.AddHocon(
            ClusterSharding.DefaultConfig()
                .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig())
                .WithFallback(ClusterSingleton.DefaultConfig()),
            HoconAddMode.Append);

        return builder.StartActors(new ActorStarter(async (system, registry) =>
        {
            var props = entityPropsFactory(system, registry);
            var shardingConfig = ConfigurationFactory.ParseString(shardOptions.ToString())
                .WithFallback(system.Settings.Config.GetConfig("akka.cluster.sharding"));
            var coordinatorConfig = system.Settings.Config.GetConfig(shardingConfig.GetString("coordinator-singleton"));
            var settings = ClusterShardingSettings.Create(shardingConfig, coordinatorConfig);
            var sharding = ClusterSharding.Get(system);
            var allocation = new ReachableFirstAllocation(sharding.DefaultShardAllocationStrategy(settings));
            var region = await sharding.StartAsync(typeName, props, settings, messageExtractor, allocation, shardOptions.HandOffStopMessage ?? PoisonPill.Instance).ConfigureAwait(false);
            registry.Register<TKey>(region);
        }));
    }

    /// <inheritdoc cref="WithChatShardRegion{TKey}(AkkaConfigurationBuilder, string, Func{ActorSystem, IActorRegistry, Func{string, Props}}, IMessageExtractor, ShardOptions)"/>
    public static AkkaConfigurationBuilder WithChatShardRegion<TKey>(
        this AkkaConfigurationBuilder builder,
        string typeName,
        Func<string, Props> entityProps,
        IMessageExtractor messageExtractor,
        ShardOptions shardOptions) =>
        builder.WithChatShardRegion<TKey>(typeName, (_, _) => entityProps, messageExtractor, shardOptions);
}
