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

    [LoggerMessage(2280, LogLevel.Information, "Server: {By} made a server-wide {Action} of {Target}")]
    public static partial void ServerControlAct(this ILogger logger, string action, string by, string target);

    [LoggerMessage(2281, LogLevel.Information, "Connection {ConnectionId} from {Address}: a server-wide ban ({BanId}) names it; closing with 4004")]
    public static partial void ServerBanned(this ILogger logger, long connectionId, string address, long banId);

    [LoggerMessage(2282, LogLevel.Information, "Connection {ConnectionId} from {Address}: disconnected by the server; closing with 4005")]
    public static partial void ServerDisconnected(this ILogger logger, long connectionId, string address);
}
