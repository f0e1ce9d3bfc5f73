using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>The session registry actor: hello, resume, takeover, clean and unclean ends, expiry.</summary>
public sealed class SessionRegistryTests : ActorChatTestKit
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(2);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero));
    private readonly TestProbe _rooms;
    private readonly IActorRef _registry;

    public SessionRegistryTests()
    {
        _rooms = CreateTestProbe();
        _registry = Sys.ActorOf(SessionRegistry.Props(_rooms.Ref, Ttl, 32, NullLogger.Instance, _time));
    }

    private SessionRegistry.Welcomed Hello(TestProbe connection, string name, string? token = null, bool resumable = true)
    {
        _registry.Tell(new SessionRegistry.Hello(token, name, resumable), connection.Ref);
        return connection.ExpectMsg<SessionRegistry.Welcomed>();
    }

    private int SessionCount() => Counts().Count;

    private SessionRegistry.SessionCount Counts()
    {
        _registry.Tell(SessionRegistry.GetSessionCount.Instance);
        return ExpectMsg<SessionRegistry.SessionCount>();
    }

    /// <summary>Waits until the registry has seen the connection die: one session, none attached.</summary>
    private void AwaitDetached() => AwaitAssert(() => Assert.Equal(new SessionRegistry.SessionCount(1, 0), Counts()), null, PollInterval);

    [Fact]
    public void A_dropped_connection_resumes_its_session_with_its_rooms_on_a_new_connection()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        _registry.Tell(new SessionRegistry.JoinedRoom(welcome.SessionId, "general"), first.Ref);
        Sys.Stop(first.Ref);
        AwaitDetached();

        var second = CreateTestProbe();
        var resumed = Hello(second, "ignored on resume", welcome.Token);
        Assert.Equal((welcome.SessionId, "alice", true), (resumed.SessionId, resumed.Name, resumed.Resumed));
        Assert.Equal(["general"], resumed.Rooms);
        Assert.NotEqual(welcome.Token, resumed.Token);
        AssertNothingFor(_rooms);
    }

    [Fact]
    public void Resuming_a_live_session_takes_it_over_and_the_old_connection_is_told()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        var second = CreateTestProbe();
        var resumed = Hello(second, "alice", welcome.Token);
        Assert.True(resumed.Resumed);
        first.ExpectMsg<SessionRegistry.TakenOver>();

        // The old connection's end no longer touches the session.
        Sys.Stop(first.Ref);
        _registry.Tell(new SessionRegistry.Rename(welcome.SessionId, "carol"), second.Ref);
        Assert.Equal("carol", second.ExpectMsg<SessionRegistry.Renamed>().Name);
    }

    [Fact]
    public void A_name_held_by_another_session_and_an_invalid_name_are_refused_with_their_codes()
    {
        Hello(CreateTestProbe(), "alice");
        var other = CreateTestProbe();
        _registry.Tell(new SessionRegistry.Hello(null, "ALICE", true), other.Ref);
        Assert.Equal("name-taken", other.ExpectMsg<SessionRegistry.HelloRefused>().Code);
        _registry.Tell(new SessionRegistry.Hello(null, "ali\u200Bce", true), other.Ref);
        Assert.Equal("invalid-name", other.ExpectMsg<SessionRegistry.HelloRefused>().Code);
        _registry.Tell(new SessionRegistry.Hello("no-such-token", "bob", true), other.Ref);
        Assert.False(other.ExpectMsg<SessionRegistry.Welcomed>().Resumed);
    }

    [Fact]
    public void A_goodbye_ends_the_session_at_once_and_its_rooms_are_told()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        _registry.Tell(new SessionRegistry.JoinedRoom(welcome.SessionId, "general"), connection.Ref);
        _registry.Tell(new SessionRegistry.JoinedRoom(welcome.SessionId, "lobby"), connection.Ref);
        _registry.Tell(new SessionRegistry.Goodbye(welcome.SessionId), connection.Ref);

        var ended = _rooms.ReceiveN(2).Cast<RoomContract.SessionEnded>().OrderBy(e => e.Room, StringComparer.Ordinal).ToArray();
        Assert.Equal([new("general", welcome.SessionId), new RoomContract.SessionEnded("lobby", welcome.SessionId)], ended);
        Assert.Equal(0, SessionCount());
        Hello(CreateTestProbe(), "alice");
    }

    [Fact]
    public void A_dropped_session_ends_when_its_time_to_live_has_passed()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        _registry.Tell(new SessionRegistry.JoinedRoom(welcome.SessionId, "general"), connection.Ref);
        Sys.Stop(connection.Ref);
        AwaitDetached();

        _time.Advance(Ttl - TimeSpan.FromSeconds(1));
        _registry.Tell(new SessionRegistry.ExpireDue());
        Assert.Equal(1, SessionCount());
        AssertNothingFor(_rooms);

        _time.Advance(TimeSpan.FromSeconds(1));
        _registry.Tell(new SessionRegistry.ExpireDue());
        Assert.Equal(new RoomContract.SessionEnded("general", welcome.SessionId), _rooms.ExpectMsg<RoomContract.SessionEnded>());
        Assert.Equal(0, SessionCount());
    }

    [Fact]
    public void A_seed_connection_session_ends_with_its_connection()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "bob", resumable: false);
        Assert.Null(welcome.Token);
        _registry.Tell(new SessionRegistry.JoinedRoom(welcome.SessionId, "lobby"), connection.Ref);
        Sys.Stop(connection.Ref);
        Assert.Equal(new RoomContract.SessionEnded("lobby", welcome.SessionId), _rooms.ExpectMsg<RoomContract.SessionEnded>());
    }

    /// <summary>Nothing more reached the probe once the registry has handled everything sent to it so far.</summary>
    private void AssertNothingFor(TestProbe probe)
    {
        SessionCount();
        probe.ExpectNoMsg(TimeSpan.Zero);
    }
}
