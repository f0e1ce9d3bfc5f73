namespace ActorChat.Host.Tests;

/// <summary>
/// Every malformed packet is answered with chat-error (the right code) to its sender alone, both
/// before and after it joined, and the room keeps delivering.
/// </summary>
public sealed class MalformedInputTests
{
    private static readonly Dictionary<string, (string Frame, string[] Codes)> Cases = new()
    {
        ["truncated JSON"] = ("""{"type": "chat-message", "payload": {""", ["invalid-json"]),
        ["plain text"] = ("hello", ["invalid-json"]),
        ["empty frame"] = ("", ["invalid-json"]),
        ["trailing garbage"] = ("""{"type":"chat-join","payload":{"username":"x"}} x""", ["invalid-json"]),
        ["single quotes"] = ("{'type':'chat-join','payload':{'username':'x'}}", ["invalid-json"]),
        ["null"] = ("null", ["invalid-packet"]),
        ["array"] = ("[]", ["invalid-packet"]),
        ["string"] = ("\"str\"", ["invalid-packet"]),
        ["number"] = ("42", ["invalid-packet"]),
        ["true"] = ("true", ["invalid-packet"]),
        ["empty object"] = ("{}", ["invalid-packet"]),
        ["missing payload"] = ("""{"type":"chat-message"}""", ["invalid-packet"]),
        ["payload null"] = ("""{"type":"chat-join","payload":null}""", ["invalid-packet"]),
        ["payload a string"] = ("""{"type":"chat-message","payload":"hi"}""", ["invalid-packet"]),
        ["payload an array"] = ("""{"type":"chat-join","payload":["bob"]}""", ["invalid-packet"]),
        ["type a number"] = ("""{"type":1,"payload":{"username":"bob"}}""", ["invalid-packet"]),
        ["type missing"] = ("""{"payload":{"username":"bob"}}""", ["invalid-packet"]),
        ["join without username"] = ("""{"type":"chat-join","payload":{}}""", ["invalid-packet"]),
        ["username a number"] = ("""{"type":"chat-join","payload":{"username":42}}""", ["invalid-packet"]),
        ["username an object"] = ("""{"type":"chat-message","payload":{"username":{"toString":1},"message":"hi"}}""", ["invalid-packet"]),
        ["message missing"] = ("""{"type":"chat-message","payload":{"username":"bob"}}""", ["invalid-packet"]),
        ["message a number"] = ("""{"type":"chat-message","payload":{"username":"bob","message":7}}""", ["invalid-packet"]),
        ["message null"] = ("""{"type":"chat-message","payload":{"username":"bob","message":null}}""", ["invalid-packet"]),
        ["duplicate type"] = ("""{"type":"chat-join","type":"chat-message","payload":{"username":"bob","message":"hi"}}""", ["invalid-packet"]),
        ["__proto__ payload"] = ("""{"type":"chat-message","payload":{"__proto__":{"message":"x"},"username":"bob"}}""", ["invalid-packet"]),
        ["type __proto__"] = ("""{"type":"__proto__","payload":{"username":"bob","message":"hi"}}""", ["unknown-type"]),
        ["type constructor"] = ("""{"type":"constructor","payload":{"username":"bob","message":"hi"}}""", ["unknown-type"]),
        ["unknown type"] = ("""{"type":"chat-shout","payload":{"username":"bob","message":"hi"}}""", ["unknown-type"]),
        ["server-only type"] = ("""{"type":"chat-leave","payload":{"username":"bob"}}""", ["unknown-type"]),
        ["type in other case"] = ("""{"type":"CHAT-MESSAGE","payload":{"username":"bob","message":"hi"}}""", ["unknown-type"]),

        // Valid JSON by the grammar, but beyond any sane depth: either answer is fine, as long as it is answered.
        ["10 000 nested arrays"] = (new string('[', 10_000) + new string(']', 10_000), ["invalid-json", "invalid-packet"]),
        ["10 000 nested objects"] = (string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000), ["invalid-json", "invalid-packet"]),
        ["deep username"] = ("""{"type":"chat-join","payload":{"username":""" + new string('[', 1000) + new string(']', 1000) + "}}", ["invalid-json", "invalid-packet"]),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_malformed_packet_is_answered_with_chat_error_and_the_room_keeps_delivering(string name)
    {
        var (frame, codes) = Cases[name];
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.ConnectAsync();

        // Before joining: the error carries username "".
        await bob.SendTextAsync(frame);
        var error = await bob.ExpectAsync("chat-error");
        Assert.Contains(error.Field("code"), codes);
        Assert.Equal("", error.Username());

        await bob.JoinAsync("bob");
        Assert.Equal("bob", (await alice.ExpectAsync("chat-join")).Username());
        await bob.ExpectAsync("chat-join");
        await bob.ExpectAsync("chat-users");

        // After joining: the error carries the bound name.
        await bob.SendTextAsync(frame);
        error = await bob.ExpectAsync("chat-error");
        Assert.Contains(error.Field("code"), codes);
        Assert.Equal("bob", error.Username());

        // Nothing reached the room, and it still delivers both ways.
        await bob.SayAsync("bob", "still here");
        await alice.ExpectMessageAsync("bob", "still here");
        await bob.ExpectMessageAsync("bob", "still here");
        await alice.SayAsync("alice", "me too");
        await bob.ExpectMessageAsync("alice", "me too");
        await alice.ExpectMessageAsync("alice", "me too");
        Assert.Equal(["alice", "bob"], (await server.MembersAsync()).Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_malformed_packet_in_a_row_is_answered_in_order()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Limits:PacketsPerSecond=1000",
            "--ActorChat:Limits:PacketBurst=1000");
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");

        foreach (var (frame, _) in Cases.Values)
        {
            await bob.SendTextAsync(frame);
        }

        await bob.SayAsync("bob", "done");

        foreach (var (name, (_, codes)) in Cases)
        {
            var error = await bob.ExpectAsync("chat-error");
            Assert.True(codes.Contains(error.Field("code")), $"{name}: {error.GetRawText()}");
        }

        await bob.ExpectMessageAsync("bob", "done");
        await alice.ExpectMessageAsync("bob", "done");
    }
}
