using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>
/// Two cluster nodes in one process (two actor systems on 127.0.0.1), each with its regions and
/// front: names are one namespace across them and a session resumes through either. Each node has
/// its own in-memory journal, so shards are not rebalanced here (an entity moved to the other node
/// would not find its events); moving entities are covered by the one-node tests' restarts.
/// </summary>
public sealed class TwoNodeSessionTests : ClusterSessionTestKit
{
    private readonly ActorSystem _node2;
    private readonly IActorRef _front2;

    /// <summary>
    /// Real remoting serializes what crosses the nodes; <c>serialize-messages</c> is off here because
    /// it also round-trips Akka's own node-local messages, and the singleton manager's idea of the
    /// oldest node did not survive that (both nodes' coordinators waited for the other).
    /// </summary>
    private static readonly Config TwoNodes = ConfigurationFactory.ParseString(
        """
        akka.actor.serialize-messages = off
        akka.cluster.sharding.rebalance-interval = 1h
        """);

    public TwoNodeSessionTests()
        : base(TwoNodes)
    {
        _node2 = ActorSystem.Create(Sys.Name, TwoNodes
            .WithFallback(ClusterConfig)
            .WithFallback(ActorChatTestKit.Config));
        var rooms2 = CreateTestProbe(_node2);
        (_, _, _front2) = StartNode(_node2, rooms2.Ref, new FakeTimeProvider(Time.GetUtcNow()));
        Cluster.Get(_node2).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(
            () => Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 2
                && Cluster.Get(_node2).SelfMember.Status == MemberStatus.Up,
            null,
            PollInterval);
    }

    protected override void AfterAll()
    {
        Shutdown(_node2, verifySystemShutdown: false);
        base.AfterAll();
    }

    [Fact]
    public void Of_two_claims_of_one_name_or_two_lookalikes_from_two_nodes_at_once_exactly_one_wins()
    {
        for (var round = 0; round < 25; round++)
        {
            foreach (var (first, second) in new[] { ($"racer{round}", $"Racer{round}"), ($"lila{round}", $"liIa{round}") })
            {
                var a = CreateTestProbe();
                var b = CreateTestProbe(_node2);
                Front.Tell(new SessionContract.Hello(null, first, true), a.Ref);
                _front2.Tell(new SessionContract.Hello(null, second, true), b.Ref);
                var answers = new[] { a.ExpectMsg<object>(), b.ExpectMsg<object>() };
                Assert.Single(answers.OfType<SessionContract.Welcomed>());
                Assert.Equal("name-taken", Assert.Single(answers.OfType<SessionContract.HelloRefused>()).Code);
            }
        }

        // The names' entities live on both nodes: claims crossed the network both ways.
        foreach (var node in new[] { Sys, _node2 })
        {
            ClusterSharding.Get(node).ShardRegion(SessionSharding.NameRegionName).Tell(GetShardRegionState.Instance, TestActor);
            Assert.NotEmpty(ExpectMsg<CurrentShardRegionState>().Shards);
        }
    }

    [Fact]
    public void A_session_started_on_one_node_resumes_through_the_other_and_the_old_connection_is_taken_over()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        Join(first, welcome.SessionId, "general");

        var second = CreateTestProbe(_node2);
        _front2.Tell(new SessionContract.Hello(welcome.Token, "x", true), second.Ref);
        var resumed = second.ExpectMsg<SessionContract.Welcomed>();
        Assert.Equal((welcome.SessionId, "alice", true), (resumed.SessionId, resumed.Name, resumed.Resumed));
        Assert.Equal(["general"], resumed.Rooms);
        first.ExpectMsg<SessionContract.TakenOver>();

        // Its name is held for both nodes.
        var other = CreateTestProbe(_node2);
        _front2.Tell(new SessionContract.Hello(null, "ALICE", true), other.Ref);
        Assert.Equal("name-taken", other.ExpectMsg<SessionContract.HelloRefused>().Code);
    }
}
