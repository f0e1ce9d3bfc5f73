using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.TestKit;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>Sessions and names as sharded, persistent entities behind a node's front, on a one-node cluster.</summary>
public sealed class ClusterSessionTests : ClusterSessionTestKit
{
    [Fact]
    public void A_hello_is_welcomed_with_a_token_that_names_the_session()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        Assert.Equal(("alice", false, 0), (welcome.Name, welcome.Resumed, welcome.Rooms.Count));
        Assert.True(SessionTokens.TryParse(welcome.Token, out var id));
        Assert.Equal(welcome.SessionId, id);
        Assert.Equivalent(new SessionEntity.StateReply("alice", [], Attached: true, Ended: false), State(welcome.SessionId));
        Assert.NotEqual(welcome.SessionId, Hello(CreateTestProbe(), "bob").SessionId);
    }

    [Fact]
    public void A_name_held_by_another_session_is_refused_also_as_a_lookalike_of_either_key_and_an_invalid_name_too()
    {
        Hello(CreateTestProbe(), "alice");
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "ALICE").Code);

        // "aIice" (capital i) shares only the case-sensitive key with "alice".
        var lookalike = Refused(CreateTestProbe(), "aIice");
        Assert.Equal(("name-taken", "The name \"aIice\" is too close to \"alice\", which is taken."), (lookalike.Code, lookalike.Message));
        Assert.Equal("invalid-name", Refused(CreateTestProbe(), "ali\u200Bce").Code);

        // The refused claim left nothing held: "aIice"'s first key (its caseless key, "aiice") was released.
        Hello(CreateTestProbe(), "aiice");
    }

    [Fact]
    public void Of_two_sessions_claiming_one_name_or_two_lookalikes_at_once_exactly_one_wins()
    {
        var otherFront = Sys.ActorOf(SessionFront.Props(Sessions, 32, Shards));
        for (var round = 0; round < 25; round++)
        {
            // Same caseless key; then the case-sensitive key only (capital i for small l).
            foreach (var (first, second) in new[] { ($"racer{round}", $"RACER{round}"), ($"lila{round}", $"liIa{round}") })
            {
                var a = CreateTestProbe();
                var b = CreateTestProbe();
                Front.Tell(new SessionContract.Hello(null, first, true), a.Ref);
                otherFront.Tell(new SessionContract.Hello(null, second, true), b.Ref);
                var answers = new[] { a.ExpectMsg<object>(), b.ExpectMsg<object>() };
                Assert.Single(answers.OfType<SessionContract.Welcomed>());
                Assert.Equal("name-taken", Assert.Single(answers.OfType<SessionContract.HelloRefused>()).Code);
            }
        }
    }

    [Fact]
    public void A_resume_from_another_connection_takes_the_session_over_with_its_rooms_and_a_new_token()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        Join(first, welcome.SessionId, "general");

        var second = CreateTestProbe();
        var resumed = Hello(second, "ignored on resume", welcome.Token);
        Assert.Equal((welcome.SessionId, "alice", true), (resumed.SessionId, resumed.Name, resumed.Resumed));
        Assert.Equal(["general"], resumed.Rooms);
        Assert.NotEqual(welcome.Token, resumed.Token);
        first.ExpectMsg<SessionContract.TakenOver>();

        // The old connection speaks for the session no more; its end does not detach it.
        Front.Tell(new SessionContract.JoinedRoom(welcome.SessionId, "ignored"), first.Ref);
        Sys.Stop(first.Ref);
        Front.Tell(new SessionContract.Rename(welcome.SessionId, "carol"), second.Ref);
        Assert.Equal(new SessionContract.Renamed("alice", "carol"), second.ExpectMsg<SessionContract.Renamed>());
        Assert.Equivalent(new SessionEntity.StateReply("carol", ["general"], Attached: true, Ended: false), State(welcome.SessionId));
    }

    [Fact]
    public void A_dropped_connection_resumes_its_session_and_the_used_token_is_worthless_while_the_resumed_connection_holds_it()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        Join(first, welcome.SessionId, "general");
        Sys.Stop(first.Ref);
        AwaitAssert(() => Assert.False(State(welcome.SessionId).Attached), null, PollInterval);

        var resumed = Hello(CreateTestProbe(), "x", welcome.Token);
        Assert.True(resumed.Resumed);
        Assert.Equal(["general"], resumed.Rooms);

        var late = Hello(CreateTestProbe(), "dave", welcome.Token);
        Assert.Equal(("dave", false), (late.Name, late.Resumed));
        Assert.NotEqual(welcome.SessionId, late.SessionId);
    }

    [Fact]
    public void A_resume_whose_welcome_was_lost_can_be_tried_again_with_the_same_token_and_older_tokens_stay_worthless()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        Join(first, welcome.SessionId, "general");
        Sys.Stop(first.Ref);
        AwaitAssert(() => Assert.False(State(welcome.SessionId).Attached), null, PollInterval);

        // Resumed, but the connection dies as its welcome is sent: the client never sees the new token.
        var lost = CreateTestProbe();
        var unseen = Hello(lost, "alice", welcome.Token);
        Assert.True(unseen.Resumed);
        Sys.Stop(lost.Ref);
        AwaitAssert(() => Assert.False(State(welcome.SessionId).Attached), null, PollInterval);

        // It tries the token it has again: the same session, name and rooms, not a lock-out.
        var again = Hello(CreateTestProbe(), "alice", welcome.Token);
        Assert.Equal((welcome.SessionId, "alice", true), (again.SessionId, again.Name, again.Resumed));
        Assert.Equal(["general"], again.Rooms);

        // Two generations back is worthless, and so is the welcome that was lost, once replaced.
        var third = Hello(CreateTestProbe(), "x", again.Token);
        Assert.True(third.Resumed);
        Assert.False(Hello(CreateTestProbe(), "erin", welcome.Token).Resumed);
        Assert.False(Hello(CreateTestProbe(), "fay", unseen.Token).Resumed);
    }

    [Fact]
    public void Malformed_unknown_and_forged_tokens_start_a_new_session_under_the_hello_name()
    {
        var holder = CreateTestProbe();
        var alice = Hello(holder, "alice");
        var forged = alice.SessionId + "." + new string('A', SessionTokens.SecretLength);
        var unknown = SessionTokens.NewToken(SessionTokens.NewSessionId());
        string[] tokens = ["", "garbage", "a.b", alice.Token + "x", unknown, forged];
        for (var i = 0; i < tokens.Length; i++)
        {
            var welcome = Hello(CreateTestProbe(), $"guest{i}", tokens[i]);
            Assert.Equal(($"guest{i}", false), (welcome.Name, welcome.Resumed));
            Assert.NotEqual(alice.SessionId, welcome.SessionId);
        }

        // A forged token (the right id, a wrong secret) took nothing over.
        holder.ExpectNoMsg(TimeSpan.Zero);
        Assert.True(State(alice.SessionId).Attached);
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "alice").Code);
    }

    [Fact]
    public void A_dropped_session_ends_when_its_time_to_live_has_passed_freeing_its_name_and_telling_its_rooms()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        Join(connection, welcome.SessionId, "general");
        Join(connection, welcome.SessionId, "lobby");
        Sys.Stop(connection.Ref);
        AwaitAssert(() => Assert.False(State(welcome.SessionId).Attached), null, PollInterval);

        Time.Advance(Ttl - TimeSpan.FromSeconds(1));
        CheckExpiry(welcome.SessionId);
        Assert.Equal("alice", State(welcome.SessionId).Name);
        Rooms.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "alice").Code);

        Time.Advance(TimeSpan.FromSeconds(1));
        CheckExpiry(welcome.SessionId);
        var ended = Rooms.ReceiveN(2).Cast<RoomContract.SessionEnded>().OrderBy(e => e.Room, StringComparer.Ordinal).ToArray();
        Assert.Equal([new("general", welcome.SessionId), new RoomContract.SessionEnded("lobby", welcome.SessionId)], ended);

        // Its names were released before its rooms were told.
        Hello(CreateTestProbe(), "alice");
        AwaitAssert(() => Assert.Null(State(welcome.SessionId).Name), null, PollInterval);
        Assert.False(Hello(CreateTestProbe(), "x", welcome.Token).Resumed);
    }

    [Fact]
    public void A_goodbye_ends_the_session_at_once()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        Join(connection, welcome.SessionId, "general");
        Front.Tell(new SessionContract.Goodbye(welcome.SessionId), connection.Ref);
        Assert.Equal(new RoomContract.SessionEnded("general", welcome.SessionId), Rooms.ExpectMsg<RoomContract.SessionEnded>());
        Hello(CreateTestProbe(), "ALICE");
    }

    [Fact]
    public void A_seed_protocol_session_has_no_token_and_ends_with_its_connection()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "bob", resumable: false);
        Assert.Null(welcome.Token);
        Join(connection, welcome.SessionId, "lobby");
        Sys.Stop(connection.Ref);
        Assert.Equal(new RoomContract.SessionEnded("lobby", welcome.SessionId), Rooms.ExpectMsg<RoomContract.SessionEnded>());
        Hello(CreateTestProbe(), "bob");
    }

    [Fact]
    public void A_rename_takes_the_new_name_frees_the_old_one_and_is_refused_for_a_taken_one()
    {
        var alice = CreateTestProbe();
        var welcome = Hello(alice, "alice");
        Hello(CreateTestProbe(), "bob");

        // Each answer echoes its request's number, from the entity and from the front alike.
        Front.Tell(new SessionContract.Rename(welcome.SessionId, "BOB", 1), alice.Ref);
        var taken = alice.ExpectMsg<SessionContract.RenameRefused>();
        Assert.Equal(("name-taken", 1L), (taken.Code, taken.Request));
        Front.Tell(new SessionContract.Rename(welcome.SessionId, "ALICE", 2), alice.Ref);
        Assert.Equal(new SessionContract.Renamed("alice", "ALICE", 2), alice.ExpectMsg<SessionContract.Renamed>());
        Front.Tell(new SessionContract.Rename(welcome.SessionId, "carol", 3), alice.Ref);
        Assert.Equal(new SessionContract.Renamed("ALICE", "carol", 3), alice.ExpectMsg<SessionContract.Renamed>());
        Front.Tell(new SessionContract.Rename(welcome.SessionId, " ", 4), alice.Ref);
        var invalid = alice.ExpectMsg<SessionContract.RenameRefused>();
        Assert.Equal(("invalid-name", 4L), (invalid.Code, invalid.Request));

        // Both keys of the old name are free, and the new one's are held.
        Hello(CreateTestProbe(), "alice");
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "Carol").Code);
    }

    [Fact]
    public void A_session_entity_that_stopped_recovers_its_name_and_rooms_watches_its_connection_again_and_resumes()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        var entity = first.LastSender;
        Join(first, welcome.SessionId, "general");

        // Stopped without passivating (as on a hand-off, or its node gone): remembered, it comes
        // back from the journal, and the connection's front attaches the connection again.
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);
        AwaitAssert(() => Assert.Equivalent(new SessionEntity.StateReply("alice", ["general"], Attached: true, Ended: false), State(welcome.SessionId)), null, PollInterval);

        var second = CreateTestProbe();
        var resumed = Hello(second, "x", welcome.Token);
        Assert.Equal(("alice", true), (resumed.Name, resumed.Resumed));
        Assert.Equal(["general"], resumed.Rooms);
        first.ExpectMsg<SessionContract.TakenOver>();
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "alice").Code);
    }

    [Fact]
    public void A_session_recovered_without_its_connection_ends_a_time_to_live_after_its_recovery()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        var entity = connection.LastSender;
        Join(connection, welcome.SessionId, "general");
        Sys.Stop(connection.Ref);
        AwaitAssert(() => Assert.False(State(welcome.SessionId).Attached), null, PollInterval);

        Time.Advance(Ttl);
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);
        AwaitAssert(() => Assert.Equivalent(new SessionEntity.StateReply("alice", ["general"], Attached: false, Ended: false), State(welcome.SessionId)), null, PollInterval);

        // The time the connection dropped was not stored: the time-to-live counts from the recovery.
        CheckExpiry(welcome.SessionId);
        Assert.Equal("alice", State(welcome.SessionId).Name);
        Time.Advance(Ttl);
        CheckExpiry(welcome.SessionId);
        Assert.Equal(new RoomContract.SessionEnded("general", welcome.SessionId), Rooms.ExpectMsg<RoomContract.SessionEnded>());
        Hello(CreateTestProbe(), "alice");
    }

    [Fact]
    public void A_name_entity_that_stopped_still_holds_its_name()
    {
        var welcome = Hello(CreateTestProbe(), "alice");
        var probe = CreateTestProbe();
        Names.Tell(new NameEntity.Claim(SessionSharding.CaselessKey(Protocol.NameKey.Of("alice").Caseless), "other", "alice", 1), probe.Ref);
        var name = probe.ExpectMsg<NameEntity.Held>();
        Assert.Equal("alice", name.HolderName);

        Watch(probe.LastSender);
        probe.LastSender.Tell(PoisonPill.Instance);
        ExpectTerminated(probe.LastSender);
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "Alice").Code);
        Assert.Equal("alice", State(welcome.SessionId).Name);
    }

    [Fact]
    public void A_long_lived_session_and_a_busy_name_recover_from_their_snapshot_and_trimmed_journal()
    {
        var connection = CreateTestProbe();
        var welcome = Hello(connection, "alice");
        for (var i = 0; i < SessionEntity.SnapshotEvery + 8; i++)
        {
            Front.Tell(new SessionContract.JoinedRoom(welcome.SessionId, $"room{i}"), connection.Ref);
            if (i % 2 == 1)
            {
                Front.Tell(new SessionContract.LeftRoom(welcome.SessionId, $"room{i}"), connection.Ref);
            }
        }

        // Between two spellings of one name: the name's entities write an event each time.
        for (var i = 0; i <= NameEntity.TrimEvery + 4; i++)
        {
            Front.Tell(new SessionContract.Rename(welcome.SessionId, i % 2 == 0 ? "ALICE" : "alice"), connection.Ref);
            connection.ExpectMsg<SessionContract.Renamed>();
        }

        var rooms = Enumerable.Range(0, SessionEntity.SnapshotEvery + 8).Where(i => i % 2 == 0).Select(i => $"room{i}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(rooms, State(welcome.SessionId).Rooms);
        var entity = connection.LastSender;
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);
        AwaitAssert(() => Assert.Equivalent(new SessionEntity.StateReply("ALICE", rooms, Attached: true, Ended: false), State(welcome.SessionId)), null, PollInterval);

        var key = SessionSharding.CaselessKey(Protocol.NameKey.Of("alice").Caseless);
        var probe = CreateTestProbe();
        Names.Tell(new NameEntity.Claim(key, "other", "Alice", 1), probe.Ref);
        probe.ExpectMsg<NameEntity.Held>();
        var name = probe.LastSender;
        Watch(name);
        name.Tell(PoisonPill.Instance);
        ExpectTerminated(name);
        Names.Tell(new NameEntity.Claim(key, "other", "Alice", 2), probe.Ref);
        Assert.Equal("ALICE", probe.ExpectMsg<NameEntity.Held>().HolderName);
    }

    [Fact]
    public void A_name_granted_to_a_session_that_never_stored_it_is_freed_when_claimed_again()
    {
        // As when a session's node died between the grant of its keys and its own write.
        var key = Protocol.NameKey.Of("ghost");
        var probe = CreateTestProbe();
        Names.Tell(new NameEntity.Claim(SessionSharding.CaselessKey(key.Caseless), "gone-session", "ghost", 1), probe.Ref);
        probe.ExpectMsg<NameEntity.Granted>();
        Names.Tell(new NameEntity.Claim(SessionSharding.CasedKey(key.Cased), "gone-session", "ghost", 1), probe.Ref);
        probe.ExpectMsg<NameEntity.Granted>();

        var welcome = Hello(CreateTestProbe(), "Ghost");
        Assert.Equal("Ghost", welcome.Name);

        // A live holder is asked too, and keeps its name.
        Assert.Equal("name-taken", Refused(CreateTestProbe(), "GHOST").Code);
        Names.Tell(new NameEntity.Claim(SessionSharding.CaselessKey(key.Caseless), "gone-session", "ghost", 2), probe.Ref);
        Assert.Equal("Ghost", probe.ExpectMsg<NameEntity.Held>().HolderName);
    }

    [Fact]
    public void After_a_restart_only_the_connection_of_the_latest_welcome_is_attached_again()
    {
        var first = CreateTestProbe();
        var welcome = Hello(first, "alice");
        var second = CreateTestProbe();
        Hello(second, "x", welcome.Token);
        first.ExpectMsg<SessionContract.TakenOver>();

        // Both connections live on; the front asks for both once the entity stopped.
        var entity = second.LastSender;
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);
        first.ExpectMsg<SessionContract.TakenOver>();
        AwaitAssert(() => Assert.True(State(welcome.SessionId).Attached), null, PollInterval);

        Front.Tell(new SessionContract.Rename(welcome.SessionId, "carol"), first.Ref);
        first.ExpectMsg<SessionContract.RenameRefused>();
        Front.Tell(new SessionContract.Rename(welcome.SessionId, "carol"), second.Ref);
        Assert.Equal("carol", second.ExpectMsg<SessionContract.Renamed>().Name);
    }
}
