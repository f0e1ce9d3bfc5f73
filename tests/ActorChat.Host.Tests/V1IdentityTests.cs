using System.Text.Json;
using ActorChat.Protocol;

namespace ActorChat.Host.Tests;

/// <summary>
/// Signing in with a token (PROTOCOL-V1.1 Part A) against a real server: the modes, each refusal's
/// error and close code, welcome's user and expiry, refresh, the close at expiry, the hello
/// deadline, and a user's sessions.
/// </summary>
public sealed class V1IdentityTests
{
    private const string Audience = "actorchat-tests";

    private readonly string _secret = TestTokens.NewSecret();

    [Fact]
    public async Task Required_mode_refuses_a_hello_without_token_with_auth_required_and_4003()
    {
        await using var server = await StartAsync("required");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);

        var reply = await client.RequestAsync("hello", V1Client.Payload(("name", "alice")));

        client.AssertError(reply, ErrorCodes.AuthRequired, "hello without token");
        Assert.Equal("auth required", await client.ExpectCloseAsync(CloseCodes.InvalidToken));
    }

    [Fact]
    public async Task A_token_in_the_url_is_ignored()
    {
        await using var server = await StartAsync("required");
        var token = Token("alice");
        await using var client = await V1Client.ConnectAsync(new Uri(server.WebSocket, $"?token={token}"));

        var reply = await client.RequestAsync("hello", V1Client.Payload(("name", "alice")));

        client.AssertError(reply, ErrorCodes.AuthRequired, "hello whose token was only in the URL");
        await client.ExpectCloseAsync(CloseCodes.InvalidToken);
    }

    [Fact]
    public async Task An_invalid_token_gets_invalid_token_and_close_4003()
    {
        await using var server = await StartAsync("optional");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        var forged = TestTokens.Mint(TestTokens.Hs256(TestTokens.NewSecret()), sub: "alice", expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);

        var reply = await client.RequestAsync("hello", V1Client.Payload(("name", "alice"), ("token", forged)));

        client.AssertError(reply, ErrorCodes.InvalidToken, "hello with a forged token");
        Assert.DoesNotContain(forged, reply.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("invalid token", await client.ExpectCloseAsync(CloseCodes.InvalidToken));
    }

    [Fact]
    public async Task An_expired_token_gets_token_expired_and_close_4002()
    {
        await using var server = await StartAsync("required");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        var expired = Token("alice", expires: DateTimeOffset.UtcNow.AddMinutes(-5));

        var reply = await client.RequestAsync("hello", V1Client.Payload(("name", "alice"), ("token", expired)));

        client.AssertError(reply, ErrorCodes.TokenExpired, "hello with an expired token");
        Assert.Equal("token expired", await client.ExpectCloseAsync(CloseCodes.TokenExpired));
    }

    [Fact]
    public async Task Welcome_names_the_user_its_roles_and_the_expiry_and_the_name_is_the_claims()
    {
        await using var server = await StartAsync("required", "--ActorChat:Auth:Admins:0=alice");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        var expires = WholeSeconds(DateTimeOffset.UtcNow.AddHours(1));

        var welcome = await Hello(client, Token("alice", name: "Alice", expires: expires), name: "someone-else");

        var payload = welcome.Payload();
        Assert.Equal("Alice", payload.Str("name"));
        var user = payload.GetProperty("user");
        Assert.Equal("alice", user.Str("id"));
        Assert.Equal("Alice", user.Str("name"));
        Assert.Equal(["admin"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(expires, DateTimeOffset.Parse(payload.Str("expiresAt")!, System.Globalization.CultureInfo.InvariantCulture));

        // The name is the token's: not to be changed on the connection.
        var rename = await client.RequestAsync("rename", V1Client.Payload(("name", "Bob")));
        client.AssertError(rename, ErrorCodes.Forbidden, "rename of a token's name");
    }

    [Fact]
    public async Task Optional_mode_without_a_token_and_anonymous_mode_with_one_make_anonymous_members()
    {
        await using var optional = await StartAsync("optional");
        await using var anonymousMember = await V1Client.ConnectAsync(optional.WebSocket);
        var welcome = await Hello(anonymousMember, token: null, name: "carol");
        AssertAnonymous(welcome);

        await using var anonymous = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var ignored = await V1Client.ConnectAsync(anonymous.WebSocket);
        AssertAnonymous(await Hello(ignored, Token("alice", name: "Alice"), name: "dave"));

        static void AssertAnonymous(JsonElement welcome)
        {
            var user = welcome.Payload().GetProperty("user");
            Assert.Equal(JsonValueKind.Null, user.GetProperty("id").ValueKind);
            Assert.Empty(user.GetProperty("roles").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, welcome.Payload().GetProperty("expiresAt").ValueKind);
        }
    }

    [Fact]
    public async Task Refresh_with_the_same_user_moves_the_expiry_and_an_invalid_one_keeps_the_connection()
    {
        await using var server = await StartAsync("required");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        await Hello(client, Token("alice", name: "Alice"));
        var later = WholeSeconds(DateTimeOffset.UtcNow.AddHours(2));

        var refreshed = await client.ExpectReplyAsync("refresh", V1Client.Payload(("token", Token("alice", expires: later))), "refreshed");
        Assert.Equal(later, DateTimeOffset.Parse(refreshed.Payload().Str("expiresAt")!, System.Globalization.CultureInfo.InvariantCulture));

        var forged = TestTokens.Mint(TestTokens.Hs256(TestTokens.NewSecret()), sub: "alice", expires: later, audience: Audience);
        await client.ExpectErrorAsync("refresh", V1Client.Payload(("token", forged)), ErrorCodes.InvalidToken);

        // Still signed in.
        await client.JoinAsync("lobby");
        Assert.False(client.Ended);
    }

    [Fact]
    public async Task Refresh_with_another_users_token_gets_token_mismatch_and_close_4003()
    {
        await using var server = await StartAsync("required");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        await Hello(client, Token("alice", name: "Alice"));

        var reply = await client.RequestAsync("refresh", V1Client.Payload(("token", Token("mallory"))));

        client.AssertError(reply, ErrorCodes.TokenMismatch, "refresh with another user's token");
        await client.ExpectCloseAsync(CloseCodes.InvalidToken);
    }

    [Fact]
    public async Task A_token_not_refreshed_closes_the_connection_with_4002_at_exp_plus_the_grace()
    {
        var grace = TimeSpan.FromSeconds(1);
        await using var server = await StartAsync("required", "--ActorChat:Auth:ClockSkew=00:00:00", "--ActorChat:Auth:ExpiryGrace=00:00:01");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        var expires = WholeSeconds(DateTimeOffset.UtcNow.AddSeconds(3));

        await Hello(client, Token("alice", name: "Alice", expires: expires));
        var reason = await client.ExpectCloseAsync(CloseCodes.TokenExpired, TestTime.Timeout + TimeSpan.FromSeconds(5));

        Assert.Equal("token expired", reason);
        Assert.True(DateTimeOffset.UtcNow >= expires + grace, $"Closed before exp + grace ({expires + grace:O}); now {DateTimeOffset.UtcNow:O}");
        Assert.Contains(client.Received, f => f.Type() == "error" && f.Payload().Str("code") == ErrorCodes.TokenExpired);
    }

    [Fact]
    public async Task A_refreshed_token_is_not_closed_at_the_old_expiry()
    {
        await using var server = await StartAsync("required", "--ActorChat:Auth:ClockSkew=00:00:00", "--ActorChat:Auth:ExpiryGrace=00:00:00");
        await using var client = await V1Client.ConnectAsync(server.WebSocket);
        var first = WholeSeconds(DateTimeOffset.UtcNow.AddSeconds(3));
        await Hello(client, Token("alice", name: "Alice", expires: first));

        await client.ExpectReplyAsync("refresh", V1Client.Payload(("token", Token("alice", expires: DateTimeOffset.UtcNow.AddHours(1)))), "refreshed");

        // Past the first token's expiry the connection still answers.
        while (DateTimeOffset.UtcNow < first + TimeSpan.FromSeconds(1))
        {
            await Task.Delay(100);
        }

        await client.ExpectReplyAsync("rooms", null, "rooms");
        Assert.False(client.Ended);
    }

    [Fact]
    public async Task A_v1_socket_without_hello_is_closed_with_4006_after_10_seconds_and_a_beej_socket_is_not()
    {
        await using var server = await TestServer.StartAsync();
        await using var beej = await server.ConnectAsync();
        var opened = DateTimeOffset.UtcNow;
        await using var silent = await V1Client.ConnectAsync(server.WebSocket);

        Assert.Equal("hello timeout", await silent.ExpectCloseAsync(CloseCodes.HelloTimeout, TestTime.Timeout + TimeSpan.FromSeconds(10)));

        Assert.True(DateTimeOffset.UtcNow - opened >= TimeSpan.FromSeconds(9.9), "Closed before 10 s.");
        // The beej-chat-protocol socket, as old, still works.
        await beej.JoinAsync("beej");
        Assert.Equal("beej", (await beej.ExpectAsync("chat-join")).Username());
    }

    [Fact]
    public async Task A_users_session_token_alone_does_not_resume_it_but_with_the_users_token_it_does()
    {
        await using var server = await StartAsync("optional");
        await using var first = await V1Client.ConnectAsync(server.WebSocket);
        var session = (await Hello(first, Token("alice", name: "Alice"))).Payload().Str("session")!;
        await first.JoinAsync("lobby");
        first.Reset();

        await using var thief = await V1Client.ConnectAsync(server.WebSocket);
        var stolen = await thief.RequestAsync("hello", V1Client.Payload(("name", "mallory"), ("session", session)));
        thief.AssertError(stolen, ErrorCodes.InvalidToken, "resume of a user's session with its session token alone");
        await thief.ExpectCloseAsync(CloseCodes.InvalidToken);

        await using var other = await V1Client.ConnectAsync(server.WebSocket);
        var otherUser = await other.RequestAsync("hello", V1Client.Payload(("name", "mallory"), ("session", session), ("token", Token("mallory"))));
        other.AssertError(otherUser, ErrorCodes.InvalidToken, "resume of a user's session with another user's token");
        await other.ExpectCloseAsync(CloseCodes.InvalidToken);

        await using var back = await V1Client.ConnectAsync(server.WebSocket);
        var welcome = await back.ExpectReplyAsync("hello", V1Client.Payload(("session", session), ("token", Token("alice", name: "Alice"))), "welcome");
        Assert.True(welcome.Payload().GetProperty("resumed").GetBoolean(), welcome.GetRawText());
        Assert.Contains("lobby", welcome.Payload().GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task One_user_has_many_sessions_under_one_name_and_nobody_else_takes_it_while_they_are_offline()
    {
        await using var server = await StartAsync("optional");
        await using var tab1 = await V1Client.ConnectAsync(server.WebSocket);
        await using var tab2 = await V1Client.ConnectAsync(server.WebSocket);

        var one = await Hello(tab1, Token("alice", name: "Alice"));
        var two = await Hello(tab2, Token("alice", name: "Alice"));

        Assert.Equal("Alice", one.Payload().Str("name"));
        Assert.Equal("Alice", two.Payload().Str("name"));
        Assert.NotEqual(one.Payload().Str("session"), two.Payload().Str("session"));

        // Both sessions end; the name stays the user's.
        await tab1.CloseAsync();
        await tab2.CloseAsync();
        await using var anonymous = await V1Client.ConnectAsync(server.WebSocket);
        anonymous.AssertError(await anonymous.RequestAsync("hello", V1Client.Payload(("name", "alice"))), ErrorCodes.NameTaken, "an anonymous hello as an offline user's name");
        anonymous.AssertError(await anonymous.RequestAsync("hello", V1Client.Payload(("name", "ALICE"))), ErrorCodes.NameTaken, "an anonymous hello as a look-alike");

        await using var bob = await V1Client.ConnectAsync(server.WebSocket);
        bob.AssertError(await bob.RequestAsync("hello", V1Client.Payload(("token", Token("bob", name: "Alice")))), ErrorCodes.NameTaken, "another user whose token claims the name");

        // Another user whose claimed name is taken gets the hello's own name.
        await using var bob2 = await V1Client.ConnectAsync(server.WebSocket);
        var fallback = await Hello(bob2, Token("bob", name: "Alice"), name: "Bobby");
        Assert.Equal("Bobby", fallback.Payload().Str("name"));

        await using var again = await V1Client.ConnectAsync(server.WebSocket);
        Assert.Equal("Alice", (await Hello(again, Token("alice", name: "Alice"))).Payload().Str("name"));
    }

    private async Task<TestServer> StartAsync(string mode, params string[] more) =>
        await TestServer.StartAsync(V1Settings.With(
        [
            $"--ActorChat:Auth:Mode={mode}",
            $"--ActorChat:Auth:Audience={Audience}",
            "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
            $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
            .. more,
        ]));

    private string Token(string sub, string? name = null, DateTimeOffset? expires = null) =>
        TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: expires ?? DateTimeOffset.UtcNow.AddHours(1), audience: Audience);

    private static async Task<JsonElement> Hello(V1Client client, string? token, string? name = null)
    {
        var welcome = await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", token)), "welcome");
        return welcome;
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
}
