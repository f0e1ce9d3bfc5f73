using System.Text.Json;

namespace ActorChat.Host.Tests;

/// <summary>
/// A signed-in user's rooms over real sockets (PROTOCOL-V1.1 Part A, "Membership of users"): the
/// rooms are the user's, listed in <c>welcome.rooms</c> on every device and after a restart; a
/// <c>leave</c> on one connection leaves on all; <c>bye</c> ends one session, not the memberships;
/// a room that removes the user is no longer the user's; a room lists the user once however many
/// connections the user has in it; the server API does not post under a user's name.
/// </summary>
public sealed class V1UserMembershipTests : IDisposable
{
    private const string Audience = "actorchat-tests";

    private readonly string _secret = TestTokens.NewSecret();
    private readonly string _folder = Directory.CreateTempSubdirectory("actorchat-users-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_users_rooms_are_in_the_welcome_of_a_new_session_on_another_device_and_after_a_restart()
    {
        var file = Path.Combine(_folder, "actorchat.db");
        string[] durable = ["--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={file}"];
        await using (var server = await StartAsync(durable))
        {
            await using var phone = await SignInAsync(server, "alice", "Alice");
            Assert.Empty(Rooms(phone.Welcome));
            await phone.Client.JoinAsync("garden");
            await phone.Client.JoinAsync("kitchen");

            // Another device: a new session (no session token), the user's rooms all the same.
            await using var laptop = await SignInAsync(server, "alice", "Alice");
            Assert.Equal(["garden", "kitchen"], Rooms(laptop.Welcome));

            // Nobody else's.
            await using var bob = await SignInAsync(server, "bob", "Bob");
            Assert.Empty(Rooms(bob.Welcome));
        }

        await using (var restarted = await StartAsync(durable))
        {
            await using var tablet = await SignInAsync(restarted, "alice", "Alice");
            Assert.Equal(["garden", "kitchen"], Rooms(tablet.Welcome));

            // The client re-joins them: the rooms know the user (and the user is their member again).
            Assert.Equal("owner", (await tablet.Client.JoinAsync("garden")).Payload().Str("role"));
        }
    }

    [Fact]
    public async Task A_leave_on_one_connection_leaves_on_every_connection_of_the_user_and_bye_ends_only_its_session()
    {
        await using var server = await StartAsync();
        await using var bob = await SignInAsync(server, "bob", "Bob");
        await bob.Client.JoinAsync("garden");
        await using var phone = await SignInAsync(server, "alice", "Alice");
        await using var laptop = await SignInAsync(server, "alice", "Alice");
        await phone.Client.JoinAsync("garden");
        await laptop.Client.JoinAsync("garden");
        await bob.Client.WaitForMembersAsync("garden", "Alice", "Bob");

        // bye on the phone ends that session: the laptop is still in, the user still a member.
        await phone.Client.PostAsync("bye", null);
        await phone.Client.WaitForEndAsync();
        await using var tablet = await SignInAsync(server, "alice", "Alice");
        Assert.Equal(["garden"], Rooms(tablet.Welcome));
        await tablet.Client.JoinAsync("garden");

        // leave on the laptop: the tablet leaves too (left without ref), and the room sees the user go.
        var left = await laptop.Client.LeaveAsync("garden");
        Assert.NotNull(left.Ref());
        var told = await tablet.Client.NextEventAsync("left", l => l.Payload().Str("room") == "garden");
        Assert.Null(told.Ref());
        await bob.Client.WaitForMembersAsync("garden", "Bob");
        var send = await tablet.Client.PostAsync("send", V1Client.Payload(("room", "garden"), ("text", "still here?")));
        Assert.Equal("not-in-room", (await tablet.Client.ReplyAsync(send)).Payload().Str("code"));

        // And no device lists it any more.
        await using var desktop = await SignInAsync(server, "alice", "Alice");
        Assert.Empty(Rooms(desktop.Welcome));
    }

    [Fact]
    public async Task A_room_lists_a_user_once_across_connections_until_the_last_one_goes()
    {
        await using var server = await ApiServer.StartWithApiAsync(AuthSettings);
        await using var bob = await SignInAsync(server.WebSocket, "bob", "Bob");
        await bob.Client.JoinAsync("garden");
        await using var phone = await SignInAsync(server.WebSocket, "alice", "Alice");
        await using var laptop = await SignInAsync(server.WebSocket, "alice", "Alice");
        await phone.Client.JoinAsync("garden");
        var joined = (await laptop.Client.JoinAsync("garden")).Payload();

        // Three connections, two members (joined.members is the room's last published view, the
        // count is exact now).
        Assert.Equal(2, joined.GetProperty("memberCount").GetInt32());
        await bob.Client.WaitForMembersAsync("garden", "Alice", "Bob");
        await laptop.Client.WaitForMembersAsync("garden", "Alice", "Bob");

        // The server API shows the user once, with both connections.
        using var api = server.Api();
        var presence = await PresenceAsync(api, "garden");
        Assert.Equal(2, presence.GetProperty("memberCount").GetInt32());
        var alice = Member(presence, "Alice");
        Assert.Equal("alice", alice.Str("user"));
        Assert.Equal(2, alice.GetProperty("connections").GetInt32());
        Assert.Equal("bob", Member(presence, "Bob").Str("user"));

        // One connection closes cleanly: the user is still there; the last one: the user leaves.
        await phone.Client.CloseAsync();
        var deadline = DateTime.UtcNow + TestTime.Timeout;
        while (Member(await PresenceAsync(api, "garden"), "Alice").GetProperty("connections").GetInt32() != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the closed connection stayed in the room's presence");
            await Task.Delay(20);
        }

        Assert.Contains("Alice", bob.Client.Members("garden"));
        await laptop.Client.CloseAsync();
        await bob.Client.WaitForMembersAsync("garden", "Bob");
    }

    [Fact]
    public async Task A_room_that_removes_the_user_is_no_longer_the_users()
    {
        await using var server = await StartAsync();
        await using var alice = await SignInAsync(server, "alice", "Alice");
        await using var bob = await SignInAsync(server, "bob", "Bob");
        await alice.Client.JoinAsync("den");
        await bob.Client.JoinAsync("den");
        await bob.Client.JoinAsync("garden");

        var kick = await alice.Client.PostAsync("kick", V1Client.Payload(("room", "den"), ("target", new Dictionary<string, object?> { ["user"] = "bob" })));
        Assert.Equal("moderated", (await alice.Client.ReplyAsync(kick)).Type());
        await bob.Client.NextEventAsync("removed", r => r.Payload().Str("room") == "den");

        // The kicked user's other device lists only the room still theirs.
        await using var bobAgain = await SignInAsync(server, "bob", "Bob");
        await WaitForWelcomeRoomsAsync(server, "bob", "Bob", ["garden"]);
        Assert.Contains("garden", Rooms(bobAgain.Welcome));
    }

    [Fact]
    public async Task The_server_api_does_not_post_as_a_users_name_or_a_look_alike_while_the_user_is_offline()
    {
        await using var server = await ApiServer.StartWithApiAsync([.. AuthSettings, "--ActorChat:Auth:Mode=optional"]);
        await using (var alice = await SignInAsync(server.WebSocket, "alice", "Alice"))
        {
            await alice.Client.JoinAsync("lobby");
        }

        await using var carol = await V1Client.ConnectAsync(server.WebSocket, "carol");
        await carol.ExpectReplyAsync("hello", V1Client.Payload(("name", "carol")), "welcome");
        using var api = server.Api();
        foreach (var name in new[] { "Alice", "ALICE", "alice" })
        {
            using var refused = await ApiServer.PostAsync(api, "lobby", $$"""{"text":"hi","from":"{{name}}"}""");
            var problem = await ApiServer.ReadProblemAsync(refused, 409);
            Assert.Contains("a user's", problem.Str("detail"), StringComparison.Ordinal);
        }

        // An anonymous member's name and the reserved server name stay the API's to use.
        using var asCarol = await ApiServer.PostAsync(api, "lobby", """{"text":"hi","from":"carol"}""");
        await ApiServer.ReadJsonAsync(asCarol, 200);
        using var asServer = await ApiServer.PostAsync(api, "lobby", """{"text":"hi"}""");
        await ApiServer.ReadJsonAsync(asServer, 200);
    }

    private string[] AuthSettings =>
    [
        .. V1Settings.Unthrottled,
        "--ActorChat:Auth:Mode=required",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
    ];

    private Task<TestServer> StartAsync(params string[] more) => TestServer.StartAsync([.. AuthSettings, .. more]);

    private static async Task<JsonElement> PresenceAsync(HttpClient api, string room) =>
        await ApiServer.ReadJsonAsync(await api.GetAsync($"api/rooms/{room}/presence"), 200);

    private static JsonElement Member(JsonElement presence, string name) =>
        presence.GetProperty("members").EnumerateArray().Single(m => m.Str("name") == name);

    private Task<SignedIn> SignInAsync(TestServer server, string sub, string name) => SignInAsync(server.WebSocket, sub, name);

    private async Task<SignedIn> SignInAsync(Uri webSocket, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(webSocket, sub);
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);
        var welcome = await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", token)), "welcome");
        return new SignedIn(client, welcome);
    }

    /// <summary>Signs in new sessions until one's welcome lists exactly <paramref name="rooms"/> (the removal reaches the user's entity after the removed frame).</summary>
    private async Task WaitForWelcomeRoomsAsync(TestServer server, string sub, string name, string[] rooms)
    {
        var deadline = DateTime.UtcNow + TestTime.Timeout;
        List<string> last = [];
        while (DateTime.UtcNow < deadline)
        {
            await using var probe = await SignInAsync(server, sub, name);
            last = Rooms(probe.Welcome);
            if (last.SequenceEqual(rooms))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"welcome.rooms stayed [{string.Join(", ", last)}], expected [{string.Join(", ", rooms)}]");
    }

    private static List<string> Rooms(JsonElement welcome) =>
        [.. welcome.Payload().GetProperty("rooms").EnumerateArray().Select(r => r.GetString()!)];

    private sealed record SignedIn(V1Client Client, JsonElement Welcome) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
