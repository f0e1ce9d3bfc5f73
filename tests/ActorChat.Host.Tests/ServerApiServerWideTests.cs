using ActorChat.Protocol;

namespace ActorChat.Host.Tests;

/// <summary>
/// Server-wide bans and disconnects through the server API (PROTOCOL-V1.1 Part D), over a real
/// management listener, with clients on real sockets: a ban closes the user's connections with
/// 4004 and refuses its next hello; lifted, it may come back; a disconnect closes with 4005.
/// </summary>
public sealed class ServerApiServerWideTests
{
    private const string Audience = "actorchat-tests";

    private readonly string _secret = TestTokens.NewSecret();

    [Fact]
    public async Task A_server_wide_ban_closes_the_user_with_4004_refuses_its_hello_and_is_lifted()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        await using var bob = await SignInAsync(server, "bob", "Bob");
        await using var alice = await SignInAsync(server, "alice", "Alice");
        await bob.JoinAsync("lobby");

        using var banned = await api.PostAsync("api/bans", ApiServer.Json("""{"user":"bob","duration":3600,"reason":"abuse"}"""));
        var ban = await ApiServer.ReadJsonAsync(banned, 201, "application/json");
        Assert.Equal(("bob", "abuse", "api"), (ban.Str("user"), ban.Str("reason"), ban.Str("by")));
        var id = ban.GetProperty("id").GetInt64();
        Assert.Equal($"/api/bans/{id}", banned.Headers.Location?.OriginalString);

        // The banned user's connection closes at once; another user's does not.
        await bob.ExpectCloseAsync(CloseCodes.Removed);
        Assert.Equal("rooms", (await alice.RequestAsync("rooms")).Type());

        // A new connection with a new token is refused with the ban's end and reason, then closed.
        await using (var again = await V1Client.ConnectAsync(server.WebSocket, "bob-again"))
        {
            var refused = await again.RequestAsync("hello", V1Client.Payload(("name", "Bob"), ("token", Token("bob", "Bob"))));
            Assert.Equal((ErrorCodes.Banned, "abuse"), (refused.Payload().Str("code"), refused.Payload().Str("reason")));
            Assert.False(string.IsNullOrEmpty(refused.Payload().Str("until")));
            await again.ExpectCloseAsync(CloseCodes.Removed);
        }

        using (var list = await api.GetAsync("api/bans"))
        {
            var bans = (await ApiServer.ReadJsonAsync(list, 200)).EnumerateArray().ToList();
            Assert.Equal(id, Assert.Single(bans).GetProperty("id").GetInt64());
        }

        using (var lifted = await api.DeleteAsync($"api/bans/{id}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, lifted.StatusCode);
        }

        using (var gone = await api.DeleteAsync($"api/bans/{id}"))
        {
            await ApiServer.ReadProblemAsync(gone, 404);
        }

        await using var back = await SignInAsync(server, "bob", "Bob");
        await back.JoinAsync("lobby");
    }

    [Fact]
    public async Task An_address_ban_closes_anonymous_and_seed_protocol_connections_from_it()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        await using var carol = await V1Client.ConnectAsync(server.WebSocket, "carol");
        await carol.HelloAsync("Carol");

        using var banned = await api.PostAsync("api/bans", ApiServer.Json("""{"address":"127.0.0.1"}"""));
        Assert.Null((await ApiServer.ReadJsonAsync(banned, 201)).Str("until"));
        await carol.ExpectCloseAsync(CloseCodes.Removed);

        await using var dave = await V1Client.ConnectAsync(server.WebSocket, "dave");
        var refused = await dave.RequestAsync("hello", V1Client.Payload(("name", "Dave")));
        Assert.Equal(ErrorCodes.Banned, refused.Payload().Str("code"));
    }

    [Fact]
    public async Task A_disconnect_closes_the_users_connections_with_4005_and_they_may_come_back()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        await using var phone = await SignInAsync(server, "erin", "Erin");
        await using var laptop = await SignInAsync(server, "erin", "Erin2");
        await using var frank = await SignInAsync(server, "frank", "Frank");

        using var done = await api.PostAsync("api/disconnect", ApiServer.Json("""{"user":"erin","reason":"password changed"}"""));
        Assert.Equal("erin", (await ApiServer.ReadJsonAsync(done, 200)).Str("user"));
        await phone.ExpectCloseAsync(CloseCodes.Disconnected);
        await laptop.ExpectCloseAsync(CloseCodes.Disconnected);
        Assert.Equal("rooms", (await frank.RequestAsync("rooms")).Type());

        await using var back = await SignInAsync(server, "erin", "Erin");
        Assert.Equal("rooms", (await back.RequestAsync("rooms")).Type());
    }

    [Fact]
    public async Task The_server_wide_audit_lists_bans_lifts_and_disconnects_newest_last_by_page()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        using (var empty = await api.GetAsync("api/audit"))
        {
            var page = await ApiServer.ReadJsonAsync(empty, 200);
            Assert.Empty(page.GetProperty("entries").EnumerateArray());
            Assert.False(page.GetProperty("more").GetBoolean());
        }

        using var banned = await api.PostAsync("api/bans", ApiServer.Json("""{"user":"bob","duration":60,"reason":"abuse"}"""));
        var id = (await ApiServer.ReadJsonAsync(banned, 201)).GetProperty("id").GetInt64();
        (await api.DeleteAsync($"api/bans/{id}")).Dispose();
        using (var disconnected = await api.PostAsync("api/disconnect", ApiServer.Json("""{"user":"carol"}""")))
        {
            await ApiServer.ReadJsonAsync(disconnected, 200);
        }

        using var all = await api.GetAsync("api/audit");
        var entries = (await ApiServer.ReadJsonAsync(all, 200)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["ban", "unban", "disconnect"], entries.Select(e => e.Str("action")));
        Assert.Equal(("bob", "abuse", id, "api"), (entries[0].Str("user"), entries[0].Str("reason"), entries[0].GetProperty("banId").GetInt64(), entries[0].Str("by")));
        Assert.False(string.IsNullOrEmpty(entries[0].Str("until")));
        Assert.Equal(id, entries[1].GetProperty("banId").GetInt64());
        Assert.Equal("carol", entries[2].Str("user"));

        // Pages: the newest two, then what is before them.
        using var newest = await api.GetAsync("api/audit?limit=2");
        var first = await ApiServer.ReadJsonAsync(newest, 200);
        Assert.Equal(["unban", "disconnect"], first.GetProperty("entries").EnumerateArray().Select(e => e.Str("action")));
        Assert.True(first.GetProperty("more").GetBoolean());
        var before = first.GetProperty("entries")[0].GetProperty("seq").GetInt64();
        using var older = await api.GetAsync($"api/audit?limit=2&before={before}");
        var second = await ApiServer.ReadJsonAsync(older, 200);
        Assert.Equal(["ban"], second.GetProperty("entries").EnumerateArray().Select(e => e.Str("action")));
        Assert.False(second.GetProperty("more").GetBoolean());

        foreach (var bad in new[] { "api/audit?limit=0", "api/audit?limit=101", "api/audit?before=-1" })
        {
            using var response = await api.GetAsync(bad);
            await ApiServer.ReadProblemAsync(response, 400);
        }
    }

    [Fact]
    public async Task Bad_server_wide_requests_are_problems()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        foreach (var (path, body, detail) in new[]
        {
            ("api/bans", """{"user":"bob","address":"127.0.0.1"}""", "exactly one"),
            ("api/bans", "{}", "exactly one"),
            ("api/bans", """{"address":"not-an-ip"}""", "not an IPv4"),
            ("api/bans", """{"user":"bob","duration":0}""", "duration"),
            ("api/bans", "[1]", "not a valid"),
            ("api/disconnect", """{"user":"bob","sessionId":"s"}""", "exactly one"),
        })
        {
            using var response = await api.PostAsync(path, ApiServer.Json(body));
            Assert.Contains(detail, (await ApiServer.ReadProblemAsync(response, 400)).Str("detail"), StringComparison.Ordinal);
        }

        using var missing = await api.DeleteAsync("api/bans/99");
        await ApiServer.ReadProblemAsync(missing, 404);
    }

    private Task<ApiServer> StartAsync() => ApiServer.StartWithApiAsync(
        "--ActorChat:Auth:Mode=optional",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}");

    private string Token(string sub, string name) =>
        TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);

    private async Task<V1Client> SignInAsync(ApiServer server, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(server.WebSocket, sub);
        await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", Token(sub, name))), "welcome");
        return client;
    }
}
