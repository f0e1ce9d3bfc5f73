using System.Text.Json;
using ActorChat.Protocol;

namespace ActorChat.Host.Tests;

/// <summary>
/// The server API's moderation (PROTOCOL-V1.1 Part D): kick, ban, unban, mute, unmute, configure
/// and grant made in the room with admin rights, over a real management listener, with members on
/// real sockets seeing the effects by <c>"api"</c>, and the acts in the room's audit.
/// </summary>
public sealed class ServerApiModerationTests
{
    private const string Audience = "actorchat-tests";

    private readonly string _secret = TestTokens.NewSecret();

    [Fact]
    public async Task The_api_mutes_kicks_bans_unbans_configures_and_grants_and_the_members_see_it_by_api()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        await using var alice = await SignInAsync(server, "alice", "Alice");
        await using var bob = await SignInAsync(server, "bob", "Bob");
        await using var carol = await V1Client.ConnectAsync(server.WebSocket, "carol");
        await carol.HelloAsync("Carol");
        Assert.Equal("owner", (await alice.JoinAsync("den")).Payload().Str("role"));
        await bob.JoinAsync("den");
        await carol.JoinAsync("den");

        // Mute: the reply names the resolved target; the member is told by whom, and its send is refused.
        var muted = await ActAsync(api, "den", "mute", """{"user":"bob","duration":600,"reason":"calm down"}""");
        Assert.Equal(("den", "mute", "bob"), (muted.Str("room"), muted.Str("action"), muted.GetProperty("target").Str("user")));
        var notice = await bob.NextEventAsync("muted");
        Assert.Equal(("api", "calm down"), (notice.Payload().Str("by"), notice.Payload().Str("reason")));
        await bob.ExpectErrorAsync("send", V1Client.Payload(("room", "den"), ("text", "still here?")), ErrorCodes.Muted);

        await ActAsync(api, "den", "unmute", """{"user":"bob"}""");
        await bob.SendAsync("den", "thank you");

        // Kick by name: an anonymous member, resolved now, out at once and told why.
        var kicked = await ActAsync(api, "den", "kick", """{"name":"Carol","reason":"spam"}""");
        Assert.Equal("Carol", kicked.GetProperty("target").Str("name"));
        var removed = (await carol.NextEventAsync("removed")).Payload();
        Assert.Equal(("kick", "api", "spam"), (removed.Str("action"), removed.Str("by"), removed.Str("reason")));

        // Ban: out, and its join refused until the API lifts it.
        await ActAsync(api, "den", "ban", """{"user":"bob","reason":"rules"}""");
        Assert.Equal("ban", (await bob.NextEventAsync("removed")).Payload().Str("action"));
        await bob.ExpectErrorAsync("join", V1Client.JoinPayload("den"), ErrorCodes.Banned);
        await ActAsync(api, "den", "unban", """{"user":"bob"}""");
        await bob.JoinAsync("den");

        // Configure: every member gets the settings, and the room's info shows them.
        var configured = await ActAsync(api, "den", "configure", """{"slowMode":5,"topic":"news only"}""");
        Assert.Equal(5, configured.GetProperty("settings").GetProperty("slowMode").GetInt32());
        var room = await alice.NextEventAsync("room", r => r.Payload().GetProperty("settings").Str("topic") == "news only");
        Assert.Equal(5, room.Payload().GetProperty("settings").GetProperty("slowMode").GetInt32());
        using (var info = await api.GetAsync("api/rooms/den"))
        {
            var settings = (await ApiServer.ReadJsonAsync(info, 200)).GetProperty("settings");
            Assert.Equal(("news only", 5, "public"), (settings.Str("topic"), settings.GetProperty("slowMode").GetInt32(), settings.Str("visibility")));
        }

        // Grant: bob becomes a moderator, and may moderate.
        var granted = await ActAsync(api, "den", "grant", """{"user":"bob","role":"moderator"}""");
        Assert.Equal(("bob", "moderator"), (granted.Str("user"), granted.Str("role")));
        await bob.ExpectReplyAsync("bans", V1Client.Payload(("room", "den")), "bans");

        // Every act is in the audit, by "api".
        using var audit = await api.GetAsync("api/rooms/den/audit");
        var entries = (await ApiServer.ReadJsonAsync(audit, 200)).GetProperty("entries").EnumerateArray().Where(e => e.Str("by") == "api").Select(e => e.Str("action")).ToList();
        Assert.Equal(["mute", "unmute", "kick", "ban", "unban", "configure", "grant"], entries);
    }

    [Fact]
    public async Task The_api_is_refused_what_nobody_may_do_and_bad_bodies_are_problems()
    {
        await using var server = await StartAsync();
        using var api = server.Api();
        await using var alice = await SignInAsync(server, "alice", "Alice");
        await using var root = await SignInAsync(server, "root", "Root");
        await alice.JoinAsync("den");
        await root.JoinAsync("den");

        // Nobody acts on a server admin, the API neither: the room's state is in the way (409).
        using (var onAdmin = await api.PostAsync("api/rooms/den/kick", ApiServer.Json("""{"user":"root"}""")))
        {
            Assert.Contains("admin", (await ApiServer.ReadProblemAsync(onAdmin, 409)).Str("detail"), StringComparison.OrdinalIgnoreCase);
        }

        // A room that does not exist is not created by an act; nobody there is 404 too.
        await ProblemAsync(api, "nowhere", "kick", """{"user":"bob"}""", 404);
        await ProblemAsync(api, "den", "kick", """{"name":"Nobody"}""", 404);
        await ProblemAsync(api, "den", "unmute", """{"user":"alice"}""", 404);

        // Bad bodies, each a 400 naming what is wrong; nothing reaches the room.
        await ProblemAsync(api, "den", "kick", """{"user":"alice","name":"Alice"}""", 400, "exactly one");
        await ProblemAsync(api, "den", "ban", """{"user":"alice","duration":0}""", 400, "duration");
        await ProblemAsync(api, "den", "kick", """{"user":"alice","duration":60}""", 400, "duration");
        await ProblemAsync(api, "den", "mute", """{"user":"alice","ban":3}""", 400, "ban");
        await ProblemAsync(api, "den", "mute", $$"""{"user":"alice","reason":"{{new string('x', 201)}}"}""", 400, "reason");
        await ProblemAsync(api, "den", "kick", "not json", 400, "not a valid");
        await ProblemAsync(api, "den", "configure", "{}", 400, "at least one");
        await ProblemAsync(api, "den", "configure", """{"posting":"nobody"}""", 400, "posting");
        await ProblemAsync(api, "den", "configure", """{"slowMode":21601}""", 400, "slowMode");
        await ProblemAsync(api, "den", "grant", """{"user":"alice","role":"king"}""", 400, "role");
        await ProblemAsync(api, "den", "grant", """{"role":"member"}""", 400, "user");
        await ProblemAsync(api, "Bad Room", "kick", """{"user":"alice"}""", 400);

        // The lobby has no owner, whoever asks.
        await ProblemAsync(api, "lobby", "grant", """{"user":"alice","role":"owner"}""", 409);

        using var audit = await api.GetAsync("api/rooms/den/audit");
        Assert.DoesNotContain((await ApiServer.ReadJsonAsync(audit, 200)).GetProperty("entries").EnumerateArray(), e => e.Str("by") == "api");
    }

    private static async Task<JsonElement> ActAsync(HttpClient api, string room, string act, string body)
    {
        using var response = await api.PostAsync($"api/rooms/{room}/{act}", ApiServer.Json(body));
        return (await ApiServer.ReadJsonAsync(response, 200)).Clone();
    }

    private static async Task ProblemAsync(HttpClient api, string room, string act, string body, int status, string? detail = null)
    {
        using var response = await api.PostAsync($"api/rooms/{Uri.EscapeDataString(room)}/{act}", ApiServer.Json(body));
        var problem = await ApiServer.ReadProblemAsync(response, status);
        if (detail is not null)
        {
            Assert.Contains(detail, problem.Str("detail"), StringComparison.Ordinal);
        }
    }

    private Task<ApiServer> StartAsync() => ApiServer.StartWithApiAsync(
        "--ActorChat:Auth:Mode=optional",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
        "--ActorChat:Auth:Admins:0=root");

    private async Task<V1Client> SignInAsync(ApiServer server, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(server.WebSocket, sub);
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);
        await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", token)), "welcome");
        return client;
    }
}
