using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace ActorChat.Actors;

/// <summary>
/// The shard allocation of every region (rooms, sessions, names): Akka's default strategy, given
/// only the regions on reachable members while any is reachable. Akka's own strategy counts a
/// region whose node is unreachable (dead, not yet downed) as a candidate, and as the region with
/// the fewest shards it is often the one picked: a newcomer's new shard would then wait for that
/// node's removal (the recovery bound) while the survivors could have served it at once.
/// Rebalancing is left to Akka's strategy, which does not rebalance while a member is unreachable.
/// </summary>
public sealed class ReachableFirstAllocation(IShardAllocationStrategy inner) : IActorSystemDependentAllocationStrategy
{
    private Cluster? _cluster;

    /// <summary>Called by the shard coordinator when it starts.</summary>
    public void Start(ActorSystem system)
    {
        _cluster = Cluster.Get(system);
        if (inner is IActorSystemDependentAllocationStrategy dependent)
        {
            dependent.Start(system);
        }
    }

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var candidates = _cluster is { } cluster
            ? Reachable(currentShardAllocations, cluster.State.Unreachable.Select(m => m.Address).ToHashSet(), cluster.SelfAddress)
            : currentShardAllocations;
        return inner.AllocateShard(requester, shardId, candidates);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        inner.Rebalance(currentShardAllocations, rebalanceInProgress);

    /// <summary>
    /// The allocations of the regions whose node is not in <paramref name="unreachable"/> (a local
    /// region's path has no address: it is <paramref name="self"/>); all of them when none is
    /// reachable, so that Akka's strategy decides as before rather than not at all.
    /// </summary>
    public static IImmutableDictionary<IActorRef, IImmutableList<string>> Reachable(
        IImmutableDictionary<IActorRef, IImmutableList<string>> allocations,
        IReadOnlySet<Address> unreachable,
        Address self)
    {
        if (unreachable.Count == 0)
        {
            return allocations;
        }

        var reachable = allocations.Where(a => !unreachable.Contains(a.Key.Path.Address.HasLocalScope ? self : a.Key.Path.Address)).ToImmutableDictionary();
        return reachable.Count > 0 ? reachable : allocations;
    }
}
