using ActorChat.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Actors.Users;

/// <summary>
/// The server's <see cref="ITokenValidator"/>: JWTs (RFC 7519, compact form) checked by the
/// platform's <see cref="JsonWebTokenHandler"/>, never parsed here. Each key verifies only its own
/// algorithm: the key resolver offers a token only the keys of its header's <c>alg</c> (and of its
/// <c>kid</c>, when it names one), so an HS256 token is never checked against an RSA or EC key,
/// nor the reverse, and <c>alg: none</c> finds nothing. <c>jku</c>, <c>jwk</c>, <c>x5u</c> and
/// <c>x5c</c> headers are never read. <c>sub</c> (1–128 characters) and <c>exp</c> are required;
/// <c>nbf</c> and <c>iat</c> are honoured; <c>iss</c> and <c>aud</c> are checked when configured.
/// </summary>
/// <remarks>
/// Lives with the actors rather than the host: the library is not ASP.NET, and the actor tests can
/// then run connections against the real check. The times are judged here, on
/// <paramref name="time"/>, from the <c>exp</c> and <c>nbf</c> the library read (its own check
/// reads the system clock, which tests cannot move); everything else is the library's.
/// </remarks>
public sealed class JwtTokenValidator : ITokenValidator
{
    /// <summary>The longest <c>sub</c>, in UTF-16 code units.</summary>
    public const int MaxSubjectLength = 128;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenRules _rules;
    private readonly TimeProvider _time;
    private readonly TokenValidationParameters _parameters;

    public JwtTokenValidator(TokenRules rules, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        _time = time ?? TimeProvider.System;
        _parameters = new TokenValidationParameters
        {
            ValidateIssuer = rules.Issuer is not null,
            ValidIssuer = rules.Issuer,
            ValidateAudience = rules.Audience is not null,
            ValidAudience = rules.Audience,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            LifetimeValidator = CheckLifetime,
            ClockSkew = rules.ClockSkew,
            ValidAlgorithms = [.. rules.Keys.Select(k => k.Algorithm).Distinct(StringComparer.Ordinal)],
            IssuerSigningKeyResolver = ResolveKeys,
            TryAllIssuerSigningKeys = false,
            ValidateIssuerSigningKey = false,
            SaveSigninToken = false,
        };
    }

    public async Task<TokenCheck> ValidateAsync(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Invalid("the token is empty");
        }

        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return Invalid("the token is not a JWT in compact form");
        }

        if (!result.IsValid)
        {
            return Refusal(result.Exception);
        }

        if (result.SecurityToken is not JsonWebToken jwt)
        {
            return Invalid("the token is not a JWT in compact form");
        }

        return Identify(jwt);
    }

    private TokenCheck Identify(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || sub is null || sub.Length is 0 or > MaxSubjectLength
            || !IsWellFormed(sub))
        {
            return Invalid($"\"sub\" must be a string of 1–{MaxSubjectLength} characters");
        }

        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return Invalid("the token has no \"exp\"");
        }

        // iat in the future beyond the skew: minted by a clock that is wrong, or forged.
        if (jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat)
            && DateTimeOffset.FromUnixTimeSeconds(iat) > _time.GetUtcNow() + _rules.ClockSkew)
        {
            return Invalid("the token was issued in the future (\"iat\")");
        }

        var name = jwt.TryGetPayloadValue<string>("name", out var n) && !string.IsNullOrWhiteSpace(n) ? n : null;
        var claimed = Roles(jwt);
        var isAdmin = _rules.Admins.Contains(sub) || claimed.Contains(_rules.AdminRole, StringComparer.Ordinal);
        return TokenCheck.Valid(new UserIdentity(
            sub,
            name,
            isAdmin ? ["admin"] : [],
            isAdmin,
            Grants(jwt),
            DateTimeOffset.FromUnixTimeSeconds(exp)));
    }

    /// <summary>No unpaired surrogate (JSON escapes allow one; the id is stored and compared as text).</summary>
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]) || char.IsControl(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>roles</c> claim: an array of strings, or one string.</summary>
    private static List<string> Roles(JsonWebToken jwt)
    {
        if (jwt.TryGetPayloadValue<List<string>>("roles", out var list) && list is not null)
        {
            return list;
        }

        return jwt.TryGetPayloadValue<string>("roles", out var one) && one is not null ? [one] : [];
    }

    /// <summary>The <c>rooms</c> claim, <c>{room: "member" | "moderator"}</c>; entries of other values are dropped.</summary>
    private static Dictionary<string, string> Grants(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<Dictionary<string, string>>("rooms", out var rooms) || rooms is null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return rooms
            .Where(r => RoomNames.IsValid(r.Key) && r.Value is "member" or "moderator")
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// The keys a token may be checked against: those of its header's algorithm, and of its
    /// <c>kid</c> when it names one (a <c>kid</c> that names no key finds none: refused).
    /// </summary>
    private IEnumerable<SecurityKey> ResolveKeys(string token, SecurityToken securityToken, string kid, TokenValidationParameters parameters)
    {
        var alg = (securityToken as JsonWebToken)?.Alg;
        return [.. _rules.Keys
            .Where(k => string.Equals(k.Algorithm, alg, StringComparison.Ordinal)
                && (string.IsNullOrEmpty(kid) || string.Equals(k.KeyId, kid, StringComparison.Ordinal)))
            .Select(k => k.Key)];
    }

    private bool CheckLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no exp.");
        }

        if (notBefore is { } nbf && nbf > now + _rules.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (exp < now - _rules.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = exp };
        }

        return true;
    }

    /// <summary>The refusal for the library's reason, in words that never quote the token.</summary>
    private static TokenCheck Refusal(Exception? reason) => reason switch
    {
        SecurityTokenExpiredException => TokenCheck.Refused(ErrorCodes.TokenExpired, "The token has expired."),
        SecurityTokenNotYetValidException => Invalid("the token is not valid yet (\"nbf\")"),
        SecurityTokenNoExpirationException => Invalid("the token has no \"exp\""),
        SecurityTokenInvalidIssuerException => Invalid("the token is for another issuer (\"iss\")"),
        SecurityTokenInvalidAudienceException => Invalid("the token is for another audience (\"aud\")"),
        SecurityTokenInvalidAlgorithmException => Invalid("no key accepts the token's algorithm"),
        SecurityTokenSignatureKeyNotFoundException => Invalid("no key matches the token's algorithm and key id"),
        SecurityTokenInvalidSignatureException => Invalid("the signature does not verify"),
        SecurityTokenMalformedException or ArgumentException => Invalid("the token is not a JWT in compact form"),
        _ => Invalid("the token is not valid"),
    };

    private static TokenCheck Invalid(string why) => TokenCheck.Refused(ErrorCodes.InvalidToken, $"Invalid token: {why}.");
}
