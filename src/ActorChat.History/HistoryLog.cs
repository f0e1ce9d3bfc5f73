using Microsoft.Extensions.Logging;

namespace ActorChat.History;

/// <summary>Log events of the history store's wiring (host ids 1050–1069).</summary>
internal static partial class HistoryLog
{
    [LoggerMessage(1050, LogLevel.Information, "History: SQLite file {Path} (write-ahead log)")]
    public static partial void HistoryInSqlite(this ILogger logger, string path);

    [LoggerMessage(1051, LogLevel.Information, "History: in memory only, lost when the server stops (ActorChat:History:Provider=memory)")]
    public static partial void HistoryInMemory(this ILogger logger);

    [LoggerMessage(1052, LogLevel.Warning, "History: SQLite file {Path} stays in journal mode {Mode}, the file system does not allow a write-ahead log: writes are slower")]
    public static partial void HistoryNotWal(this ILogger logger, string path, string mode);
}
