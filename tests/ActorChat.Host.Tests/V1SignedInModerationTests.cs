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

    [Fact]
    public async Task The_server_api_reads_the_audit_with_admin_rights_and_pages_it()
    {
        await using var server = await ApiServer.StartWithApiAsync(
            "--ActorChat:Auth:Mode=optional",
            $"--ActorChat:Auth:Audience={Audience}",
            "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
            $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}");
        using var api = server.Api();
        await using var alice = await SignInAsync(server.WebSocket, "alice", "Alice");
        await using var bob = await SignInAsync(server.WebSocket, "bob", "Bob");
        await alice.JoinAsync("den");
        await bob.JoinAsync("den");
        foreach (var action in new[] { "mute", "unmute", "kick" })
        {
            var act = await alice.PostAsync(action, V1Client.Payload(("room", "den"), ("target", Target("user", "bob")), ("reason", action + " now")));
            Assert.Equal("moderated", (await alice.ReplyAsync(act)).Type());
        }

        using var all = await api.GetAsync("api/rooms/den/audit");
        Assert.Equal(System.Net.HttpStatusCode.OK, all.StatusCode);
        using var page = System.Text.Json.JsonDocument.Parse(await all.Content.ReadAsStringAsync());
        Assert.Equal("den", page.RootElement.Str("room"));
        var entries = page.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["mute", "unmute", "kick"], entries.Select(e => e.Str("action")).Where(a => a is "mute" or "unmute" or "kick").ToList());
        var kick = entries.Single(e => e.Str("action") == "kick");
        Assert.Equal("kick now", kick.Str("reason"));
        Assert.Equal("bob", kick.GetProperty("target").Str("user"));

        // Paged by seq, newest last: the page before the kick ends with the unmute.
        using var older = await api.GetAsync($"api/rooms/den/audit?before={kick.GetProperty("seq").GetInt64()}&limit=1");
        using var olderPage = System.Text.Json.JsonDocument.Parse(await older.Content.ReadAsStringAsync());
        Assert.Equal("unmute", olderPage.RootElement.GetProperty("entries").EnumerateArray().Single().Str("action"));
        Assert.True(olderPage.RootElement.GetProperty("more").GetBoolean());

        using var missing = await api.GetAsync("api/rooms/nowhere/audit");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        using var bad = await api.GetAsync("api/rooms/den/audit?limit=0");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static Dictionary<string, object?> Target(string kind, string value) => new() { [kind] = value };

    private Task<V1Client> SignInAsync(TestServer server, string sub, string name) => SignInAsync(server.WebSocket, sub, name);

    private async Task<V1Client> SignInAsync(Uri webSocket, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(webSocket, sub);
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);
        await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", token)), "welcome");
        return client;
    }
}
