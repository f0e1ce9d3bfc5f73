using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>Actor log events about signing in (ids 2150–2159). A token never appears in them: only why it was refused.</summary>
internal static partial class Log
{
    [LoggerMessage(2150, LogLevel.Information, "Connection {ConnectionId} ({Address}): hello refused: {Code} ({Reason})")]
    public static partial void HelloRefusedToken(this ILogger logger, long connectionId, string address, string code, string reason);

    [LoggerMessage(2151, LogLevel.Information, "Connection {ConnectionId} ({Address}): refresh refused: {Code} ({Reason})")]
    public static partial void RefreshRefused(this ILogger logger, long connectionId, string address, string code, string reason);

    [LoggerMessage(2152, LogLevel.Information, "Connection {ConnectionId} ({Address}): its token expired unrefreshed; closing with 4002")]
    public static partial void TokenExpiredClosing(this ILogger logger, long connectionId, string address);

    [LoggerMessage(2153, LogLevel.Information, "Connection {ConnectionId} ({Address}): no hello within {Timeout}; closing with 4006")]
    public static partial void HelloTimedOut(this ILogger logger, long connectionId, string address, TimeSpan timeout);
}

/// <summary>Actor log events of users' entities (ids 2160–2169).</summary>
internal static partial class Log
{
    [LoggerMessage(2160, LogLevel.Error, "User {UserId}: writing its rooms at sequence number {SequenceNr} failed ({Reason}); the user's entity stops")]
    public static partial void UserPersistFailed(this ILogger logger, string userId, long sequenceNr, string reason);

    [LoggerMessage(2161, LogLevel.Warning, "User {UserId}: deleting old events failed ({Reason}); retried with the next ones")]
    public static partial void UserTrimFailed(this ILogger logger, string userId, string reason);

    [LoggerMessage(2162, LogLevel.Information, "User {UserId}: room {Room} not kept as the user's: the user is in {Max} rooms already")]
    public static partial void UserRoomsFull(this ILogger logger, string userId, string room, int max);

    [LoggerMessage(2163, LogLevel.Warning, "Connection {ConnectionId}: the user's rooms did not come within {Timeout}; welcome lists the session's own")]
    public static partial void UserRoomsUnanswered(this ILogger logger, long connectionId, TimeSpan timeout);
}
