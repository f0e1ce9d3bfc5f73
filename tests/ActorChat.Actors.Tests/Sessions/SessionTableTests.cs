using ActorChat.Actors.Protocol;
using ActorChat.Actors.Sessions;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>Sessions, resume, takeover, expiry and the one namespace of names (PROTOCOL-V1.md, "Session").</summary>
public sealed class SessionTableTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    private int _tokens;

    private SessionTable<string> Table() => new(Ttl, () => $"token-{++_tokens}");

    private static (string Name, NameKey Key) Name(string raw)
    {
        Assert.True(ChatRules.TryValidateName(raw, 32, out var name, out var key, out var error), error);
        return (name, key);
    }

    private static SessionTable<string>.Welcome Start(SessionTable<string> table, string name, string connection, bool resumable = true)
    {
        var (shown, key) = Name(name);
        Assert.True(table.TryStart(shown, key, connection, resumable, out var welcome, out var heldBy), $"{name} refused: held by {heldBy}");
        return welcome;
    }

    [Fact]
    public void A_new_session_gets_a_token_and_no_rooms()
    {
        var table = Table();
        var welcome = Start(table, "alice", "c1");
        Assert.Equal(("alice", "token-1", false), (welcome.Session.Name, welcome.Token, welcome.Resumed));
        Assert.Empty(welcome.Rooms);
        Assert.Null(welcome.TakenOver);
    }

    [Fact]
    public void Real_tokens_carry_128_random_bits_and_differ()
    {
        var table = new SessionTable<string>(Ttl);
        var a = Start(table, "alice", "c1").Token!;
        var b = Start(table, "bob", "c2").Token!;
        Assert.NotEqual(a, b);
        Assert.Equal(16, Convert.FromBase64String(a.Replace('-', '+').Replace('_', '/') + "==").Length);
    }

    [Fact]
    public void A_name_or_a_lookalike_held_by_another_session_is_refused_across_both_protocols()
    {
        var table = Table();
        Start(table, "alice", "seed-connection", resumable: false);
        var (name, key) = Name("ＡＬＩＣＥ");
        Assert.False(table.TryStart(name, key, "c2", resumable: true, out _, out var heldBy));
        Assert.Equal("alice", heldBy);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Resuming_after_a_drop_gives_back_the_name_and_rooms_with_a_new_token_and_the_old_one_is_void()
    {
        var table = Table();
        var first = Start(table, "alice", "c1");
        table.Joined("c1", "lobby");
        table.Joined("c1", "general");
        Assert.Null(table.Disconnected("c1", clean: false, T0));

        Assert.True(table.TryResume(first.Token!, "c2", out var resumed));
        Assert.Equal(("alice", true, first.Session.Id), (resumed.Session.Name, resumed.Resumed, resumed.Session.Id));
        Assert.Equal(["general", "lobby"], resumed.Rooms);
        Assert.NotEqual(first.Token, resumed.Token);
        Assert.Null(resumed.TakenOver);

        Assert.False(table.TryResume(first.Token!, "c3", out _));
    }

    [Fact]
    public void Resuming_a_session_whose_socket_is_still_open_takes_it_over()
    {
        var table = Table();
        var first = Start(table, "alice", "c1");
        Assert.True(table.TryResume(first.Token!, "c2", out var resumed));
        Assert.Equal("c1", resumed.TakenOver);

        // The old connection no longer has the session: its end changes nothing.
        Assert.Null(table.Disconnected("c1", clean: true, T0));
        Assert.True(table.TryGet("c2", out var session));
        Assert.Equal("alice", session.Name);
    }

    [Fact]
    public void A_clean_end_frees_the_name_and_lists_the_rooms_to_leave_at_once()
    {
        var table = Table();
        var first = Start(table, "alice", "c1");
        table.Joined("c1", "general");
        var ended = table.Disconnected("c1", clean: true, T0);
        Assert.NotNull(ended);
        Assert.Equal(["general"], ended.Rooms);
        Assert.False(table.TryResume(first.Token!, "c2", out _));
        Start(table, "alice", "c3");
    }

    [Fact]
    public void A_dropped_session_keeps_its_name_until_the_ttl_then_expires_with_its_rooms()
    {
        var table = Table();
        var first = Start(table, "alice", "c1");
        table.Joined("c1", "general");
        table.Disconnected("c1", clean: false, T0);
        Assert.Equal(T0 + Ttl, table.NextExpiry);

        var (name, key) = Name("alice");
        Assert.False(table.TryStart(name, key, "c2", resumable: true, out _, out _));
        Assert.Empty(table.Expire(T0 + Ttl - TimeSpan.FromMilliseconds(1)));

        var expired = Assert.Single(table.Expire(T0 + Ttl));
        Assert.Equal("alice", expired.Session.Name);
        Assert.Equal(["general"], expired.Rooms);
        Assert.False(table.TryResume(first.Token!, "c3", out _));
        Assert.Null(table.NextExpiry);
        Start(table, "alice", "c2");
    }

    [Fact]
    public void A_seed_connection_has_no_token_and_its_session_ends_with_its_connection_even_when_dropped()
    {
        var table = Table();
        var welcome = Start(table, "bob", "seed", resumable: false);
        Assert.Null(welcome.Token);
        table.Joined("seed", "lobby");
        var ended = table.Disconnected("seed", clean: false, T0);
        Assert.NotNull(ended);
        Assert.Equal(["lobby"], ended.Rooms);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void A_rename_moves_the_session_to_the_new_name_and_frees_the_old_one()
    {
        var table = Table();
        Start(table, "alice", "c1");
        Start(table, "bob", "c2");
        var (taken, takenKey) = Name("Bob");
        Assert.False(table.TryRename("c1", taken, takenKey, out var heldBy));
        Assert.Equal("bob", heldBy);

        var (carol, carolKey) = Name("carol");
        Assert.True(table.TryRename("c1", carol, carolKey, out _));
        Assert.True(table.TryGet("c1", out var session));
        Assert.Equal("carol", session.Name);
        Start(table, "alice", "c3");
    }

    [Fact]
    public void A_renamed_session_resumes_under_its_new_name()
    {
        var table = Table();
        var first = Start(table, "alice", "c1");
        var (carol, carolKey) = Name("carol");
        Assert.True(table.TryRename("c1", carol, carolKey, out _));
        table.Disconnected("c1", clean: false, T0);
        Assert.True(table.TryResume(first.Token!, "c2", out var resumed));
        Assert.Equal("carol", resumed.Session.Name);
    }
}
