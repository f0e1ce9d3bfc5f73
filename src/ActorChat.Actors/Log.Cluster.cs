using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>Actor log events of the cluster's room routing and the entities' supervision (ids 2110–2119).</summary>
internal static partial class Log
{
    [LoggerMessage(2110, LogLevel.Warning, "Rooms directory: writing this node's rooms failed ({Reason}); written again at the next change")]
    public static partial void RoomDirectoryWriteFailed(this ILogger logger, string reason);

    [LoggerMessage(2111, LogLevel.Error, "Entity {Entity} failed ({Exception}: {Reason}); it is stopped and started again after a backoff")]
    public static partial void EntityFailed(this ILogger logger, string entity, string exception, string reason);

    [LoggerMessage(2112, LogLevel.Warning, "Entity {Entity} stopped unasked ({FailuresInARow} in a row); starting it again in {Delay}, holding its messages meanwhile")]
    public static partial void EntityRestarting(this ILogger logger, string entity, int failuresInARow, TimeSpan delay);
}
