using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>Roles and moderation (README, "Roles and moderation"): acts are logged by who and on whom, never with their reason's or a message's text.</summary>
internal static partial class Log
{
    [LoggerMessage(2270, LogLevel.Information, "Room {Room}: {By} made {Action} on {Target}")]
    public static partial void RoomModerated(this ILogger logger, string room, string by, string action, string target);

    [LoggerMessage(2271, LogLevel.Debug, "Room {Room}: refused {Request} ({Code})")]
    public static partial void RoomGovernanceRefused(this ILogger logger, string room, string request, string code);

    [LoggerMessage(2272, LogLevel.Information, "Connection {ConnectionId}: removed from room {Room} ({Action}); closing with 4004")]
    public static partial void RemovedFromRoom(this ILogger logger, long connectionId, string room, string action);
}
