using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Actors.Users;

/// <summary>
/// What a token must meet (<c>ActorChat:Auth</c>, read and checked by the host at start): the
/// keys, each pinned to its one algorithm, the issuer and audience when configured, the clock
/// skew, and who is a server admin.
/// </summary>
/// <param name="Keys">The signing keys; a token is checked only against keys of its header's <c>alg</c> (and <c>kid</c>, when it has one).</param>
/// <param name="Issuer">The <c>iss</c> a token must carry; null: not checked.</param>
/// <param name="Audience">The <c>aud</c> a token must carry; null: not checked (anonymous mode only; the host requires it otherwise).</param>
/// <param name="ClockSkew">Leeway on <c>exp</c>, <c>nbf</c> and <c>iat</c>.</param>
/// <param name="Admins">User ids (<c>sub</c>) that are server admins.</param>
/// <param name="AdminRole">The <c>roles</c> claim value that makes a server admin.</param>
public sealed record TokenRules(
    IReadOnlyList<TokenKey> Keys,
    string? Issuer,
    string? Audience,
    TimeSpan ClockSkew,
    IReadOnlyCollection<string> Admins,
    string AdminRole);

/// <summary>A signing key and the one algorithm it verifies (<see cref="TokenKey.Algorithms"/>).</summary>
/// <param name="Algorithm"><c>HS256</c>, <c>RS256</c> or <c>ES256</c>.</param>
/// <param name="Key">A <see cref="SymmetricSecurityKey"/>, <see cref="RsaSecurityKey"/> or <see cref="ECDsaSecurityKey"/>.</param>
/// <param name="KeyId">When set, a token whose header names a <c>kid</c> uses only the key of that id.</param>
public sealed record TokenKey(string Algorithm, SecurityKey Key, string? KeyId)
{
    public const string HS256 = SecurityAlgorithms.HmacSha256;
    public const string RS256 = SecurityAlgorithms.RsaSha256;
    public const string ES256 = SecurityAlgorithms.EcdsaSha256;

    /// <summary>The algorithms a key may have.</summary>
    public static readonly IReadOnlyList<string> Algorithms = [HS256, RS256, ES256];

    /// <summary>The shortest HS256 secret, in bytes (RFC 7518 §3.2: at least the hash's size).</summary>
    public const int MinSecretBytes = 32;
}
