using Microsoft.Extensions.Logging;

namespace ActorChat.History;

/// <summary>Log events of the history store's wiring (host ids 1050–1069; 1053–1059 PostgreSQL).</summary>
internal static partial class HistoryLog
{
    [LoggerMessage(1050, LogLevel.Information, "History: SQLite file {Path} (write-ahead log)")]
    public static partial void HistoryInSqlite(this ILogger logger, string path);

    [LoggerMessage(1051, LogLevel.Information, "History: in memory only, lost when the server stops (ActorChat:History:Provider=memory)")]
    public static partial void HistoryInMemory(this ILogger logger);

    [LoggerMessage(1052, LogLevel.Warning, "History: SQLite file {Path} stays in journal mode {Mode}, the file system does not allow a write-ahead log: writes are slower")]
    public static partial void HistoryNotWal(this ILogger logger, string path, string mode);

    [LoggerMessage(1053, LogLevel.Information, "History: PostgreSQL {Version} at {Host}:{Port}, database {Database} as {Username}, at most {MaxPoolSize} connections from this server")]
    public static partial void HistoryInPostgreSql(this ILogger logger, string host, int port, string database, string username, string version, int maxPoolSize);

    [LoggerMessage(1054, LogLevel.Warning, "History: PostgreSQL {Version} at {Host}:{Port}, database {Database} as {Username}, without a connection pool (Pooling=false): every journal and snapshot operation opens a connection of its own")]
    public static partial void HistoryInPostgreSqlUnpooled(this ILogger logger, string host, int port, string database, string username, string version);
}
