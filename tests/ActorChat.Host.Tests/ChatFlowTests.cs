namespace ActorChat.Host.Tests;

/// <summary>The room's behaviour over real sockets, one fresh server per test.</summary>
public sealed partial class ChatFlowTests
{
    [Fact]
    public async Task A_join_is_broadcast_to_everyone_with_the_trimmed_name_and_the_user_list_goes_to_the_joiner_alone()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var lurker = await server.ConnectAsync();
        await using var carol = await server.ConnectAsync();
        await server.WaitForRoomAsync(m => m.Connections == 3, "everyone attached");

        await carol.JoinAsync("  Carol \t");

        var join = await carol.ExpectAsync("chat-join");
        Assert.Equal("Carol", join.Username());
        var users = await carol.ExpectAsync("chat-users");
        Assert.Equal("Carol", users.Username());
        Assert.Equal(["alice", "Carol"], users.Payload().GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        Assert.Equal("Carol", (await alice.ExpectAsync("chat-join")).Username());
        Assert.Equal("Carol", (await lurker.ExpectAsync("chat-join")).Username());

        // Only the joiner got chat-users: the next thing everyone else sees is this message.
        await alice.SayAsync("alice", "welcome");
        await alice.ExpectMessageAsync("alice", "welcome");
        await lurker.ExpectMessageAsync("alice", "welcome");
        await carol.ExpectMessageAsync("alice", "welcome");
    }

    [Fact]
    public async Task The_user_list_is_sorted_and_holds_every_joined_name()
    {
        await using var server = await TestServer.StartAsync();
        await using var zed = await server.JoinAsync("zed");
        await using var amy = await server.JoinAsync("Amy");
        await using var bob = await server.ConnectAsync();

        await bob.JoinAsync("bob");

        await bob.ExpectAsync("chat-join");
        var users = await bob.ExpectAsync("chat-users");
        Assert.Equal(["Amy", "bob", "zed"], users.Payload().GetProperty("users").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task A_message_is_broadcast_to_everyone_including_the_sender_with_trimmed_fields()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");
        await using var lurker = await server.ConnectAsync();
        await server.WaitForRoomAsync(m => m.Connections == 3, "the lurker attached");

        await alice.SayAsync("  alice  ", "  hello <b>world</b> \n");

        foreach (var client in new[] { alice, bob, lurker })
        {
            var packet = await client.ExpectAsync("chat-message");
            Assert.Equal("alice", packet.Username());
            Assert.Equal("hello <b>world</b>", packet.Field("message"));
        }
    }

    [Fact]
    public async Task A_whitespace_only_message_is_dropped()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await alice.SayAsync("alice", " \t\r\n \u00a0 ");
        await alice.SayAsync("alice", "");
        await alice.SayAsync("alice", "after");

        await alice.ExpectMessageAsync("alice", "after");
        await bob.ExpectMessageAsync("alice", "after");
    }

    [Fact]
    public async Task Messages_of_the_maximum_length_pass_and_longer_ones_are_refused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        var longest = new string('x', 4000);
        await alice.SayAsync("alice", longest);
        await alice.ExpectMessageAsync("alice", longest);
        await bob.ExpectMessageAsync("alice", longest);

        await alice.SayAsync("alice", new string('y', 4001));
        await alice.ExpectErrorAsync("message-too-long", "alice");

        await alice.SayAsync("alice", "short");
        await alice.ExpectMessageAsync("alice", "short");
        await bob.ExpectMessageAsync("alice", "short");
    }

    [Fact]
    public async Task A_taken_name_in_any_case_is_refused_to_the_sender_alone_and_nothing_is_broadcast()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("Alice");
        await using var bob = await server.ConnectAsync();

        await bob.JoinAsync(" aLiCe ");

        var error = await bob.ExpectErrorAsync("name-taken");
        Assert.Equal("", error.Username());

        // No chat-join went out: the next packet both see is this message.
        await alice.SayAsync("Alice", "ping");
        await alice.ExpectMessageAsync("Alice", "ping");
        await bob.ExpectMessageAsync("Alice", "ping");

        // bob is still not joined.
        await bob.SayAsync("aLiCe", "me too");
        await bob.ExpectErrorAsync("not-joined");
    }

    public static TheoryData<string, string> InvalidNames => new()
    {
        { "empty", "" },
        { "whitespace", " \t " },
        { "33 characters", new string('n', 33) },
        { "control character", "bo\u0001b" },
        { "NUL", "bob\0" },
        { "newline inside", "bo\nb" },
        { "zero-width space", "bo\u200bb" },
        { "bidi override", "\u202ebob" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task An_invalid_name_is_refused_and_nothing_is_broadcast(string why, string name)
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.ConnectAsync();

        await bob.JoinAsync(name);

        var error = await bob.ExpectAsync("chat-error");
        Assert.True(error.Field("code") == "invalid-name", $"A name with {why} must be refused as invalid-name; got {error.GetRawText()}");
        Assert.Equal("", error.Username());
        await alice.SayAsync("alice", "ping");
        await alice.ExpectMessageAsync("alice", "ping");
        await bob.ExpectMessageAsync("alice", "ping");

        // The refused join left no trace: a valid name still works.
        await bob.JoinAsync("bob");
        Assert.Equal("bob", (await bob.ExpectAsync("chat-join")).Username());
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());
    }

    [Fact]
    public async Task A_name_of_exactly_32_characters_is_accepted()
    {
        await using var server = await TestServer.StartAsync();
        var name = new string('n', 31) + "é";

        await using var client = await server.JoinAsync("  " + name + "  ");

        Assert.Equal([name], (await server.MembersAsync()).Names);
    }

    [Fact]
    public async Task A_message_under_another_name_renames_then_posts_under_the_new_name()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await alice.SayAsync(" Alicia ", "hi");

        foreach (var client in new[] { alice, bob })
        {
            var rename = await client.ExpectAsync("chat-rename");
            Assert.Equal("Alicia", rename.Username());
            Assert.Equal("alice", rename.Field("previous"));
            await client.ExpectMessageAsync("Alicia", "hi");
        }

        // The old name is free again: bob renames to it with chat-join.
        await bob.JoinAsync("alice");
        foreach (var client in new[] { alice, bob })
        {
            var rename = await client.ExpectAsync("chat-rename");
            Assert.Equal("alice", rename.Username());
            Assert.Equal("bob", rename.Field("previous"));
        }

        await bob.SayAsync("alice", "now I am alice");
        await alice.ExpectMessageAsync("alice", "now I am alice");
        await bob.ExpectMessageAsync("alice", "now I am alice");
    }

    [Fact]
    public async Task A_rename_to_a_different_case_of_the_own_name_is_allowed()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");

        await alice.JoinAsync("ALICE");

        var rename = await alice.ExpectAsync("chat-rename");
        Assert.Equal("ALICE", rename.Username());
        Assert.Equal("alice", rename.Field("previous"));
    }

    [Fact]
    public async Task A_refused_rename_still_posts_the_message_under_the_bound_name_and_tells_the_sender_why()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await alice.SayAsync("BOB", "it's me");

        // The sender gets the error and the message (in either order).
        var first = await alice.ReceiveAsync();
        var second = await alice.ReceiveAsync();
        var packets = new[] { first, second };
        var error = Assert.Single(packets, p => p.Type() == "chat-error");
        Assert.Equal("name-taken", error.Field("code"));
        Assert.Equal("alice", error.Username());
        var message = Assert.Single(packets, p => p.Type() == "chat-message");
        Assert.Equal("alice", message.Username());
        Assert.Equal("it's me", message.Field("message"));

        // The others get the message under the bound name, and no rename.
        await bob.ExpectMessageAsync("alice", "it's me");
        Assert.Equal(["alice", "bob"], (await server.MembersAsync()).Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_rename_by_join_is_an_error_to_the_sender_and_keeps_the_bound_name()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await alice.JoinAsync("Bob");
        await alice.ExpectErrorAsync("name-taken", "alice");

        await alice.JoinAsync(new string('x', 40));
        await alice.ExpectErrorAsync("invalid-name", "alice");

        await alice.SayAsync("alice", "still alice");
        await alice.ExpectMessageAsync("alice", "still alice");
        await bob.ExpectMessageAsync("alice", "still alice");
    }
}
