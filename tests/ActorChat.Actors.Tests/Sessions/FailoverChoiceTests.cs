using System.Collections.Immutable;
using ActorChat.Actors.Sessions;
using Akka.Actor;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>
/// The two choices that keep newcomers off a dead node's shards while it is unreachable: where a
/// new shard goes (<see cref="ReachableFirstAllocation.Reachable"/>) and which shard a new session
/// id falls in (<see cref="SessionSharding.NewSessionIdIn"/>). The three-node test
/// (ActorChat.Cluster.Tests, NodeKillTests) shows their effect end to end.
/// </summary>
public sealed class FailoverChoiceTests
{
    private static readonly Address Self = new("akka.tcp", "actorchat", "10.0.0.1", 4053);
    private static readonly Address Alive = new("akka.tcp", "actorchat", "10.0.0.2", 4053);
    private static readonly Address Dead = new("akka.tcp", "actorchat", "10.0.0.3", 4053);

    [Fact]
    public void A_region_on_an_unreachable_node_is_no_candidate_for_a_new_shard()
    {
        var local = new Region(new RootActorPath(Address.AllSystems) / "system" / "sharding" / "room");
        var alive = new Region(new RootActorPath(Alive) / "system" / "sharding" / "room");
        var dead = new Region(new RootActorPath(Dead) / "system" / "sharding" / "room");

        // The dead node's region has the fewest shards: Akka's strategy alone would pick it.
        var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty
            .Add(local, ImmutableList.Create("1", "2"))
            .Add(alive, ImmutableList.Create("3", "4"))
            .Add(dead, ImmutableList<string>.Empty);

        var candidates = ReachableFirstAllocation.Reachable(allocations, new HashSet<Address> { Dead }, Self);
        Assert.Equal(new IActorRef[] { local, alive }.OrderBy(r => r.Path.ToString()), candidates.Keys.OrderBy(r => r.Path.ToString()));

        // Nobody unreachable: all of them; everybody unreachable: all of them (Akka decides as before).
        Assert.Same(allocations, ReachableFirstAllocation.Reachable(allocations, new HashSet<Address>(), Self));
        Assert.Equal(3, ReachableFirstAllocation.Reachable(allocations, new HashSet<Address> { Self, Alive, Dead }, Self).Count);

        // A local region's path has no address of its own: it is this node's.
        Assert.DoesNotContain(local, ReachableFirstAllocation.Reachable(allocations, new HashSet<Address> { Self }, Self).Keys);
    }

    [Fact]
    public void A_new_session_id_falls_in_one_of_the_shards_asked_for()
    {
        const int Shards = 100;
        var within = new HashSet<string> { "7", "42" };
        for (var i = 0; i < 200; i++)
        {
            var id = SessionSharding.NewSessionIdIn(within, Shards);
            Assert.Contains(SessionSharding.ShardOf(id, Shards), within);
            Assert.True(SessionTokens.TryParse(id + "." + new string('A', SessionTokens.SecretLength), out var parsed) && parsed == id, $"{id} is not a session id");
        }

        // None asked for: any shard (ids spread over all of them).
        var spread = Enumerable.Range(0, 2000).Select(_ => SessionSharding.ShardOf(SessionSharding.NewSessionIdIn(new HashSet<string>(), Shards), Shards)).ToHashSet();
        Assert.True(spread.Count > 90, $"2000 ids fell in only {spread.Count} of {Shards} shards");
    }

    /// <summary>A region reference with a path and nothing behind it.</summary>
    private sealed class Region(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => throw new NotSupportedException();
    }
}
