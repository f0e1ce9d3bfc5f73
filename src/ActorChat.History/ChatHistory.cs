using System.Globalization;
using System.Text;
using ActorChat.Actors.Serialization;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorChat.History;

/// <summary>
/// The Akka.Persistence settings behind rooms' history: which journal and snapshot store every
/// persistent actor uses by default, and how what they persist is serialized.
/// <see cref="HistoryHosting.WithChatHistory"/> applies them to the server's actor system;
/// tests and benchmarks can build an actor system from <see cref="Open"/> and <see cref="Config"/>
/// directly.
/// </summary>
/// <remarks>
/// A persistent actor needs nothing from here: it leaves <c>JournalPluginId</c> and
/// <c>SnapshotPluginId</c> empty and gets the store configured for the server. With SQLite and
/// PostgreSQL (one plugin, Akka.Persistence.Sql, for both) the events and snapshots go through
/// <see cref="HistorySerializer"/>.
/// </remarks>
public static class ChatHistory
{
    /// <summary>
    /// The journal every persistent actor uses when <see cref="HistoryOptions.Provider"/> is
    /// <c>sqlite</c> or <c>postgresql</c>: Akka.Persistence.Sql's.
    /// </summary>
    public const string SqlJournalId = SqlPersistence.JournalConfigPath;

    /// <summary>The snapshot store every persistent actor uses when the provider is <c>sqlite</c> or <c>postgresql</c>.</summary>
    public const string SqlSnapshotStoreId = SqlPersistence.SnapshotStoreConfigPath;

    /// <summary>
    /// The read journal for Akka.Persistence.Query (e.g. <c>CurrentEventsByPersistenceId</c>, to read
    /// older history without replaying it into an actor), configured for <c>sqlite</c> and
    /// <c>postgresql</c>.
    /// </summary>
    public const string SqlQueryJournalId = SqlPersistence.QueryConfigPath;

    /// <summary>The journal when the provider is <c>sqlite</c> (<see cref="SqlJournalId"/>).</summary>
    public const string SqliteJournalId = SqlJournalId;

    /// <summary>The snapshot store when the provider is <c>sqlite</c> (<see cref="SqlSnapshotStoreId"/>).</summary>
    public const string SqliteSnapshotStoreId = SqlSnapshotStoreId;

    /// <summary>The read journal when the provider is <c>sqlite</c> (<see cref="SqlQueryJournalId"/>).</summary>
    public const string SqliteQueryJournalId = SqlQueryJournalId;

    /// <summary>Akka's in-memory journal, used when the provider is <c>memory</c>.</summary>
    public const string MemoryJournalId = "akka.persistence.journal.inmem";

    /// <summary>Akka's in-memory snapshot store, used when the provider is <c>memory</c>.</summary>
    public const string MemorySnapshotStoreId = "akka.persistence.snapshot-store.inmem";

    /// <summary>linq2db's provider for Microsoft.Data.Sqlite.</summary>
    public const string SqliteProviderName = LinqToDB.ProviderName.SQLiteMS;

    /// <summary>
    /// linq2db's provider for PostgreSQL 15 and newer over Npgsql (<c>PostgreSQL.15</c>), the SQL
    /// dialect of the oldest server version <see cref="Open"/> accepts.
    /// </summary>
    public const string PostgreSqlProviderName = LinqToDB.ProviderName.PostgreSQL15;

    /// <summary>The oldest PostgreSQL major version <see cref="Open"/> accepts (<see cref="PostgreSqlProviderName"/>'s).</summary>
    public const int MinPostgreSqlVersion = 15;

    /// <summary>What <see cref="HistorySerializer"/> writes: the rooms' events and snapshot, and the messages inside them (declared before <see cref="SerializationConfig"/>, which reads it as it is initialized).</summary>
    public static IReadOnlyList<Type> HistoryTypes { get; } =
        [typeof(Protocol.ChatMessage), typeof(Protocol.StreamPosition), typeof(Actors.Rooms.RoomEvent), typeof(Actors.Rooms.RoomSnapshot)];

    /// <summary>
    /// <see cref="HistorySerializer"/> and the types it stores, over every other ActorChat
    /// serializer (<see cref="ChatSerialization.Config"/>): one registration in one style, from the
    /// types themselves (ChatSerialization says why). Part of both providers' config, so a persisted
    /// type has the same serializer whichever store is behind it, and every actor system built on
    /// <see cref="Config(HistoryStore)"/> (the server's, the tests', the benchmarks') has them all.
    /// </summary>
    public static Config SerializationConfig { get; } = ConfigurationFactory.ParseString(ChatSerialization.Hocon(
    [
        (HistorySerializer.Name, typeof(HistorySerializer), HistoryTypes),
    ])).WithFallback(ChatSerialization.Config);

    /// <summary>
    /// Gets the store ready before anything opens it. For <c>sqlite</c>: resolves the file against
    /// the working directory, creates its folder, and switches the database to write-ahead logging
    /// (WAL), which SQLite records in the file, so it is done once here rather than on every
    /// connection the plugin opens. For <c>postgresql</c>: caps the connection pool (see
    /// <see cref="HistoryOptions.DefaultMaxPoolSize"/>) and connects once, so a server that cannot
    /// be reached, a refused login or a missing database stop the start rather than fail every
    /// room later. For <c>memory</c>: nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> breaks a rule of <see cref="HistoryOptions.FindProblem"/>.</exception>
    /// <exception cref="HistoryStoreException">The folder cannot be created, or the file opened or written; or PostgreSQL cannot be connected to, or is older than <see cref="MinPostgreSqlVersion"/>.</exception>
    public static HistoryStore Open(HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FindProblem() is { } problem)
        {
            throw new ArgumentException($"ActorChat:History:{problem.Setting}: {problem.Rule}", nameof(options));
        }

        if (options.IsMemory)
        {
            return new HistoryStore(HistoryOptions.Memory, null, null, null);
        }

        if (options.IsPostgreSql)
        {
            return OpenPostgreSql(options.ConnectionString);
        }

        // The plugin gets an absolute path: the file is where it was when the server started,
        // whatever the process's working directory becomes.
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        var path = Path.GetFullPath(builder.DataSource);
        builder.DataSource = path;
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new HistoryStoreException(path, $"cannot create the folder {folder} ({e.Message})", e);
            }
        }

        var mode = SwitchToWal(builder.ConnectionString, path);

        // Snapshots live in a file of their own. SQLite lets one transaction write a file at a
        // time, and a room's snapshot (its tail and kept-message index, megabytes) held the lock
        // long enough that journal writes got SQLITE_BUSY, which Microsoft.Data.Sqlite retries only
        // after sleeping 150 ms: every snapshot stalled every room's writes (measured: one room's
        // durable rate 4.1 k → 34.5 k msg/s, ack p99 147 → 3.4 ms, with the snapshots moved).
        var snapshots = new SqliteConnectionStringBuilder(builder.ConnectionString) { DataSource = SnapshotPath(path) };
        SwitchToWal(snapshots.ConnectionString, snapshots.DataSource);
        return new HistoryStore(HistoryOptions.Sqlite, builder.ConnectionString, path, mode, snapshots.ConnectionString);
    }

    /// <summary>The snapshot file beside the journal file <paramref name="path"/>: <c>actorchat.db</c> → <c>actorchat.snapshots.db</c>.</summary>
    public static string SnapshotPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + ".snapshots" + Path.GetExtension(path));

    /// <summary>Opens (creating) the file and switches it to WAL, which SQLite records in the file; returns the mode in force.</summary>
    private static string SwitchToWal(string connectionString, string path)
    {
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            string mode;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode=WAL;";

                // SQLite answers with the mode now in force: "wal", or the old one where WAL is not
                // possible (e.g. a file system without shared memory).
                mode = Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
            }

            // Closed, not kept in the pool: nothing of ours holds the file open besides the plugin.
            connection.Close();
            SqliteConnection.ClearPool(connection);
            return mode;
        }
        catch (SqliteException e)
        {
            throw new HistoryStoreException(path, $"cannot open or write {path} ({e.Message})", e);
        }
    }

    private static HistoryStore OpenPostgreSql(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!HistoryOptions.NpgsqlKeywords(connectionString).Contains("Maximum Pool Size"))
        {
            builder.MaxPoolSize = HistoryOptions.DefaultMaxPoolSize;
        }

        // Where, in the words of a refusal or a log line (never the password).
        var database = string.IsNullOrEmpty(builder.Database) ? builder.Username ?? "" : builder.Database;
        var where = $"{builder.Host}:{builder.Port}/{database}";
        string version;
        int majorVersion;
        try
        {
            // The one pool the plugin will use too (same connection string): this connection is
            // not wasted, and a login that works here works there.
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            version = connection.ServerVersion;
            majorVersion = connection.PostgreSqlVersion.Major;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            throw new HistoryStoreException(where, $"cannot connect to PostgreSQL at {where} as {builder.Username ?? "(no user)"} ({Reason(e)})", e);
        }

        if (majorVersion < MinPostgreSqlVersion)
        {
            throw new HistoryStoreException(where, $"PostgreSQL at {where} is version {version}: {MinPostgreSqlVersion} or newer is needed", null);
        }

        return new HistoryStore(HistoryOptions.PostgreSql, builder.ConnectionString, null, null)
        {
            PostgreSql = new PostgreSqlServer(builder.Host!, builder.Port, database, builder.Username, version, builder.Pooling ? builder.MaxPoolSize : null),
        };
    }

    /// <summary>The exception's message and its causes', as far as they add something (Npgsql's "Failed to connect" says no more than where).</summary>
    private static string Reason(Exception e)
    {
        var reasons = new List<string>();
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (!string.IsNullOrWhiteSpace(cause.Message) && !reasons.Contains(cause.Message))
            {
                reasons.Add(cause.Message.Trim());
            }
        }

        return string.Join(": ", reasons);
    }

    /// <summary>The Akka settings for <paramref name="store"/>: default journal, snapshot store and serialization.</summary>
    public static Config Config(HistoryStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Provider == HistoryOptions.Memory)
        {
            return ConfigurationFactory.ParseString(
                $"""
                akka.persistence {"{"}
                  journal.plugin = "{MemoryJournalId}"
                  snapshot-store.plugin = "{MemorySnapshotStoreId}"
                {"}"}
                """).WithFallback(SerializationConfig);
        }

        var connection = Quote(store.ConnectionString!);
        var snapshotConnection = Quote(store.SnapshotConnectionString ?? store.ConnectionString!);
        var isPostgreSql = store.Provider == HistoryOptions.PostgreSql;
        var provider = Quote(isPostgreSql ? PostgreSqlProviderName : SqliteProviderName);

        // SQLite takes one write transaction at a time: more writers only wait on its lock
        // (measured here: WAL and one writer ~4x the plugin's default of 3 writers). PostgreSQL
        // writes concurrently: the plugin's default (3 writers, each with a connection from the
        // pool) stands.
        var parallelism = isPostgreSql ? "" : "parallelism = 1";
        return ConfigurationFactory.ParseString(
            $$"""
            akka.persistence {
              journal {
                plugin = "{{SqlJournalId}}"
                sql {
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  {{parallelism}}

                  # The tables are created at start when missing (CREATE TABLE IF NOT EXISTS).
                  auto-initialize = true

                  # Every payload through HistorySerializer: a type it has no format for is
                  # rejected at Persist instead of being stored as Newtonsoft JSON.
                  serializer = {{HistorySerializer.Name}}
                }
              }
              snapshot-store {
                plugin = "{{SqlSnapshotStoreId}}"
                sql {
                  connection-string = {{snapshotConnection}}
                  provider-name = {{provider}}
                  auto-initialize = true
                  serializer = {{HistorySerializer.Name}}
                }
              }
              query.journal.sql {
                connection-string = {{connection}}
                provider-name = {{provider}}
                write-plugin = "{{SqlJournalId}}"
              }
            }
            """)
            .WithFallback(SerializationConfig)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>A HOCON quoted string: whatever the connection string holds stays one value.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }
}

/// <summary>A history store ready to use (<see cref="ChatHistory.Open"/>).</summary>
/// <param name="Provider"><see cref="HistoryOptions.Sqlite"/>, <see cref="HistoryOptions.PostgreSql"/> or <see cref="HistoryOptions.Memory"/>.</param>
/// <param name="ConnectionString">
/// For SQLite: the connection string with the file's absolute path. For PostgreSQL: the Npgsql
/// connection string with the pool cap (it holds the password: never log it).
/// </param>
/// <param name="DatabasePath">For SQLite: the file's absolute path.</param>
/// <param name="JournalMode">For SQLite: the journal mode in force (<c>wal</c> unless the file system refused it).</param>
/// <param name="SnapshotConnectionString">For SQLite: the snapshot file's connection string (<see cref="ChatHistory.SnapshotPath"/>).</param>
public sealed record HistoryStore(string Provider, string? ConnectionString, string? DatabasePath, string? JournalMode, string? SnapshotConnectionString = null)
{
    /// <summary>True when the SQLite file is in write-ahead-log mode.</summary>
    public bool IsWal => string.Equals(JournalMode, "wal", StringComparison.OrdinalIgnoreCase);

    /// <summary>For PostgreSQL: the server connected to at start.</summary>
    public PostgreSqlServer? PostgreSql { get; init; }
}

/// <summary>The PostgreSQL server a history store connected to at start (what its log line says).</summary>
/// <param name="Host">The host (or hosts) of the connection string.</param>
/// <param name="Port">The port.</param>
/// <param name="Database">The database (Npgsql's default: the user's name).</param>
/// <param name="Username">The user, if the connection string names one.</param>
/// <param name="Version">The server's version, e.g. <c>15.18</c>.</param>
/// <param name="MaxPoolSize">The most connections this server opens to it; null when pooling is off.</param>
public sealed record PostgreSqlServer(string Host, int Port, string Database, string? Username, string Version, int? MaxPoolSize);
