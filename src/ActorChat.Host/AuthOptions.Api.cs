using System.ComponentModel.DataAnnotations;

namespace ActorChat.Host;

/// <summary>
/// The <c>ActorChat:Auth</c> settings. This part holds the server API's (<see cref="ChatApi"/>):
/// its keys, where it may be reached, and its rate limit.
/// </summary>
public sealed partial class AuthOptions
{
    /// <summary>Shortest API key accepted: 32 characters (a random key of that length cannot be guessed over HTTP).</summary>
    public const int MinApiKeyLength = 32;

    /// <summary>
    /// The server API's keys (<c>Authorization: Bearer KEY</c>), each with an id that stands for
    /// the caller in logs and in the rooms' <c>cid</c> dedup (<c>api:ID</c>). None (the default):
    /// every <c>/api</c> path answers 404.
    /// </summary>
    public ApiKeyOptions[] ApiKeys { get; set; } = [];

    /// <summary>
    /// Whether the API also answers on management listeners that are not on a loopback address.
    /// Off by default: a bearer key over plain HTTP should not cross a network.
    /// </summary>
    public bool ApiOnAllInterfaces { get; set; }

    /// <summary>Requests per second one API key may make, sustained (a token bucket; 429 past it).</summary>
    [Range(1, 1_000_000)]
    public int ApiRequestsPerSecond { get; set; } = 100;

    /// <summary>Requests one API key may make in a burst above that rate.</summary>
    [Range(1, 1_000_000)]
    public int ApiRequestBurst { get; set; } = 200;

    /// <summary>The first broken rule of the API's keys: the setting, the value to show (a key is always <c>***</c>) and the rule; null when they are fine.</summary>
    internal (string Setting, string? Shown, string Rule)? FindApiProblem()
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ApiKeys.Length; i++)
        {
            var setting = $"{nameof(ApiKeys)}:{i}";
            var key = ApiKeys[i];
            if (string.IsNullOrEmpty(key.Id) || key.Id.Length > 64 || !key.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return ($"{setting}:{nameof(key.Id)}", key.Id, "must be 1–64 characters of A-Z a-z 0-9 - _ . (the key's name in logs, e.g. backend)");
            }

            if (ids.TryGetValue(key.Id, out var first))
            {
                return ($"{setting}:{nameof(key.Id)}", key.Id, $"is already the id of ActorChat:Auth:ApiKeys:{first}");
            }

            ids[key.Id] = i;
            if (key.Key is null || key.Key.Length < MinApiKeyLength)
            {
                return ($"{setting}:{nameof(key.Key)}", key.Key is null ? null : ApiKeyOptions.Hidden, $"must be at least {MinApiKeyLength} characters (e.g. openssl rand -base64 32)");
            }

            if (key.Key.Length > 1024 || key.Key.Any(c => c <= ' ' || c == '\u007f'))
            {
                return ($"{setting}:{nameof(key.Key)}", ApiKeyOptions.Hidden, "must be at most 1024 characters, without spaces or control characters");
            }

            if (keys.TryGetValue(key.Key, out var same))
            {
                return ($"{setting}:{nameof(key.Key)}", ApiKeyOptions.Hidden, $"is the same key as ActorChat:Auth:ApiKeys:{same} (each id needs its own)");
            }

            keys[key.Key] = i;
        }

        return null;
    }
}

/// <summary>One server API key: <c>ActorChat:Auth:ApiKeys:N:Id</c> and <c>…:Key</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>How a key is shown anywhere: never as itself.</summary>
    public const string Hidden = "***";

    /// <summary>The key's name: in logs, and its callers' <c>cid</c>s are told apart by it.</summary>
    public string Id { get; set; } = "";

    /// <summary>The secret a caller sends as <c>Authorization: Bearer KEY</c>; never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>Without the key, so the options can be shown or logged.</summary>
    public override string ToString() => $"{Id} ({Hidden})";
}
