using ActorChat.Protocol;
using Akka.Cluster.Sharding;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>A name nobody asks about leaves memory and keeps its holder (its journal brings it back).</summary>
public sealed class NameIdleTests() : ClusterSessionTestKit(nameIdleAfter: TimeSpan.FromMilliseconds(200))
{
    [Fact]
    public void An_idle_name_passivates_and_is_still_held_when_asked_again()
    {
        var welcome = Hello(CreateTestProbe(), "alice");
        Assert.True(NameEntities() >= 2, "the name's two keys are in memory while it is claimed");

        // Nothing asked of them: both keys' entities stop.
        AwaitAssert(() => Assert.Equal(0, NameEntities()), null, PollInterval);

        // Asked again, each recovers its holder from the journal: the name is still taken.
        Assert.Equal(ErrorCodes.NameTaken, Refused(CreateTestProbe(), "alice").Code);
        Assert.Equal("alice", State(welcome.SessionId).Name);
    }

    private int NameEntities()
    {
        Names.Tell(GetShardRegionState.Instance, TestActor);
        return ExpectMsg<CurrentShardRegionState>().Shards.Sum(shard => shard.EntityIds.Count);
    }
}
