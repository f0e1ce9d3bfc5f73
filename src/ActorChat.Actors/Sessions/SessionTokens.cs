using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// Session ids and resume tokens in a cluster. A session id is 96 random bits (base64url, 16
/// characters), unique cluster-wide without coordination; a token is <c>&lt;id&gt;.&lt;secret&gt;</c>
/// with 128 random bits of secret, so whichever node a client reconnects to can route a resume to
/// the session's entity by the id alone, and only the secret proves the client owns it.
/// </summary>
/// <remarks>
/// Entities store the SHA-256 of the whole token, never the token: a copy of the journal cannot be
/// used to take sessions over. A hash of 256 bits over a 128-bit secret needs no salt or stretching
/// (nothing to guess), and it is compared in constant time.
/// </remarks>
public static class SessionTokens
{
    /// <summary>Length of a session id: 12 bytes in base64url.</summary>
    public const int IdLength = 16;

    /// <summary>Length of a token's secret: 16 bytes in base64url.</summary>
    public const int SecretLength = 22;

    /// <summary>A new session id.</summary>
    public static string NewSessionId() => RandomText(12);

    /// <summary>A new token for <paramref name="sessionId"/>.</summary>
    public static string NewToken(string sessionId) => sessionId + "." + RandomText(16);

    /// <summary>The session id a token names; false for anything not shaped like one of ours (not an error: a new session starts).</summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out string? sessionId)
    {
        sessionId = null;
        if (token is null || token.Length != IdLength + 1 + SecretLength || token[IdLength] != '.')
        {
            return false;
        }

        var id = token.AsSpan(0, IdLength);
        var secret = token.AsSpan(IdLength + 1);
        if (!IsBase64Url(id) || !IsBase64Url(secret))
        {
            return false;
        }

        sessionId = id.ToString();
        return true;
    }

    /// <summary>What an entity stores of a token.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>True when <paramref name="token"/> is the one whose hash is <paramref name="hash"/>.</summary>
    public static bool Matches(string token, byte[]? hash) =>
        hash is not null && CryptographicOperations.FixedTimeEquals(Hash(token), hash);

    private static string RandomText(int bytes)
    {
        Span<byte> random = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }

    private static bool IsBase64Url(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
