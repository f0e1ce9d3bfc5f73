using System.Text.Json;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>actorchat.v1</c> over real sockets against a real Kestrel (docs/PROTOCOL.md, "actorchat.v1"):
/// sessions, rooms, messages with offsets, history, presence, rename, leave and bye.
/// </summary>
public sealed class V1FlowTests
{
    [Fact]
    public async Task The_full_v1_flow_hello_join_send_history_rooms_rename_leave_bye()
    {
        // A grace no wait here reaches: bye's leave must come at once, not when a grace ran out.
        await using var server = await TestServer.StartAsync(V1Settings.With(TestServer.LongTimerSetting("Rooms:PresenceGrace")));

        // hello → welcome: a new session, the trimmed name, no rooms.
        await using var alice = await V1Client.ConnectAsync(server.WebSocket, "alice");
        Assert.Equal(V1Client.SubProtocol, alice.SubProtocolSelected);
        var welcome = (await alice.HelloAsync("  alice ")).Payload();
        Assert.Equal("alice", welcome.Str("name"));
        Assert.False(welcome.GetProperty("resumed").GetBoolean());
        Assert.Empty(welcome.GetProperty("rooms").EnumerateArray());
        Assert.True(alice.Session!.Length >= 16, $"A session token carries at least 128 random bits: {alice.Session}");

        // A client offering both protocols gets actorchat.v1.
        await using var bob = await V1Client.ConnectAsync(server.WebSocket, "bob", [ChatClient.SubProtocol, V1Client.SubProtocol]);
        Assert.Equal(V1Client.SubProtocol, bob.SubProtocolSelected);
        await bob.HelloAsync("bob");
        Assert.NotEqual(alice.Session, bob.Session);

        // join → joined: an empty room at offset 0 with its epoch, the joiner among the members.
        var general = (await alice.JoinAsync("general")).Payload();
        Assert.Equal("general", general.Str("room"));
        Assert.False(string.IsNullOrEmpty(general.Str("epoch")), $"joined needs an epoch: {general.GetRawText()}");
        Assert.Equal(0, general.GetProperty("offset").GetInt64());
        Assert.Equal(["alice"], general.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(1, general.GetProperty("memberCount").GetInt32());
        Assert.Empty(general.GetProperty("messages").EnumerateArray());
        Assert.False(general.TryGetProperty("recovered", out _), $"recovered is only for a join with since: {general.GetRawText()}");
        var random = (await alice.JoinAsync("random")).Payload();
        Assert.Equal("random", random.Str("room"));

        // joined.members is the list as of the room's last presence diff plus the joiner (a deviation
        // documented in docs/PROTOCOL.md); the next diffs bring it up to date.
        var bobGeneral = (await bob.JoinAsync("general")).Payload();
        Assert.Contains("bob", bobGeneral.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(general.Str("epoch"), bobGeneral.Str("epoch"));
        await alice.WaitForMembersAsync("general", "alice", "bob");
        await bob.WaitForMembersAsync("general", "alice", "bob");

        // send → ack (with the offset, before the sender's own message), then the message to every member.
        var ackRef = await alice.PostAsync("send", V1Client.Payload(("room", "general"), ("text", "  one  "), ("cid", "a-1")));
        var ack = await alice.ReplyAsync(ackRef);
        Assert.True(ack.Type() == "ack", $"Expected ack, got {ack.GetRawText()}");
        Assert.Equal("general", ack.Payload().Str("room"));
        Assert.Equal(1, ack.Payload().GetProperty("offset").GetInt64());
        var own = (await alice.WaitForMessagesAsync("general", 1))[0];
        Assert.True(
            IndexOf(alice, f => f.Ref() == ackRef) < IndexOf(alice, f => f.Type() == "message" && f.Payload().Str("room") == "general" && f.Payload().Offset() == 1),
            "The sender gets its ack before its own message.");
        V1Frames.AssertMessageShape(own);
        Assert.Equal(("general", 1L, "alice", "one", "a-1"), (own.Str("room"), own.Offset(), own.Str("from"), own.Str("text"), own.Str("cid")));
        var seenByBob = (await bob.WaitForMessagesAsync("general", 1))[0];
        Assert.Equal((1L, "alice", "one", own.Str("at")), (seenByBob.Offset(), seenByBob.Str("from"), seenByBob.Str("text"), seenByBob.Str("at")));

        Assert.Equal(2, await bob.SendAsync("general", "two"));
        Assert.Equal(3, await alice.SendAsync("general", "three"));

        // Offsets count per room.
        Assert.Equal(1, await alice.SendAsync("random", "r1"));

        // Sends from both at once: each gets its own offset, no gap, and both see one order.
        var posts = new List<Task<long>>();
        for (var i = 0; i < 3; i++)
        {
            posts.Add(alice.SendAsync("general", $"a{i}"));
            posts.Add(bob.SendAsync("general", $"b{i}"));
        }

        var offsets = await Task.WhenAll(posts);
        Assert.Equal([4L, 5, 6, 7, 8, 9], offsets.Order());
        var aliceView = await alice.WaitForMessagesAsync("general", 9);
        var bobView = await bob.WaitForMessagesAsync("general", 9);
        V1Frames.AssertContiguous(aliceView.Offsets(), 1, "alice's view of general");
        Assert.Equal(aliceView.Select(Line), bobView.Select(Line));
        foreach (var message in aliceView)
        {
            V1Frames.AssertMessageShape(message);
        }

        // alice never got a message of random in general's place, nor the other way round.
        Assert.Equal(["r1"], alice.Messages("random").Select(m => m.Str("text")));
        Assert.Empty(bob.Messages("random"));

        // history: pages of the newest first, each oldest first, and more while older ones exist.
        var page = (await alice.HistoryAsync("general", limit: 4)).Payload();
        Assert.Equal("general", page.Str("room"));
        Assert.Equal([6L, 7, 8, 9], page.GetProperty("messages").EnumerateArray().Offsets());
        Assert.True(page.GetProperty("more").GetBoolean());
        page = (await alice.HistoryAsync("general", before: 6, limit: 4)).Payload();
        Assert.Equal([2L, 3, 4, 5], page.GetProperty("messages").EnumerateArray().Offsets());
        Assert.True(page.GetProperty("more").GetBoolean());
        page = (await alice.HistoryAsync("general", before: 2, limit: 4)).Payload();
        Assert.Equal([1L], page.GetProperty("messages").EnumerateArray().Offsets());
        Assert.False(page.GetProperty("more").GetBoolean());
        var all = (await bob.HistoryAsync("general")).Payload();
        Assert.False(all.GetProperty("more").GetBoolean());
        Assert.Equal(aliceView.Select(Line), all.GetProperty("messages").EnumerateArray().Select(Line));

        // rooms: every room with its member count.
        var rooms = await bob.RoomsAsync();
        Assert.True(rooms.GetValueOrDefault("general") == 2 && rooms.GetValueOrDefault("random") == 1, $"rooms: {string.Join(", ", rooms)}");

        // rename → renamed, and the room's members see a rename (not a leave and a join).
        await bob.JoinAsync("random");
        await alice.WaitForMembersAsync("random", "alice", "bob");
        var renamed = await alice.RenameAsync(" alicia ");
        Assert.Equal("alicia", renamed.Payload().Str("name"));
        await bob.WaitForMembersAsync("general", "alicia", "bob");
        await bob.WaitForMembersAsync("random", "alicia", "bob");
        Assert.Contains(bob.Presence("general"), p => p.TryGetProperty("renames", out var r) && r.EnumerateArray().Any(x => x.Str("from") == "alice" && x.Str("to") == "alicia"));
        Assert.DoesNotContain(bob.Presence("general"), p => p.GetProperty("leaves").EnumerateArray().Any(n => n.GetString() == "alice"));
        Assert.Equal(10, await alice.SendAsync("general", "as alicia"));
        Assert.Equal("alicia", (await bob.WaitForMessagesAsync("general", 10))[9].Str("from"));

        // leave → left; the others see the leave; the leaver gets nothing more from the room and may not use it.
        var left = await bob.LeaveAsync("general");
        Assert.Equal("general", left.Payload().Str("room"));
        await alice.WaitForMembersAsync("general", "alicia");
        await bob.ExpectErrorAsync("send", V1Client.Payload(("room", "general"), ("text", "still here?")), "not-in-room");
        await bob.ExpectErrorAsync("history", V1Client.Payload(("room", "general")), "not-in-room");
        Assert.Equal(11, await alice.SendAsync("general", "after bob left"));
        Assert.Equal(2, await alice.SendAsync("random", "marker"));
        await bob.WaitForMessageAsync("random", m => m.Str("text") == "marker", "the marker in random");
        Assert.Equal(10, bob.Messages("general").Count);

        // bye: the session ends at once (no grace): the others see the leave, the socket closes, the token is spent.
        var byeRef = await bob.PostAsync("bye", new Dictionary<string, object?>());
        var code = await bob.WaitForEndAsync();
        Assert.True(code == 1000, $"bye ends the connection with 1000, got {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no close frame"}");
        Assert.DoesNotContain(bob.Received, f => f.Ref() == byeRef && f.Type() == "error");
        await alice.WaitForMembersAsync("random", "alicia");
        await using var bobAgain = await V1Client.ConnectAsync(server.WebSocket, "bob again");
        var again = (await bobAgain.HelloAsync("bob", bob.Session)).Payload();
        Assert.False(again.GetProperty("resumed").GetBoolean(), "A session ended with bye cannot be resumed.");
        Assert.Equal("bob", again.Str("name"));
        Assert.Empty(again.GetProperty("rooms").EnumerateArray());
    }

    [Fact]
    public async Task Joining_a_room_again_answers_joined_again_and_a_connection_may_join_only_so_many_rooms()
    {
        await using var server = await TestServer.StartAsync(V1Settings.With("--ActorChat:Limits:MaxRoomsPerConnection=2"));
        await using var bystander = await V1Client.HelloAsync(server.WebSocket, "bystander");
        await bystander.JoinAsync("c");
        await using var olga = await V1Client.HelloAsync(server.WebSocket, "olga");
        await olga.JoinAsync("a");
        await olga.SendAsync("a", "hello a");
        await olga.JoinAsync("b");

        await olga.ExpectErrorAsync("join", V1Client.JoinPayload("c"), "too-many-rooms");

        // Idempotent: the room it is in answers joined again, with the same state, and counts once.
        var again = (await olga.JoinAsync("a")).Payload();
        Assert.Equal(1, again.GetProperty("offset").GetInt64());
        Assert.Equal(1, again.GetProperty("memberCount").GetInt32());
        await olga.ExpectErrorAsync("join", V1Client.JoinPayload("c"), "too-many-rooms");

        // The refusal left no trace: c has one member, and after a leave olga may join it.
        await bystander.SendAsync("c", "only me here");
        Assert.Equal(1, (await bystander.RoomsAsync())["c"]);
        await olga.LeaveAsync("b");
        await olga.LeaveAsync("b"); // idempotent: left again
        await olga.JoinAsync("c");
        await olga.WaitForMembersAsync("c", "bystander", "olga");
        await bystander.WaitForMembersAsync("c", "bystander", "olga");
    }

    [Fact]
    public async Task Joined_memberCount_is_exact_even_for_members_the_next_presence_diff_has_yet_to_announce()
    {
        // A long interval, so both joins fall in one: the second joiner's members list may lack the
        // first (documented), but its memberCount is exact (PROTOCOL-V1.md, docs/PROTOCOL.md).
        await using var server = await TestServer.StartAsync(V1Settings.With(TestServer.LongTimerSetting("Rooms:PresenceInterval")));
        await using var alice = await V1Client.HelloAsync(server.WebSocket, "alice");
        await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
        await using var carol = await V1Client.HelloAsync(server.WebSocket, "carol");

        Assert.Equal(1, (await alice.JoinAsync("room")).Payload().GetProperty("memberCount").GetInt32());
        Assert.Equal(2, (await bob.JoinAsync("room")).Payload().GetProperty("memberCount").GetInt32());
        var third = (await carol.JoinAsync("room")).Payload();
        Assert.True(third.GetProperty("memberCount").GetInt32() == 3, $"memberCount must count every member: {third.GetRawText()}");
        Assert.Equal(3, (await alice.RoomsAsync())["room"]);
    }

    [Fact]
    public async Task Seed_and_v1_clients_in_the_lobby_see_one_conversation_in_the_same_order()
    {
        const int Each = 15;
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var sam = await server.JoinAsync("sam");
        await using var vera = await V1Client.HelloAsync(server.WebSocket, "vera");
        var joined = (await vera.JoinAsync("lobby")).Payload();
        var start = joined.GetProperty("offset").GetInt64();
        await vera.WaitForMembersAsync("lobby", "sam", "vera");
        Assert.Equal("vera", (await sam.ExpectAsync("chat-join")).Username());

        // One namespace of names for both protocols.
        await using var impostor = await server.ConnectAsync();
        await impostor.JoinAsync("VERA");
        await impostor.ExpectErrorAsync("name-taken");

        // Both post at once, without waiting for each other.
        var seed = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await sam.SayAsync("sam", $"s{i}");
            }
        });
        var v1 = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await vera.PostAsync("send", V1Client.Payload(("room", "lobby"), ("text", $"v{i}"), ("cid", $"v-{i}")));
            }
        });
        await Task.WhenAll(seed, v1);

        var veraView = (await vera.WaitForMessagesAsync("lobby", 2 * Each)).Select(m => (m.Str("from"), m.Str("text"))).ToList();
        var samView = new List<(string?, string?)>();
        while (samView.Count < 2 * Each)
        {
            var packet = await sam.ReceiveAsync();
            if (packet.Type() == "chat-message")
            {
                samView.Add((packet.Username(), packet.Field("message")));
            }
        }

        Assert.Equal(veraView, samView);
        var messages = vera.Messages("lobby");
        V1Frames.AssertContiguous(messages.Offsets(), start + 1, "vera's view of the lobby");
        foreach (var i in Enumerable.Range(0, Each))
        {
            Assert.Single(veraView, l => l == ("sam", $"s{i}"));
            Assert.Single(veraView, l => l == ("vera", $"v{i}"));
        }

        // The seed's messages are in the lobby's history with their offsets, like the v1 ones.
        var history = (await vera.HistoryAsync("lobby", limit: 2 * Each)).Payload();
        Assert.Equal(messages.Select(Line), history.GetProperty("messages").EnumerateArray().Select(Line));

        // A v1 client joining later gets the same conversation in joined.
        await using var walt = await V1Client.HelloAsync(server.WebSocket, "walt");
        var late = (await walt.JoinAsync("lobby", limit: 2 * Each)).Payload();
        Assert.Equal(messages.Select(Line), late.GetProperty("messages").EnumerateArray().Select(Line));
        Assert.Equal("walt", (await sam.ExpectAsync("chat-join")).Username());

        // Renames cross over too: a v1 rename is a chat-rename, a seed rename a presence rename.
        await vera.RenameAsync("veronica");
        var rename = await sam.ExpectAsync("chat-rename");
        Assert.Equal(("veronica", "vera"), (rename.Username(), rename.Field("previous")));
        await sam.JoinAsync("samuel");
        Assert.Equal("samuel", (await sam.ExpectAsync("chat-rename")).Username());
        await walt.WaitForMembersAsync("lobby", "samuel", "veronica", "walt");
        Assert.Contains(walt.Presence("lobby"), p => p.TryGetProperty("renames", out var r) && r.EnumerateArray().Any(x => x.Str("from") == "sam" && x.Str("to") == "samuel"));

        // The seed's leave reaches the v1 members as presence.
        await sam.CloseAsync();
        await vera.WaitForMembersAsync("lobby", "veronica", "walt");
        await walt.WaitForMembersAsync("lobby", "veronica", "walt");
    }

    [Fact]
    public async Task Resuming_a_session_whose_socket_is_still_open_closes_that_socket_with_4001_and_gives_the_name_and_rooms_back()
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var ben = await V1Client.HelloAsync(server.WebSocket, "ben");
        await ben.JoinAsync("one");
        await using var ann = await V1Client.HelloAsync(server.WebSocket, "ann");
        var position = (await ann.JoinAsync("one")).Position();
        await ann.JoinAsync("two");
        await ann.SendAsync("one", "before");
        await ben.WaitForMembersAsync("one", "ann", "ben");
        var presenceBefore = ben.Presence("one").Count;

        // A second connection presents ann's token while ann's socket is open.
        await using var ann2 = await V1Client.ConnectAsync(server.WebSocket, "ann (new socket)");
        var welcome = (await ann2.HelloAsync("someone-else", ann.Session)).Payload();

        Assert.True(welcome.GetProperty("resumed").GetBoolean(), $"A valid token resumes: {welcome.GetRawText()}");
        Assert.Equal("ann", welcome.Str("name"));
        Assert.Equal(["one", "two"], welcome.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.NotEqual(ann.Session, ann2.Session);
        Assert.Equal("session taken over", await ann.ExpectCloseAsync(4001));

        // The new socket picks up where the old one was, and speaks as ann.
        await ben.SendAsync("one", "while switching");
        var resumed = await ann2.JoinAsync("one", since: (position.Epoch, position.Offset));
        Assert.True(resumed.Payload().GetProperty("recovered").GetBoolean(), resumed.GetRawText());
        Assert.Equal(["before", "while switching"], resumed.MessageList().Select(m => m.Str("text")));
        await ann2.SendAsync("one", "after");
        var seen = await ben.WaitForMessagesAsync("one", 3);
        Assert.Equal("ann", seen[2].Str("from"));

        // The takeover was no leave and no join for the others: the next presence ben sees is carl's join alone.
        await using var carl = await V1Client.HelloAsync(server.WebSocket, "carl");
        await carl.JoinAsync("one");
        await ben.WaitForMembersAsync("one", "ann", "ben", "carl");
        var after = ben.Presence("one").Skip(presenceBefore).ToList();
        Assert.DoesNotContain(after, p => Mentions(p, "ann"));
    }

    /// <summary>What every view of a message must agree on.</summary>
    internal static (long, string?, string?, string?) Line(JsonElement message) =>
        (message.Offset(), message.Str("from"), message.Str("text"), message.Str("at"));

    /// <summary>True when a presence payload names <paramref name="name"/> anywhere (join, leave, rename).</summary>
    internal static bool Mentions(JsonElement presence, string name) =>
        presence.GetProperty("joins").EnumerateArray().Any(n => n.GetString() == name)
        || presence.GetProperty("leaves").EnumerateArray().Any(n => n.GetString() == name)
        || (presence.TryGetProperty("renames", out var renames) && renames.EnumerateArray().Any(r => r.Str("from") == name || r.Str("to") == name));

    private static int IndexOf(V1Client client, Func<JsonElement, bool> match)
    {
        var frames = client.Received;
        for (var i = 0; i < frames.Count; i++)
        {
            if (match(frames[i]))
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
