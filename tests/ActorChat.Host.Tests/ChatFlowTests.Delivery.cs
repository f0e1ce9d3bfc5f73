namespace ActorChat.Host.Tests;

/// <summary>The room over real sockets: before joining, leaving, from when a connection receives broadcasts, rate limits, and the packets' exact shape.</summary>
public sealed partial class ChatFlowTests
{
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
