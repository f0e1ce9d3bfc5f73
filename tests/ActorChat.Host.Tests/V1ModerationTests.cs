namespace ActorChat.Host.Tests;

/// <summary>
/// Roles and moderation (PROTOCOL-V1.1 Part B) over real sockets for anonymous members: the
/// standing in joined, and every moderation request refused. Signed-in users' acts are in
/// V1SignedInModerationTests; the rules themselves in RoomActorGovernanceTests and ModerationConnectionTests.
/// </summary>
public sealed class V1ModerationTests
{
    [Fact]
    public async Task An_anonymous_member_sees_its_standing_and_every_moderation_request_is_forbidden()
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var alice = await V1Client.ConnectAsync(server.WebSocket, "alice");
        await alice.HelloAsync("alice");
        await using var bob = await V1Client.ConnectAsync(server.WebSocket, "bob");
        await bob.HelloAsync("bob");

        var joined = (await alice.JoinAsync("general")).Payload();
        Assert.Equal("member", joined.GetProperty("role").GetString());
        Assert.Equal(
            """{"visibility":"public","anonymous":"allow","posting":"everyone","slowMode":0,"topic":""}""",
            joined.GetProperty("settings").GetRawText());
        Assert.False(joined.TryGetProperty("mutedUntil", out _));
        await bob.JoinAsync("general");

        (string Type, Dictionary<string, object?> Payload)[] requests =
        [
            ("configure", V1Client.Payload(("room", "general"), ("slowMode", 10))),
            ("configure", V1Client.Payload(("room", "general"), ("visibility", "private"))),
            ("grant", V1Client.Payload(("room", "general"), ("user", "u-1"), ("role", "moderator"))),
            ("bans", V1Client.Payload(("room", "general"))),
            ("kick", V1Client.Payload(("room", "general"), ("target", new Dictionary<string, object?> { ["name"] = "bob" }))),
            ("ban", V1Client.Payload(("room", "general"), ("target", new Dictionary<string, object?> { ["name"] = "bob" }), ("duration", 60), ("reason", "spam"))),
            ("unban", V1Client.Payload(("room", "general"), ("ban", 1))),
            ("mute", V1Client.Payload(("room", "general"), ("target", new Dictionary<string, object?> { ["user"] = "u-1" }))),
            ("unmute", V1Client.Payload(("room", "general"), ("target", new Dictionary<string, object?> { ["name"] = "bob" }))),
            ("audit", V1Client.Payload(("room", "general"))),
        ];
        foreach (var (type, payload) in requests)
        {
            var requestRef = await alice.PostAsync(type, payload);
            var reply = await alice.ReplyAsync(requestRef);
            Assert.True(reply.Type() == "error", $"{type}: expected an error, got {reply.GetRawText()}");
            Assert.Equal("forbidden", reply.Payload().Str("code"));
        }

        // Nothing happened to bob: still in, still posting.
        Assert.Equal(1, await bob.SendAsync("general", "still here"));

        // A malformed target is the packet's fault, with its ref.
        var bad = await alice.PostAsync("kick", V1Client.Payload(("room", "general"), ("target", "bob")));
        Assert.Equal("invalid-packet", (await alice.ReplyAsync(bad)).Payload().Str("code"));
    }
}
