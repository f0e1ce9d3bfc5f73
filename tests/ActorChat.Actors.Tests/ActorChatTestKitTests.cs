namespace ActorChat.Actors.Tests;

/// <summary>The actor tests run with the suite's time factor and the server's own Akka settings.</summary>
public sealed class ActorChatTestKitTests : ActorChatTestKit
{
    [Fact]
    public void TestKit_scales_its_waits_by_the_suite_time_factor()
    {
        Assert.Equal(TestTime.Factor, TestKitSettings.TestTimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(10), TestKitSettings.SingleExpectDefault);
        Assert.Equal(TestTime.Seconds(10), Dilated(TestKitSettings.SingleExpectDefault));
    }

    [Fact]
    public void Actors_run_under_the_server_hocon()
    {
        Assert.Equal("Akka.Actor.StoppingSupervisorStrategy", Sys.Settings.Config.GetString("akka.actor.guardian-supervisor-strategy"));
        Assert.Equal(100, Sys.Settings.Config.GetInt("akka.actor.default-dispatcher.throughput"));
    }
}
