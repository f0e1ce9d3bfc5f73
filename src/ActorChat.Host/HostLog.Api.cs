namespace ActorChat.Host;

/// <summary>Host log events of the server API (ids 1060–1069). A key is never logged, only its id.</summary>
internal static partial class HostLog
{
    [LoggerMessage(1060, LogLevel.Information, "Server API on {Addresses} for {Keys} key(s){Where}")]
    public static partial void ApiListening(this ILogger logger, string addresses, int keys, string where);

    [LoggerMessage(1061, LogLevel.Warning, "Server API keys are set but ActorChat:ManagementUrls is empty: the API is served nowhere (it is never served on the chat port)")]
    public static partial void ApiNowhere(this ILogger logger);

    [LoggerMessage(1062, LogLevel.Warning, "Server API: {Method} {Path} from {Address} without a valid key: 401")]
    public static partial void ApiUnauthorized(this ILogger logger, string method, string path, string address);

    [LoggerMessage(1063, LogLevel.Debug, "Server API: key {KeyId} posted to {Room} as {From}")]
    public static partial void ApiPosted(this ILogger logger, string keyId, string room, string from);

    [LoggerMessage(1064, LogLevel.Debug, "Server API: key {KeyId} is over its rate limit: 429")]
    public static partial void ApiRateLimited(this ILogger logger, string keyId);

    [LoggerMessage(1065, LogLevel.Warning, "Server API: {What} for room {Room} unanswered within {Timeout}: 503")]
    public static partial void ApiUnanswered(this ILogger logger, string what, string room, TimeSpan timeout);

    [LoggerMessage(1066, LogLevel.Information, "Server API: key {KeyId} made {Act} in room {Room}")]
    public static partial void ApiActed(this ILogger logger, string keyId, string act, string room);
}
