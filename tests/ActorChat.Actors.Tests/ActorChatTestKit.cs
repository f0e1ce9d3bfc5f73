using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorChat.Actors.Tests;

/// <summary>
/// The base of every TestKit test class here: actors run under the server's own HOCON
/// (hocon/actorchat.hocon, so supervision is what production has) and serializers
/// (<see cref="ActorChat.Actors.Serialization.ChatSerialization"/>), and TestKit's waits scale by
/// the suite's one time factor (<see cref="TestTime.Factor"/>, <c>ACTORCHAT_TEST_TIMEFACTOR</c>).
/// </summary>
public abstract class ActorChatTestKit : TestKit
{
    protected ActorChatTestKit()
        : base(Config)
    {
    }

    /// <summary>With <paramref name="extra"/> settings over <see cref="Config"/> (e.g. persistence plugins).</summary>
    protected ActorChatTestKit(Config extra)
        : base(extra.WithFallback(Config))
    {
    }

    /// <summary>Waits until this node of <paramref name="cluster"/> is Up.</summary>
    internal void AwaitUp(Akka.Cluster.Cluster cluster) =>
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, null, PollInterval);

    /// <summary>How often <see cref="WaitUntil"/> checks its condition.</summary>
    protected static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking it every <see cref="PollInterval"/>,
    /// within TestKit's scaled default bound. (AwaitCondition without an interval sleeps a tenth of
    /// its bound between checks: a second per wait with a 10 s bound.)
    /// </summary>
    protected void WaitUntil(Func<bool> condition) => AwaitCondition(condition, null, PollInterval);

    /// <summary>
    /// Asserts the probes were sent nothing more, once the room has worked through everything sent
    /// to it so far, including the broadcasts it queued for itself: not a guess at how long to
    /// wait. Two round trips, because the first may overtake a Flush the room tells itself while
    /// handling an earlier message; the second cannot. Probes queue what they are told at once.
    /// </summary>
    protected void AssertNothingMoreFor(IActorRef room, params TestProbe[] probes)
    {
        for (var i = 0; i < 2; i++)
        {
            room.Tell(new Identify(i));
            ExpectMsg<ActorIdentity>();
        }

        foreach (var probe in probes)
        {
            probe.ExpectNoMsg(TimeSpan.Zero);
        }
    }

    /// <summary>
    /// The test settings over the server's HOCON. <c>single-expect-default</c>, TestKit's bound on
    /// ExpectMsg and AwaitCondition without an explicit one, is raised from 3 s to the 10 s the
    /// integration tests use: a bound on a wait, which a busy machine must not run into. Every
    /// TestKit bound (and ExpectNoMsg's duration) is multiplied by <c>akka.test.timefactor</c>.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory
        .ParseString(string.Create(
            CultureInfo.InvariantCulture,
            $"""
            akka.test.timefactor = {TestTime.Factor}
            akka.test.single-expect-default = 10s
            """))
        .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "actorchat.hocon"))))
        .WithFallback(ActorChat.Actors.Serialization.ChatSerialization.Config);
}
