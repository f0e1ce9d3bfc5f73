using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Tests;

/// <summary>
/// Tokens for tests, minted by the platform's library as a real backend would (never by hand),
/// with every knob a refusal needs: the key and algorithm, the header's kid and extra members,
/// each registered claim present or not.
/// </summary>
public static class TestTokens
{
    /// <summary>An HS256 secret of 32 bytes, base64, as <c>Auth:SigningKeys:N:Secret</c> takes it.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A token with the claims given; null leaves a claim out.</summary>
    public static string Mint(
        SigningCredentials? credentials,
        string? sub = "alice",
        DateTimeOffset? expires = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? issuedAt = null,
        string? issuer = null,
        string? audience = null,
        string? name = null,
        string[]? roles = null,
        IDictionary<string, object>? rooms = null,
        IDictionary<string, object>? header = null)
    {
        var claims = new Dictionary<string, object>();
        if (sub is not null)
        {
            claims["sub"] = sub;
        }

        if (name is not null)
        {
            claims["name"] = name;
        }

        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        if (rooms is not null)
        {
            claims["rooms"] = rooms;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = expires?.UtcDateTime,
            NotBefore = notBefore?.UtcDateTime,
            IssuedAt = issuedAt?.UtcDateTime,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = credentials,
            AdditionalHeaderClaims = header,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>HS256 credentials of a base64 secret, with a key id or none.</summary>
    public static SigningCredentials Hs256(string secret, string? keyId = null) =>
        new(new SymmetricSecurityKey(Convert.FromBase64String(secret)) { KeyId = keyId }, SecurityAlgorithms.HmacSha256);

    /// <summary>HS256 credentials of raw bytes (e.g. an RSA public key's PEM: the algorithm-confusion attack).</summary>
    public static SigningCredentials Hs256(byte[] secret) =>
        new(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256);

    /// <summary>RS256 credentials of a key pair.</summary>
    public static SigningCredentials Rs256(RSA rsa, string? keyId = null) =>
        new(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);

    /// <summary>ES256 credentials of a P-256 key pair.</summary>
    public static SigningCredentials Es256(ECDsa ec, string? keyId = null) =>
        new(new ECDsaSecurityKey(ec) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256);
}
