using ActorChat.Protocol;

namespace ActorChat.Host.Tests;

/// <summary>
/// Roles and moderation with signed-in users over real sockets (PROTOCOL-V1.1 Parts A and B
/// together): the user whose join creates a room owns it, a kick lets the target back, a ban holds
/// against a new session with a new token, and a member's moderation is refused.
/// </summary>
public sealed class V1SignedInModerationTests
{
    private const string Audience = "actorchat-tests";

    private readonly string _secret = TestTokens.NewSecret();

    [Fact]
    public async Task The_creator_owns_the_room_kicks_a_member_who_rejoins_and_bans_one_who_stays_out_with_a_new_session()
    {
        await using var server = await TestServer.StartAsync(V1Settings.With(
        [
            "--ActorChat:Auth:Mode=optional",
            $"--ActorChat:Auth:Audience={Audience}",
            "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
            $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
        ]));
        await using var alice = await SignInAsync(server, "alice", "Alice");
        await using var bob = await SignInAsync(server, "bob", "Bob");

        Assert.Equal("owner", (await alice.JoinAsync("den")).Payload().Str("role"));
        Assert.Equal("member", (await bob.JoinAsync("den")).Payload().Str("role"));

        // A member may not act on the owner.
        var refused = await bob.PostAsync("kick", V1Client.Payload(("room", "den"), ("target", Target("name", "Alice"))));
        Assert.Equal(ErrorCodes.Forbidden, (await bob.ReplyAsync(refused)).Payload().Str("code"));

        // Kick: the target is out at once and told why, and may come back.
        var kick = await alice.PostAsync("kick", V1Client.Payload(("room", "den"), ("target", Target("name", "Bob")), ("reason", "cool off")));
        var kicked = await alice.ReplyAsync(kick);
        Assert.Equal("moderated", kicked.Type());
        Assert.Equal("kick", kicked.Payload().Str("action"));
        var removed = await bob.NextEventAsync("removed");
        Assert.Equal("kick", removed.Payload().Str("action"));
        Assert.Equal("cool off", removed.Payload().Str("reason"));
        Assert.Equal("member", (await bob.JoinAsync("den")).Payload().Str("role"));

        // Ban by user id: out now, and refused on a new session with a new token.
        var ban = await alice.PostAsync("ban", V1Client.Payload(("room", "den"), ("target", Target("user", "bob")), ("reason", "spam")));
        Assert.Equal("moderated", (await alice.ReplyAsync(ban)).Type());
        Assert.Equal("ban", (await bob.NextEventAsync("removed", r => r.Payload().Str("action") == "ban")).Payload().Str("action"));

        await using var bobAgain = await SignInAsync(server, "bob", "Bob");
        var join = await bobAgain.PostAsync("join", V1Client.JoinPayload("den"));
        var banned = (await bobAgain.ReplyAsync(join)).Payload();
        Assert.Equal(ErrorCodes.Banned, banned.Str("code"));
        Assert.Equal("spam", banned.Str("reason"));

        // The audit has both acts, by the owner, newest last.
        var audit = await alice.ExpectReplyAsync("audit", V1Client.Payload(("room", "den")), "audit");
        var actions = audit.Payload().GetProperty("entries").EnumerateArray().Select(e => e.Str("action")).ToList();
        Assert.Equal(["kick", "ban"], actions.Where(a => a is "kick" or "ban").ToList());
    }

    private static Dictionary<string, object?> Target(string kind, string value) => new() { [kind] = value };

    private async Task<V1Client> SignInAsync(TestServer server, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(server.WebSocket, sub);
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);
        await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", token)), "welcome");
        return client;
    }
}
