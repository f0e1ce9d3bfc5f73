using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>Actor log events of the cluster's room routing (ids 2110–2119).</summary>
internal static partial class Log
{
    [LoggerMessage(2110, LogLevel.Warning, "Rooms directory: writing this node's rooms failed ({Reason}); written again at the next change")]
    public static partial void RoomDirectoryWriteFailed(this ILogger logger, string reason);
}
