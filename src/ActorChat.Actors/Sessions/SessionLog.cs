using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>The cluster's session and name entities' log events: ids 2130–2149.</summary>
internal static partial class Log
{
    [LoggerMessage(2130, LogLevel.Information, "Session {SessionId} ({Name}) ended ({Reason}); leaving {RoomCount} rooms")]
    public static partial void ClusterSessionEnded(this ILogger logger, string sessionId, string name, string reason, int roomCount);

    [LoggerMessage(2131, LogLevel.Information, "Session {SessionId} ({Name}) recovered without its connection; it ends in {Limit} unless resumed")]
    public static partial void SessionRecoveredDetached(this ILogger logger, string sessionId, string name, TimeSpan limit);

    [LoggerMessage(2132, LogLevel.Warning, "Session {SessionId}: the claim of the name {Name} got no answer within {Timeout}; refused")]
    public static partial void NameClaimTimedOut(this ILogger logger, string sessionId, string name, TimeSpan timeout);

    [LoggerMessage(2133, LogLevel.Warning, "Session {SessionId}: the release of its name {Name} was not confirmed after {Tries} tries; giving up")]
    public static partial void NameReleaseUnconfirmed(this ILogger logger, string sessionId, string name, int tries);

    [LoggerMessage(2134, LogLevel.Error, "Session {SessionId}: writing {EventType} at sequence number {SequenceNr} failed ({Reason}); the session entity stops")]
    public static partial void SessionPersistFailed(this ILogger logger, string sessionId, string eventType, long sequenceNr, string reason);

    [LoggerMessage(2135, LogLevel.Error, "Name {Key}: writing {EventType} at sequence number {SequenceNr} failed ({Reason}); the name entity stops")]
    public static partial void NamePersistFailed(this ILogger logger, string key, string eventType, long sequenceNr, string reason);

    [LoggerMessage(2136, LogLevel.Warning, "Name {Key}: deleting old events failed ({Reason}); retried with the next ones")]
    public static partial void NameTrimFailed(this ILogger logger, string key, string reason);

    [LoggerMessage(2137, LogLevel.Debug, "Session {SessionId} ({Name}) attached again to its connection after its entity moved")]
    public static partial void SessionReattached(this ILogger logger, string sessionId, string name);

    [LoggerMessage(2138, LogLevel.Warning, "Session {SessionId}: {Operation} failed ({Reason}); retried at the next one")]
    public static partial void SessionHousekeepingFailed(this ILogger logger, string sessionId, string operation, string reason);

    [LoggerMessage(2139, LogLevel.Warning, "Name {Key}: freed from session {SessionId} ({Name}), which does not hold it any more")]
    public static partial void NameFreedForGoneHolder(this ILogger logger, string key, string sessionId, string name);
}
