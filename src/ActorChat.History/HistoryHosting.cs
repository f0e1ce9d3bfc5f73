using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorChat.History;

/// <summary>Akka.Hosting wiring of rooms' history.</summary>
public static class HistoryHosting
{
    /// <summary>
    /// Makes <paramref name="options"/>' store the default journal and snapshot store of the actor
    /// system, with <see cref="HistorySerializer"/> for what rooms persist. For SQLite it first
    /// creates the file's folder and puts the file in WAL mode, for PostgreSQL it connects once
    /// (<see cref="ChatHistory.Open"/>): call it inside <c>AddAkka</c>'s configuration callback,
    /// which runs when the actor system is created at start, before any persistent actor can open
    /// the store.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> breaks a rule of <see cref="HistoryOptions.FindProblem"/>.</exception>
    /// <exception cref="HistoryStoreException">The folder cannot be created, or the file opened or written; or PostgreSQL cannot be connected to or is too old.</exception>
    public static AkkaConfigurationBuilder WithChatHistory(this AkkaConfigurationBuilder builder, HistoryOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(logger);
        var store = ChatHistory.Open(options);
        if (store.PostgreSql is { } server)
        {
            if (server.MaxPoolSize is { } pool)
            {
                logger.HistoryInPostgreSql(server.Host, server.Port, server.Database, server.Username ?? "", server.Version, pool);
            }
            else
            {
                logger.HistoryInPostgreSqlUnpooled(server.Host, server.Port, server.Database, server.Username ?? "", server.Version);
            }
        }
        else if (store.DatabasePath is { } path)
        {
            if (store.IsWal)
            {
                logger.HistoryInSqlite(path);
            }
            else
            {
                logger.HistoryNotWal(path, store.JournalMode ?? "");
            }
        }
        else
        {
            logger.HistoryInMemory();
        }

        // Appended, as a fallback: HOCON added before this call (the server's hocon/actorchat.hocon)
        // keeps the last word, e.g. on a tuned akka.persistence.journal.sql.batch-size.
        return builder.AddHocon(ChatHistory.Config(store), HoconAddMode.Append);
    }
}
