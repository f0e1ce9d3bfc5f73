namespace ActorChat.Host.Tests;

/// <summary>
/// Bad input for every <c>actorchat.v1</c> packet type gets the documented <c>error</c> code with the
/// request's <c>ref</c>, and harms no one: the others keep chatting with no gap in the offsets, and
/// the offender's connection stays usable.
/// </summary>
public sealed class V1BadInputTests
{
    private const string Room = "main";

    /// <summary>A frame to send (<c>{ref}</c> stands for a fresh ref) and the error code it must get.</summary>
    private sealed record Case(string Frame, string Code);

    private static readonly string Long33 = new('n', 33);
    private static readonly string Room33 = new('r', 33);
    private static readonly string Cid65 = new('c', 65);
    private static readonly string Text4001 = new('x', 4001);

    /// <summary>Sent before hello: a valid request of each type, which needs a session.</summary>
    private static readonly Dictionary<string, Case[]> BeforeHello = new()
    {
        ["hello"] =
        [
            new("""{"type":"hello","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":5}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":5}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":null}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":["olga"]}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"olga","session":5}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"olga","session":{}}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":""}}""", "invalid-name"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"   "}}""", "invalid-name"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"N"}}""".Replace("N", Long33, StringComparison.Ordinal), "invalid-name"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"ol\u0001ga"}}""", "invalid-name"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"\u202eolga"}}""", "invalid-name"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"BOB"}}""", "name-taken"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":" bob ","session":"no-such-session"}}""", "name-taken"),
        ],
        ["join"] = [new("""{"type":"join","ref":"{ref}","payload":{"room":"main"}}""", "no-session")],
        ["leave"] = [new("""{"type":"leave","ref":"{ref}","payload":{"room":"main"}}""", "no-session")],
        ["rooms"] =
        [
            new("""{"type":"rooms","ref":"{ref}","payload":{}}""", "no-session"),
            new("""{"type":"rooms","ref":"{ref}"}""", "no-session"),
        ],
        ["send"] = [new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":"hi","cid":"c1"}}""", "no-session")],
        ["history"] = [new("""{"type":"history","ref":"{ref}","payload":{"room":"main"}}""", "no-session")],
        ["rename"] = [new("""{"type":"rename","ref":"{ref}","payload":{"name":"olga"}}""", "no-session")],
        ["bye"] = [new("""{"type":"bye","ref":"{ref}","payload":{}}""", "no-session")],
        ["envelope"] = [],
    };

    /// <summary>Sent after hello by a member of <see cref="Room"/>.</summary>
    private static readonly Dictionary<string, Case[]> AfterHello = new()
    {
        ["hello"] =
        [
            // One session per connection: a second hello, even a valid one, is refused.
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"olga2"}}""", "invalid-packet"),
            new("""{"type":"hello","ref":"{ref}","payload":{"name":"olga"}}""", "invalid-packet"),
        ],
        ["join"] =
        [
            new("""{"type":"join","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":5}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":null}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"Main"}}""", "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":""}}""", "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"-main"}}""", "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"main room"}}""", "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"caf\u00e9"}}""", "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"R"}}""".Replace("R", Room33, StringComparison.Ordinal), "invalid-room"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","limit":0}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","limit":101}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","limit":-1}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","limit":1.5}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","limit":"5"}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":"x"}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":5}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":{"epoch":1,"offset":0}}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":{"epoch":"e"}}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":{"offset":0}}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":{"epoch":"e","offset":-1}}}""", "invalid-packet"),
            new("""{"type":"join","ref":"{ref}","payload":{"room":"other","since":{"epoch":"e","offset":"1"}}}""", "invalid-packet"),
        ],
        ["leave"] =
        [
            new("""{"type":"leave","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"leave","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"leave","ref":"{ref}","payload":{"room":5}}""", "invalid-packet"),
            new("""{"type":"leave","ref":"{ref}","payload":{"room":"MAIN"}}""", "invalid-room"),
            new("""{"type":"leave","ref":"{ref}","payload":{"room":""}}""", "invalid-room"),
        ],
        ["rooms"] =
        [
            new("""{"type":"rooms","ref":"{ref}","payload":5}""", "invalid-packet"),
            new("""{"type":"rooms","ref":"{ref}","payload":"all"}""", "invalid-packet"),
        ],
        ["send"] =
        [
            new("""{"type":"send","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main"}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"text":"hi"}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":5}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":null}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":5,"text":"hi"}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":"hi","cid":""}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":"hi","cid":"C"}}""".Replace("\"C\"", $"\"{Cid65}\"", StringComparison.Ordinal), "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":"hi","cid":5}}""", "invalid-packet"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"Main","text":"hi"}}""", "invalid-room"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main room","text":"hi"}}""", "invalid-room"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":"T"}}""".Replace("\"T\"", $"\"{Text4001}\"", StringComparison.Ordinal), "message-too-long"),
            new("""{"type":"send","ref":"{ref}","payload":{"room":"elsewhere","text":"hi"}}""", "not-in-room"),

            // Nothing left after trimming: refused openly, not dropped (the request would go unanswered).
            new("""{"type":"send","ref":"{ref}","payload":{"room":"main","text":" \t\n "}}""", "invalid-packet"),
        ],
        ["history"] =
        [
            new("""{"type":"history","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":5}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"MAIN"}}""", "invalid-room"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","before":-1}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","before":"3"}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","before":1.5}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","limit":0}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","limit":101}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"main","limit":"10"}}""", "invalid-packet"),
            new("""{"type":"history","ref":"{ref}","payload":{"room":"elsewhere"}}""", "not-in-room"),
        ],
        ["rename"] =
        [
            new("""{"type":"rename","ref":"{ref}"}""", "invalid-packet"),
            new("""{"type":"rename","ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":5}}""", "invalid-packet"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":null}}""", "invalid-packet"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":""}}""", "invalid-name"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":"N"}}""".Replace("N", Long33, StringComparison.Ordinal), "invalid-name"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":"ol\u200bga"}}""", "invalid-name"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":"BOB"}}""", "name-taken"),
            new("""{"type":"rename","ref":"{ref}","payload":{"name":" carol "}}""", "name-taken"),
        ],
        ["bye"] =
        [
            new("""{"type":"bye","ref":"{ref}","payload":5}""", "invalid-packet"),
            new("""{"type":"bye","ref":"{ref}","payload":[]}""", "invalid-packet"),
        ],
        ["envelope"] =
        [
            new("""{"type":"shout","ref":"{ref}","payload":{}}""", "unknown-type"),
            new("""{"ref":"{ref}","payload":{}}""", "invalid-packet"),
            new("""{"ref":"{ref}","type":5,"payload":{}}""", "invalid-packet"),
            new("""{"ref":"{ref}","type":"send","type":"send","payload":{"room":"main","text":"x"}}""", "invalid-packet"),
            new("""{"ref":"{ref}","type":"send","payload":{"room":"main","text":"x","text":"y"}}""", "invalid-packet"),
            new("""{"ref":"{ref}","type":"send","payload":{"room":"main","text":"x"}""", "invalid-json"),
            new("""{"ref":"{ref}","type":"rooms","payload":{}} {}""", "invalid-json"),
        ],
    };

    public static TheoryData<string> PacketTypes => new() { "hello", "join", "leave", "rooms", "send", "history", "rename", "bye", "envelope" };

    [Theory]
    [MemberData(nameof(PacketTypes))]
    public async Task Bad_input_gets_the_documented_error_with_its_ref_and_harms_no_one(string type)
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
        await bob.JoinAsync(Room);
        await using var carol = await V1Client.HelloAsync(server.WebSocket, "carol");
        await carol.JoinAsync(Room);
        await using var olga = await V1Client.ConnectAsync(server.WebSocket, "olga");
        var offset = 0L;
        var inRoom = false;

        // The others keep chatting, with the next offset (nothing of the offender's was posted).
        async Task StillChattingAsync(string after)
        {
            var text = $"ping {offset + 1}";
            var acked = await bob.SendAsync(Room, text);
            Assert.True(acked == offset + 1, $"After {after}: bob's message got offset {acked}, expected {offset + 1}.");
            offset = acked;
            await carol.WaitForMessageAsync(Room, m => m.Str("text") == text, $"{text} after {after}");
            if (inRoom)
            {
                await olga.WaitForMessageAsync(Room, m => m.Str("text") == text, $"{text} after {after}");
            }
        }

        async Task RefusedAsync(Case bad)
        {
            var requestRef = olga.NextRef();
            var frame = bad.Frame.Replace("{ref}", requestRef, StringComparison.Ordinal);
            await olga.SendTextAsync(frame);
            var reply = await olga.NextAsync(f => f.Ref() is not null || f.Type() == "error", $"the answer to {Shorten(frame)}");
            Assert.True(reply.Ref() == requestRef, $"{Shorten(frame)}: the answer must carry ref {requestRef}: {Shorten(reply.GetRawText())}");
            olga.AssertError(reply, bad.Code, Shorten(frame));
            await StillChattingAsync(Shorten(frame));
        }

        foreach (var bad in BeforeHello[type])
        {
            await RefusedAsync(bad);
        }

        await olga.HelloAsync("olga");
        await olga.JoinAsync(Room);
        inRoom = true;
        foreach (var bad in AfterHello[type])
        {
            await RefusedAsync(bad);
        }

        // The offender is still olga, still in the room, and may chat; no one else saw an error.
        Assert.False(olga.Ended, "The offender's connection ended.");
        Assert.Equal(offset + 1, await olga.SendAsync(Room, "still here"));
        await bob.WaitForMessageAsync(Room, m => m.Str("text") == "still here" && m.Str("from") == "olga", "olga's message");
        await carol.WaitForMessageAsync(Room, m => m.Str("text") == "still here" && m.Str("from") == "olga", "olga's message");
        await bob.WaitForMembersAsync(Room, "bob", "carol", "olga");
        Assert.DoesNotContain(bob.Received, f => f.Type() == "error");
        Assert.DoesNotContain(carol.Received, f => f.Type() == "error");
    }

    [Fact]
    public async Task A_bad_ref_is_refused_as_invalid_packet_with_no_ref_and_harms_no_one()
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
        await bob.JoinAsync(Room);
        await using var olga = await V1Client.HelloAsync(server.WebSocket, "olga");
        await olga.JoinAsync(Room);
        string[] frames =
        [
            """{"type":"rooms","ref":"","payload":{}}""",
            """{"type":"rooms","ref":"R","payload":{}}""".Replace("R", new string('r', 65), StringComparison.Ordinal),
            """{"type":"rooms","ref":5,"payload":{}}""",
            """{"type":"rooms","ref":"a","ref":"b","payload":{}}""",
            """{"type":"send","ref":{},"payload":{"room":"main","text":"not posted"}}""",
        ];

        var offset = 0L;
        foreach (var frame in frames)
        {
            await olga.SendTextAsync(frame);
            var reply = await olga.NextAsync(f => f.Type() == "error" || f.Ref() is not null, $"the answer to {frame}");
            Assert.True(reply.Ref() is null, $"{frame}: a bad ref cannot be echoed: {reply.GetRawText()}");
            olga.AssertError(reply, "invalid-packet", Shorten(frame));
            Assert.Equal(++offset, await bob.SendAsync(Room, $"ping {offset}"));
            await olga.WaitForMessageAsync(Room, m => m.Str("text") == $"ping {offset}", $"ping {offset}");
        }

        Assert.Equal(offset + 1, await olga.SendAsync(Room, "still here"));
        Assert.DoesNotContain(bob.Received, f => f.Type() == "error");
    }

    [Fact]
    public async Task Requests_over_the_rate_limit_are_answered_rate_limited_with_their_ref_and_are_not_posted()
    {
        const int Sends = 12;

        // A burst of 10 that never refills: some of the sends below are over it.
        await using var server = await TestServer.StartAsync("--ActorChat:Limits:PacketsPerSecond=0", "--ActorChat:Limits:PacketBurst=10");
        await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
        await bob.JoinAsync(Room);
        await using var olga = await V1Client.HelloAsync(server.WebSocket, "olga");
        await olga.JoinAsync(Room);

        var refs = new List<string>();
        for (var i = 0; i < Sends; i++)
        {
            refs.Add(await olga.PostAsync("send", V1Client.Payload(("room", Room), ("text", $"m{i}"), ("cid", $"c{i}"))));
        }

        // One answer per request, with its ref: acks for a first run of them, rate-limited for the rest.
        var answers = new List<string>();
        foreach (var requestRef in refs)
        {
            var reply = await olga.ReplyAsync(requestRef);
            if (reply.Type() == "error")
            {
                olga.AssertError(reply, "rate-limited", $"send {requestRef}");
            }
            else
            {
                Assert.True(reply.Type() == "ack", $"send {requestRef}: expected ack or rate-limited, got {reply.GetRawText()}");
            }

            answers.Add(reply.Type());
        }

        var acked = answers.TakeWhile(a => a == "ack").Count();
        Assert.True(acked > 0 && acked < Sends, $"Answers in order: {string.Join(", ", answers)}");
        Assert.All(answers.Skip(acked), a => Assert.Equal("error", a));

        // Only the acked ones were posted: bob's next message follows them with no gap.
        Assert.Equal(acked + 1, await bob.SendAsync(Room, "after"));
        var seen = await bob.WaitForMessagesAsync(Room, acked + 1);
        Assert.Equal([.. Enumerable.Range(0, acked).Select(i => $"m{i}"), "after"], seen.Select(m => m.Str("text")));
        Assert.False(olga.Ended, "A few requests over the limit do not close the connection.");
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : $"{text[..150]}… ({text.Length} chars)";
}
