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
