using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace ActorChat.Host;

/// <summary>
/// The server API's keys (<see cref="AuthOptions.ApiKeys"/>) and the one check of a request's
/// <c>Authorization: Bearer KEY</c>. Keys are kept and compared as SHA-256 hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>: every key is compared, whatever matched,
/// and hashes have one length, so neither the time taken nor an early exit tells how much of a
/// guess was right, or how long a key is.
/// </summary>
internal sealed class ChatApiKeys
{
    // The request's verdict, worked out once: the rate limiter partitions by it, the endpoint filter refuses by it.
    private static readonly object VerdictItem = new();

    private readonly (string Id, byte[] Hash)[] _keys;

    public ChatApiKeys(IEnumerable<ApiKeyOptions> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys.Select(k => (k.Id, Hash(k.Key)))];
    }

    public int Count => _keys.Length;

    /// <summary>The id of the key the request carries; null when it carries none of ours.</summary>
    public string? Authenticate(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(VerdictItem, out var verdict))
        {
            return (string?)verdict;
        }

        var id = Match(context.Request.Headers.Authorization);
        context.Items[VerdictItem] = id;
        return id;
    }

    /// <summary>The key id for an <c>Authorization</c> header of exactly one <c>Bearer KEY</c>; null otherwise.</summary>
    internal string? Match(StringValues authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization.Count != 1 || authorization[0] is not { } header || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = Hash(header[Scheme.Length..].Trim());
        string? found = null;
        foreach (var (id, hash) in _keys)
        {
            // No early exit: the time taken does not depend on which key matched, or whether one did.
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                found ??= id;
            }
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
