using ActorChat.Actors.Server;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Tests.Server;

/// <summary>The server-wide control's pure rules: decisions, their application (what recovery replays), and a connection's match.</summary>
public sealed class ServerControlStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_ban_names_exactly_one_valid_subject_and_gets_the_next_id()
    {
        var state = new ServerControlState();
        Assert.IsType<ControlRefused>(state.DecideBan(new BanServerWide(null, null, null, null, "api"), Now));
        Assert.IsType<ControlRefused>(state.DecideBan(new BanServerWide("bob", "10.0.0.1", null, null, "api"), Now));
        Assert.IsType<ControlRefused>(state.DecideBan(new BanServerWide(null, "nowhere", null, null, "api"), Now));
        Assert.IsType<ControlRefused>(state.DecideBan(new BanServerWide("bob", null, 0, null, "api"), Now));
        Assert.IsType<ControlRefused>(state.DecideBan(new BanServerWide("bob", null, null, new string('x', 201), "api"), Now));

        var first = Assert.IsType<ServerBanned>(state.DecideBan(new BanServerWide("bob", null, 60, "abuse", "api"), Now));
        state.Apply(first);
        var second = Assert.IsType<ServerBanned>(state.DecideBan(new BanServerWide(null, "2001:db8::1", null, "", "api"), Now));
        state.Apply(second);

        Assert.Equal((1L, Now.AddSeconds(60), "abuse"), (first.Ban.Id, first.Ban.Until, first.Ban.Reason));
        Assert.Equal((2L, "20010db800000000/64", (string?)null, (DateTimeOffset?)null), (second.Ban.Id, second.Ban.Address, second.Ban.Reason, second.Ban.Until));
        Assert.Equal([1L, 2L], state.InForce(Now).Select(b => b.Id));

        // Past its end a ban is not in force, and is dropped with the next act.
        Assert.Equal([2L], state.InForce(Now.AddSeconds(61)).Select(b => b.Id));
        state.Apply(new ServerDisconnected("carol", null, null, Now.AddSeconds(61), "api"));
        Assert.Equal(["ban", "ban", "disconnect"], state.Audit.Select(a => a.Action));
    }

    [Fact]
    public void A_lift_is_of_a_ban_in_force_and_replaying_the_events_gives_the_same_state()
    {
        var state = new ServerControlState();
        var events = new List<ServerControlEvent>();
        void Act(object decision)
        {
            var e = Assert.IsAssignableFrom<ServerControlEvent>(decision);
            state.Apply(e);
            events.Add(e);
        }

        Act(state.DecideBan(new BanServerWide("bob", null, null, null, "api"), Now));
        Act(state.DecideBan(new BanServerWide("carol", null, null, null, "api"), Now));
        Act(state.DecideLift(new LiftServerBan(1, "api"), Now));
        Assert.Equal("not-found", Assert.IsType<ControlRefused>(state.DecideLift(new LiftServerBan(1, "api"), Now)).Code);
        Assert.Equal("not-found", Assert.IsType<ControlRefused>(state.DecideLift(new LiftServerBan(9, "api"), Now)).Code);

        var replayed = new ServerControlState();
        events.ForEach(replayed.Apply);
        Assert.Equal(state.InForce(Now), replayed.InForce(Now));
        Assert.Equal(state.Audit, replayed.Audit);

        // The next id goes on after a replay: never one already used.
        var next = Assert.IsType<ServerBanned>(replayed.DecideBan(new BanServerWide("dave", null, null, null, "api"), Now));
        Assert.Equal(3, next.Ban.Id);
    }

    [Fact]
    public void A_disconnect_names_exactly_one_of_a_user_or_a_session()
    {
        Assert.IsType<ControlRefused>(ServerControlState.DecideDisconnect(new DisconnectServerWide(null, null, null, "api"), Now));
        Assert.IsType<ControlRefused>(ServerControlState.DecideDisconnect(new DisconnectServerWide("bob", "s", null, "api"), Now));
        Assert.IsType<ControlRefused>(ServerControlState.DecideDisconnect(new DisconnectServerWide("", null, null, "api"), Now));
        Assert.IsType<ServerDisconnected>(ServerControlState.DecideDisconnect(new DisconnectServerWide(null, "s", "why", "api"), Now));
    }

    [Fact]
    public void A_connection_matches_a_ban_of_its_user_or_its_address_or_its_ipv6_64_while_it_lasts()
    {
        var bans = new ServerBanList(
        [
            new ServerBan(1, "bob", null, Now, Now.AddMinutes(1), null, "api"),
            new ServerBan(2, null, "10.0.0.7", Now, null, null, "api"),
            new ServerBan(3, null, "20010db800000000/64", Now, null, null, "api"),
        ]);

        Assert.Equal(1, bans.Match("bob", "192.168.0.1", Now)?.Id);
        Assert.Null(bans.Match("bob", "192.168.0.1", Now.AddMinutes(1)));
        Assert.Equal(2, bans.Match(null, "10.0.0.7", Now)?.Id);
        Assert.Equal(2, bans.Match("alice", "10.0.0.7", Now)?.Id);
        Assert.Null(bans.Match(null, "10.0.0.8", Now));
        Assert.Equal(3, bans.Match(null, "2001:db8::abcd", Now)?.Id);
        Assert.Null(bans.Match(null, "2001:db8:0:1::1", Now));
        Assert.Null(bans.Match("alice", null, Now));
        Assert.Null(ServerBanList.Empty.Match("bob", "10.0.0.7", Now));
    }
}
