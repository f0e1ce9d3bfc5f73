using ActorChat.Actors.Sessions;
using static ActorChat.Actors.Sessions.SessionEntity;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>The session's rules without actors: decided, applied, replayed, snapshotted.</summary>
public sealed class SessionStateTests
{
    private const string Token = "AAAAAAAAAAAAAAAA.token-one-aaaaaaaaaaaa";
    private const string Token2 = "AAAAAAAAAAAAAAAA.token-two-aaaaaaaaaaaa";
    private const string Token3 = "AAAAAAAAAAAAAAAA.token-three-aaaaaaaaaa";

    private static SessionState Started(bool resumable = true)
    {
        var state = new SessionState();
        state.Apply(state.DecideStart("Alice", "alice", "Alice", resumable, resumable ? Token : null));
        return state;
    }

    [Fact]
    public void A_new_state_is_no_session_and_deciding_changes_nothing_until_applied()
    {
        var state = new SessionState();
        Assert.False(state.IsStarted);
        Assert.False(state.IsLive);
        Assert.Null(state.DecideResume(Token, Token2, attached: false));
        Assert.Null(state.DecideRoom("lobby", joined: true));
        Assert.Throws<InvalidOperationException>(() => state.DecideRename("Bob", "bob", "Bob"));
        Assert.Throws<InvalidOperationException>(() => state.DecideClose());
        Assert.Throws<InvalidOperationException>(() => state.ToSnapshot());

        var started = state.DecideStart("Alice", "alice", "Alice", true, Token);
        Assert.False(state.IsStarted);

        state.Apply(started);
        Assert.True(state.IsLive);
        Assert.Equal(("Alice", 1L), (state.Name, state.Generation));
        Assert.Equal(("c:alice", "k:Alice"), (state.CaselessKey, state.CasedKey));
        Assert.Equal(SessionTokens.Hash(Token), started.TokenHash);
        Assert.Throws<InvalidOperationException>(() => state.DecideStart("Bob", "bob", "Bob", true, Token2));
    }

    [Fact]
    public void A_token_comes_with_a_resumable_session_only()
    {
        var state = new SessionState();
        Assert.Throws<ArgumentException>(() => state.DecideStart("Alice", "alice", "Alice", true, null));
        Assert.Throws<ArgumentException>(() => state.DecideStart("Alice", "alice", "Alice", false, Token));
        Assert.Null(state.DecideStart("Alice", "alice", "Alice", false, null).TokenHash);
    }

    [Fact]
    public void A_resume_needs_the_current_token_and_gives_a_new_one_in_the_next_generation()
    {
        var state = Started();
        Assert.Null(state.DecideResume(Token2, Token3, attached: false));

        var resumed = Assert.IsType<SessionResumed>(state.DecideResume(Token, Token2, attached: true));
        state.Apply(resumed);

        Assert.Equal(2, state.Generation);
        Assert.True(state.Accepts(Token2, attached: true));
        Assert.False(state.Accepts(Token, attached: true));
    }

    [Fact]
    public void The_previous_token_resumes_once_more_only_while_no_connection_holds_the_session()
    {
        var state = Started();
        state.Apply(state.DecideResume(Token, Token2, attached: false)!);

        // The welcome with Token2 may have been lost: Token still works while detached.
        Assert.Null(state.DecideResume(Token, Token3, attached: true));
        var again = Assert.IsType<SessionResumed>(state.DecideResume(Token, Token3, attached: false));
        state.Apply(again);

        Assert.Equal(3, state.Generation);
        Assert.True(state.Accepts(Token3, attached: true));
        Assert.True(state.Accepts(Token, attached: false));
        Assert.False(state.Accepts(Token2, attached: false));
    }

    [Fact]
    public void A_session_that_cannot_be_resumed_or_has_ended_is_not_resumed()
    {
        var plain = Started(resumable: false);
        Assert.Null(plain.DecideResume(Token, Token2, attached: false));

        var ended = Started();
        ended.Apply(ended.DecideClose());
        Assert.True(ended.Ended);
        Assert.False(ended.IsLive);
        Assert.Null(ended.DecideResume(Token, Token2, attached: false));
        Assert.Throws<InvalidOperationException>(() => ended.DecideClose());
        Assert.Throws<InvalidOperationException>(() => ended.DecideRename("Bob", "bob", "Bob"));
    }

    [Fact]
    public void Rooms_change_only_when_they_change_and_are_kept_in_ordinal_order()
    {
        var state = Started();
        state.Apply(Assert.IsType<RoomJoined>(state.DecideRoom("zoo", joined: true)));
        state.Apply(Assert.IsType<RoomJoined>(state.DecideRoom("Lobby", joined: true)));
        state.Apply(Assert.IsType<RoomJoined>(state.DecideRoom("lobby", joined: true)));

        Assert.Null(state.DecideRoom("zoo", joined: true));
        Assert.Null(state.DecideRoom("nowhere", joined: false));
        Assert.Equal(["Lobby", "lobby", "zoo"], state.Rooms);

        state.Apply(Assert.IsType<RoomLeft>(state.DecideRoom("zoo", joined: false)));
        Assert.Equal(["Lobby", "lobby"], state.Rooms);

        state.Apply(state.DecideClose());
        Assert.Null(state.DecideRoom("other", joined: true));
    }

    [Fact]
    public void A_live_session_keeps_its_current_names_keys_and_not_those_of_its_old_name()
    {
        var state = Started();
        Assert.True(state.Keeps("c:alice"));
        Assert.True(state.Keeps("k:Alice"));
        Assert.False(state.Keeps("c:bob"));

        state.Apply(state.DecideRename("Bob", "bob", "Bob"));

        Assert.Equal("Bob", state.Name);
        Assert.False(state.Keeps("c:alice"));
        Assert.True(state.Keeps("k:Bob"));

        state.Apply(state.DecideClose());
        Assert.False(state.Keeps("k:Bob"));
    }

    [Fact]
    public void Replaying_the_events_or_a_snapshot_gives_the_same_state()
    {
        var live = new SessionState();
        var events = new List<ISessionEvent>();
        void Do(ISessionEvent e)
        {
            events.Add(e);
            live.Apply(e);
        }

        Do(live.DecideStart("Alice", "alice", "Alice", true, Token));
        Do(live.DecideRoom("lobby", joined: true)!);
        Do(live.DecideRoom("zoo", joined: true)!);
        Do(live.DecideResume(Token, Token2, attached: false)!);
        Do(live.DecideRename("Bob", "bob", "Bob"));
        Do(live.DecideRoom("zoo", joined: false)!);

        var replayed = new SessionState();
        events.ForEach(replayed.Apply);
        var fromSnapshot = SessionState.FromSnapshot(live.ToSnapshot());

        foreach (var state in new[] { replayed, fromSnapshot })
        {
            Assert.Equal(Describe(live), Describe(state));
            Assert.True(state.Accepts(Token2, attached: true));
            Assert.True(state.Accepts(Token, attached: false));
        }

        static string Describe(SessionState s) =>
            $"{s.Name}|{s.Caseless}|{s.Cased}|{s.Resumable}|{s.Generation}|{s.Ended}|{string.Join(",", s.Rooms)}|"
            + $"{Convert.ToHexString(s.TokenHash!)}|{Convert.ToHexString(s.PreviousTokenHash!)}";
    }

    [Fact]
    public void Events_before_a_start_are_ignored_and_a_start_begins_afresh()
    {
        var state = new SessionState();
        state.Apply(new RoomJoined("lobby"));
        state.Apply(SessionClosed.Instance);
        Assert.False(state.IsStarted);

        state.Apply(new SessionStarted("Alice", "alice", "Alice", false, null));
        Assert.True(state.IsLive);
        Assert.Empty(state.Rooms);
    }

    [Fact]
    public void The_snapshot_carries_every_field_in_todays_layout()
    {
        var state = Started();
        state.Apply(state.DecideRoom("lobby", joined: true)!);
        state.Apply(state.DecideResume(Token, Token2, attached: false)!);

        var snapshot = state.ToSnapshot();

        Assert.Equal(("Alice", "alice", "Alice", true, 2L, false), (snapshot.Name, snapshot.Caseless, snapshot.Cased, snapshot.Resumable, snapshot.Generation, snapshot.Ended));
        Assert.Equal(["lobby"], snapshot.Rooms);
        Assert.Equal(SessionTokens.Hash(Token2), snapshot.TokenHash);
        Assert.Equal(SessionTokens.Hash(Token), snapshot.PreviousTokenHash);
    }

    [Fact]
    public void A_users_session_keeps_its_user_through_replay_and_snapshot_and_holds_its_name_as_the_user()
    {
        var state = new SessionState();
        var started = state.DecideStart("Alice", "alice", "Alice", true, Token, userId: "alice-id");
        state.Apply(started);

        Assert.Equal("alice-id", state.UserId);
        Assert.Equal("u:alice-id", state.NameHolder("AAAAAAAAAAAAAAAA"));
        Assert.Equal("alice-id", SessionState.FromSnapshot(state.ToSnapshot()).UserId);

        var replayed = new SessionState();
        replayed.Apply(started);
        Assert.Equal("alice-id", replayed.UserId);

        // Anonymous: the session holds its own name.
        Assert.Equal("AAAAAAAAAAAAAAAA", Started().NameHolder("AAAAAAAAAAAAAAAA"));
        Assert.Null(Started().UserId);
    }

    [Fact]
    public void A_users_session_resumes_only_with_the_same_user_and_a_session_token_alone_is_told_apart()
    {
        var state = new SessionState();
        state.Apply(state.DecideStart("Alice", "alice", "Alice", true, Token, userId: "alice-id"));

        Assert.Null(state.DecideResume(Token, Token2, attached: false, userId: null));
        Assert.Null(state.DecideResume(Token, Token2, attached: false, userId: "mallory"));
        Assert.True(state.IsUserResumeByOther(Token, attached: false, userId: null));
        Assert.True(state.IsUserResumeByOther(Token, attached: false, userId: "mallory"));

        // A wrong session token is no session at all (a new one starts), not a refusal.
        Assert.False(state.IsUserResumeByOther(Token3, attached: false, userId: null));
        Assert.False(state.IsUserResumeByOther(Token, attached: false, userId: "alice-id"));
        Assert.NotNull(state.DecideResume(Token, Token2, attached: false, userId: "alice-id"));
    }

    [Fact]
    public void An_anonymous_session_is_not_resumed_by_a_user_and_is_no_refusal()
    {
        var state = Started();

        Assert.Null(state.DecideResume(Token, Token2, attached: false, userId: "alice-id"));
        Assert.False(state.IsUserResumeByOther(Token, attached: false, userId: "alice-id"));
        Assert.NotNull(state.DecideResume(Token, Token2, attached: false));
    }
}
