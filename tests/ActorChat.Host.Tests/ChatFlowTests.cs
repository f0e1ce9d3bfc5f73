namespace ActorChat.Host.Tests;

/// <summary>The room's behaviour over real sockets, one fresh server per test.</summary>
public sealed class ChatFlowTests
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

    [Fact]
    public async Task A_message_before_joining_is_answered_not_joined_and_not_broadcast()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.ConnectAsync();

        await bob.SayAsync("bob", "hello?");

        await bob.ExpectErrorAsync("not-joined");
        await alice.SayAsync("alice", "ping");
        await alice.ExpectMessageAsync("alice", "ping");
        await bob.ExpectMessageAsync("alice", "ping");
        Assert.Equal(["alice"], (await server.MembersAsync()).Names);
    }

    [Fact]
    public async Task When_a_joined_client_closes_the_others_get_its_leave_exactly_once()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await using var carol = await server.JoinAsync("carol");
        await alice.ExpectAsync("chat-join");
        await alice.ExpectAsync("chat-join");
        await bob.ExpectAsync("chat-join");

        await carol.CloseAsync();

        foreach (var client in new[] { alice, bob })
        {
            Assert.Equal("carol", (await client.ExpectAsync("chat-leave")).Username());
        }

        await alice.SayAsync("alice", "bye carol");
        await alice.ExpectMessageAsync("alice", "bye carol");
        await bob.ExpectMessageAsync("alice", "bye carol");

        // The name is free again.
        await using var carol2 = await server.JoinAsync("Carol");
        Assert.Equal("Carol", (await alice.ExpectAsync("chat-join")).Username());
    }

    [Fact]
    public async Task A_client_that_never_joined_leaves_silently()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using (var lurker = await server.ConnectAsync())
        {
            await server.WaitForRoomAsync(m => m.Connections == 2, "the lurker attached");
            await lurker.CloseAsync();
        }

        await using (var aborted = await server.ConnectAsync())
        {
            await server.WaitForRoomAsync(m => m.Connections == 2, "the second lurker attached");
            aborted.Abort();
        }

        await server.WaitForRoomAsync(m => m.Connections == 1, "the lurkers are gone");

        // Nothing was sent for them: the next packet is this message (and every packet had a username).
        await alice.SayAsync("alice", "anyone?");
        await alice.ExpectMessageAsync("alice", "anyone?");
    }

    [Fact]
    public async Task A_client_receives_broadcasts_from_the_moment_it_is_accepted()
    {
        await using var server = await TestServer.StartAsync();
        await using var lurker = await server.ConnectAsync();
        await server.WaitForRoomAsync(m => m.Connections == 1, "the lurker attached");

        await using var alice = await server.JoinAsync("alice");

        Assert.Equal("alice", (await lurker.ExpectAsync("chat-join")).Username());
        await alice.SayAsync("alice", "hi");
        await lurker.ExpectMessageAsync("alice", "hi");
    }

    [Fact]
    public async Task A_connection_receives_every_broadcast_sent_after_its_handshake_completed()
    {
        const int Attempts = 200;
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Limits:PacketsPerSecond=1000",
            "--ActorChat:Limits:PacketBurst=1000");
        await using var alice = await server.JoinAsync("alice");

        // A race, so many attempts: the handshake is complete before the message is sent, so the
        // lurker must get it. Its own not-joined error (which goes through the room) comes after.
        for (var i = 0; i < Attempts; i++)
        {
            await using var lurker = await server.ConnectAsync();
            await alice.SayAsync("alice", $"m{i}");
            await alice.ExpectMessageAsync("alice", $"m{i}");
            await lurker.SayAsync("lurker", "am I in?");

            var first = await lurker.ReceiveAsync();
            Assert.True(
                first.Type() == "chat-message" && first.Field("message") == $"m{i}",
                $"Attempt {i}: the connection missed m{i}, broadcast after its handshake completed; its first packet was {first.GetRawText()}");
            await lurker.ExpectErrorAsync("not-joined");
        }
    }

    [Fact]
    public async Task Join_and_rename_are_rate_limited()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Limits:NameChangeBurst=3",
            "--ActorChat:Limits:NameChangesPerSecond=0");
        await using var bob = await server.JoinAsync("bob");
        await using var alice = await server.JoinAsync("alice"); // name change 1 of 3
        await bob.ExpectAsync("chat-join");

        foreach (var name in new[] { "alice2", "alice3" }) // 2 and 3
        {
            await alice.JoinAsync(name);
            Assert.Equal(name, (await alice.ExpectAsync("chat-rename")).Username());
            Assert.Equal(name, (await bob.ExpectAsync("chat-rename")).Username());
        }

        await alice.JoinAsync("alice4");
        await alice.ExpectErrorAsync("rate-limited", "alice3");

        // A rename by message over the limit: the message still goes out, under the bound name.
        await alice.SayAsync("alice5", "hi");
        await alice.ExpectErrorAsync("rate-limited", "alice3");
        await alice.ExpectMessageAsync("alice3", "hi");
        await bob.ExpectMessageAsync("alice3", "hi");
        Assert.Equal(["alice3", "bob"], (await server.MembersAsync()).Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_rate_limited_rename_by_message_right_after_an_accepted_rename_posts_under_the_new_name()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Limits:NameChangeBurst=2",
            "--ActorChat:Limits:NameChangesPerSecond=0");
        await using var bob = await server.JoinAsync("bob");
        using var alice = await RawWebSocket.ConnectAsync(server.Port);
        await alice.SendTextAsync("""{"type":"chat-join","payload":{"username":"alice"}}"""); // name change 1 of 2
        Assert.Equal("alice", (await bob.ExpectAsync("chat-join")).Username());

        // A rename (the last name change allowed), then at once a message claiming a third name:
        // that rename is refused, so the message goes out under the bound name, alice2.
        await alice.SendTextsAtOnceAsync(
            """{"type":"chat-join","payload":{"username":"alice2"}}""",
            """{"type":"chat-message","payload":{"username":"alice3","message":"hi"}}""");

        var rename = await bob.ExpectAsync("chat-rename");
        Assert.Equal("alice2", rename.Username());
        var next = await bob.ReceiveAsync();
        Assert.True(
            next.Type() == "chat-message" && next.Username() == "alice2" && next.Field("message") == "hi",
            $"Expected hi from alice2 (no further rename: the limit is spent), got {next.GetRawText()}");
        Assert.Equal(["alice2", "bob"], (await server.MembersAsync()).Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_message_sent_right_before_closing_is_delivered_before_the_leave()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        await bob.SayAsync("bob", "bye all");
        await bob.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(TestServer.Timeout);

        await alice.ExpectMessageAsync("bob", "bye all");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-leave")).Username());
    }

    [Fact]
    public async Task Packets_are_exact_json_objects()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.ConnectAsync();

        await alice.JoinAsync("alice");
        await alice.ExpectAsync("chat-join");
        await alice.ExpectAsync("chat-users");
        await alice.SayAsync("alice", "\"quoted\" \\ </script> \u2603");
        var message = await alice.ExpectAsync("chat-message");

        // The frames as sent, not as re-serialized here: no whitespace, no extra fields, this order.
        Assert.Equal(
            [
                """{"type":"chat-join","payload":{"username":"alice"}}""",
                """{"type":"chat-users","payload":{"username":"alice","users":["alice"]}}""",
            ],
            alice.Received.Take(2));

        // The text may be escaped in any valid way; the frame around it is exact.
        var raw = alice.Received[2];
        Assert.StartsWith("{\"type\":\"chat-message\",\"payload\":{\"username\":\"alice\",\"message\":\"", raw, StringComparison.Ordinal);
        Assert.EndsWith("\"}}", raw, StringComparison.Ordinal);
        Assert.Equal(["type", "payload"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["username", "message"], message.Payload().EnumerateObject().Select(p => p.Name));
        Assert.Equal("\"quoted\" \\ </script> \u2603", message.Field("message"));
    }
}
