namespace ActorChat.Browser.Tests;

/// <summary>
/// A site's backend for the browser tests: one HS256 secret, the server settings that accept its
/// tokens (<c>Auth:Mode</c> optional), and tokens for users minted with the platform's library.
/// </summary>
internal sealed class TokenIssuer
{
    public const string Audience = "actorchat-browser-tests";

    private readonly string _secret = TestTokens.NewSecret();

    /// <summary>Server settings that take this issuer's tokens, plus <paramref name="more"/>.</summary>
    public string[] Settings(params string[] more) =>
    [
        "--ActorChat:Auth:Mode=optional",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={_secret}",
        .. more,
    ];

    /// <summary>A token for the user <paramref name="sub"/> named <paramref name="name"/>, valid for <paramref name="lifetime"/> (an hour by default).</summary>
    public string Mint(string sub, string name, TimeSpan? lifetime = null) =>
        TestTokens.Mint(TestTokens.Hs256(_secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromHours(1)), audience: Audience);
}
