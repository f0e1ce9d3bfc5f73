using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests;

/// <summary>
/// The one supervision story of rooms, sessions and names (<see cref="EntityHost"/>): a failed
/// entity waits out a backoff instead of spinning, what arrives meanwhile reaches the next
/// incarnation in order, and to the shard the host is the entity (passivation up, stop down).
/// </summary>
public sealed class EntityHostTests : ActorChatTestKit
{
    /// <summary>A backoff no test waits out: the tests end it by hand (<see cref="EntityHost.RestartDue"/>).</summary>
    private static readonly EntitySupervision Never = new(TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(1), MaxBuffered: 3);

    [Fact]
    public void An_entity_that_fails_on_every_message_is_not_started_again_until_its_backoff_is_over_and_gets_what_came_meanwhile()
    {
        var events = CreateTestProbe();
        var shard = CreateTestProbe();
        var host = StartHost(events, shard);
        Assert.Equal("started 1", events.ExpectMsg<string>());

        host.Tell("boom");
        Assert.Equal("stopped 1", events.ExpectMsg<string>());
        host.Tell("one");
        host.Tell("two");

        // However long it waits, nothing is started again before the backoff is over: no spin.
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        host.Tell(EntityHost.RestartDue.Instance);
        Assert.Equal("started 2", events.ExpectMsg<string>());
        Assert.Equal("got one", events.ExpectMsg<string>());
        Assert.Equal("got two", events.ExpectMsg<string>());

        // It fails again on the next bad message, and again waits.
        host.Tell("boom");
        Assert.Equal("stopped 2", events.ExpectMsg<string>());
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Between_incarnations_what_exceeds_the_bound_goes_to_dead_letters_and_the_rest_is_kept()
    {
        var events = CreateTestProbe();
        var host = StartHost(events, CreateTestProbe());
        events.ExpectMsg<string>();
        host.Tell("boom");
        events.ExpectMsg<string>();

        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        foreach (var message in new[] { "a", "b", "c", "d" })
        {
            host.Tell(message);
        }

        Assert.Equal("d", ExpectMsg<DeadLetter>().Message);
        host.Tell(EntityHost.RestartDue.Instance);
        Assert.Equal(["started 2", "got a", "got b", "got c"], events.ReceiveN(4).Cast<string>());
    }

    [Fact]
    public void The_entitys_passivation_goes_to_the_shard_as_the_hosts_and_the_shards_stop_message_stops_both()
    {
        var events = CreateTestProbe();
        var shard = CreateTestProbe();
        var host = StartHost(events, shard);
        events.ExpectMsg<string>();
        Watch(host);

        host.Tell("passivate");
        var passivate = shard.ExpectMsg<Passivate>();
        Assert.Equal(host, shard.LastSender);

        host.Tell(passivate.StopMessage);
        Assert.Equal("stopped 1", events.ExpectMsg<string>());
        ExpectTerminated(host);
    }

    [Fact]
    public void A_stop_message_between_incarnations_stops_the_host_at_once()
    {
        var events = CreateTestProbe();
        var host = StartHost(events, CreateTestProbe());
        events.ExpectMsg<string>();
        Watch(host);
        host.Tell("boom");
        events.ExpectMsg<string>();

        host.Tell(Stop.Instance);
        ExpectTerminated(host);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void The_backoff_doubles_with_each_failure_in_a_row_up_to_its_maximum()
    {
        var supervision = new EntitySupervision(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 10);
        Assert.Equal(
            [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000],
            Enumerable.Range(1, 10).Select(n => supervision.Backoff(n).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(30), supervision.Backoff(1000));
    }

    /// <summary>A host whose parent is <paramref name="shard"/> (as a shard is the host's), running a <see cref="Flaky"/> entity.</summary>
    private static IActorRef StartHost(TestProbe events, TestProbe shard)
    {
        var incarnations = new int[1];
        var entity = Props.Create(() => new Flaky(events.Ref, incarnations));
        var host = EntityHost.Props(entity, m => m is Stop, Never, NullLogger.Instance);
        return shard.ChildActorOf(host);
    }

    private sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    /// <summary>Throws on "boom", asks to passivate on "passivate", stops on <see cref="Stop"/>, reports the rest.</summary>
    private sealed class Flaky : ReceiveActor
    {
        private readonly IActorRef _events;
        private readonly int _incarnation;

        public Flaky(IActorRef events, int[] incarnations)
        {
            (_events, _incarnation) = (events, ++incarnations[0]);
            Receive<string>(m => m == "boom", _ => throw new InvalidOperationException("boom"));
            Receive<string>(m => m == "passivate", _ => Context.Parent.Tell(new Passivate(Stop.Instance)));
            Receive<Stop>(_ => Context.Stop(Self));
            Receive<string>(m => _events.Tell("got " + m));
        }

        protected override void PreStart() => _events.Tell($"started {_incarnation}");

        protected override void PostStop() => _events.Tell($"stopped {_incarnation}");
    }
}
