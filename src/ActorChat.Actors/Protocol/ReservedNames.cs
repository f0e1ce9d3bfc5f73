namespace ActorChat.Actors.Protocol;

/// <summary>
/// Names no connection may take, in either protocol: <see cref="Server"/>, the server API's default
/// author, so that nobody can pass for the operator's announcements. A name is reserved when it
/// shares either <see cref="NameKey"/> with one of them (so "Server", "SERVER" and "ѕerver" with a
/// Cyrillic "ѕ" are reserved too). The API itself may post as them.
/// </summary>
public static class ReservedNames
{
    /// <summary>Who an API message is from when it names nobody.</summary>
    public const string Server = "server";

    // Keys are computed by the platform's ICU, once it is known to be there.
    private static readonly Lazy<NameKey[]> Keys = new(() => [NameKey.Of(Server)]);

    /// <summary>True when a connection may not take a name with <paramref name="key"/>.</summary>
    public static bool IsReserved(NameKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Array.Exists(Keys.Value, k => k.Caseless == key.Caseless || k.Cased == key.Cased);
    }

    /// <summary>The refusal's words for <paramref name="name"/>.</summary>
    public static string Refusal(string name) => $"The name \"{name}\" is reserved for the server.";
}
