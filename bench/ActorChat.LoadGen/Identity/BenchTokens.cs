using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.LoadGen.Identity;

/// <summary>
/// Mints HS256 tokens as the operator's backend would (the same library and claims as the server's
/// <c>token</c> command): <c>sub</c>, <c>exp</c>, <c>nbf</c>, <c>iat</c>, the server's audience and
/// issuer. The key comes from <see cref="KeyVariable"/> (base64, at least 32 bytes, the server's
/// <c>Auth:SigningKeys:N:Secret</c>), never from the command line.
/// </summary>
internal sealed class BenchTokens
{
    public const string KeyVariable = "ACTORCHAT_BENCH_SIGNING_KEY";

    private readonly SigningCredentials _credentials;
    private readonly string _audience;
    private readonly string? _issuer;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private BenchTokens(byte[] key, string audience, string? issuer)
    {
        _credentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);
        _audience = audience;
        _issuer = issuer;
    }

    /// <summary>The tokens of <paramref name="secret"/> (base64), or of <see cref="KeyVariable"/>'s key when null; or why there are none.</summary>
    public static BenchTokens Create(string? secret, string audience, string? issuer)
    {
        secret ??= Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrEmpty(secret))
        {
            throw new ArgumentException($"{KeyVariable} is not set: the HS256 key (base64) the server verifies tokens with");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{KeyVariable} is not base64");
        }

        return key.Length >= 32 ? new BenchTokens(key, audience, issuer) : throw new ArgumentException($"{KeyVariable} must be at least 32 bytes");
    }

    /// <summary>A token of <paramref name="sub"/> valid from now for <paramref name="lifetime"/>.</summary>
    public string Mint(string sub, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, sub)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Audience = _audience,
            Issuer = _issuer,
            SigningCredentials = _credentials,
        });
    }
}
