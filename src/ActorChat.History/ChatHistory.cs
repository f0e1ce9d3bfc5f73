using System.Globalization;
using System.Text;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

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
/// <c>SnapshotPluginId</c> empty and gets the store configured for the server. With SQLite the
/// events and snapshots go through <see cref="HistorySerializer"/>.
/// </remarks>
public static class ChatHistory
{
    /// <summary>The journal every persistent actor uses when <see cref="HistoryOptions.Provider"/> is <c>sqlite</c>.</summary>
    public const string SqliteJournalId = SqlPersistence.JournalConfigPath;

    /// <summary>The snapshot store every persistent actor uses when the provider is <c>sqlite</c>.</summary>
    public const string SqliteSnapshotStoreId = SqlPersistence.SnapshotStoreConfigPath;

    /// <summary>
    /// The read journal for Akka.Persistence.Query (e.g. <c>CurrentEventsByPersistenceId</c>, to read
    /// older history without replaying it into an actor), configured for <c>sqlite</c> only.
    /// </summary>
    public const string SqliteQueryJournalId = SqlPersistence.QueryConfigPath;

    /// <summary>Akka's in-memory journal, used when the provider is <c>memory</c>.</summary>
    public const string MemoryJournalId = "akka.persistence.journal.inmem";

    /// <summary>Akka's in-memory snapshot store, used when the provider is <c>memory</c>.</summary>
    public const string MemorySnapshotStoreId = "akka.persistence.snapshot-store.inmem";

    /// <summary>linq2db's provider for Microsoft.Data.Sqlite.</summary>
    public const string SqliteProviderName = LinqToDB.ProviderName.SQLiteMS;

    /// <summary>
    /// <see cref="HistorySerializer"/> and the types it stores. Part of both providers' config, so
    /// a persisted type has the same serializer whichever store is behind it.
    /// </summary>
    public static Config SerializationConfig { get; } = ConfigurationFactory.ParseString(
        $$"""
        akka.actor {
          serializers {
            {{HistorySerializer.Name}} = "{{typeof(HistorySerializer).FullName}}, {{typeof(HistorySerializer).Assembly.GetName().Name}}"
          }
          serialization-bindings {
            "{{typeof(Protocol.ChatMessage).FullName}}, {{typeof(Protocol.ChatMessage).Assembly.GetName().Name}}" = {{HistorySerializer.Name}}
            "{{typeof(Protocol.StreamPosition).FullName}}, {{typeof(Protocol.StreamPosition).Assembly.GetName().Name}}" = {{HistorySerializer.Name}}
            "{{typeof(Actors.Rooms.RoomEvent).FullName}}, {{typeof(Actors.Rooms.RoomEvent).Assembly.GetName().Name}}" = {{HistorySerializer.Name}}
            "{{typeof(Actors.Rooms.RoomSnapshot).FullName}}, {{typeof(Actors.Rooms.RoomSnapshot).Assembly.GetName().Name}}" = {{HistorySerializer.Name}}
          }
        }
        """);

    /// <summary>
    /// Gets the store ready before anything opens it. For <c>sqlite</c>: resolves the file against
    /// the working directory, creates its folder, and switches the database to write-ahead logging
    /// (WAL), which SQLite records in the file, so it is done once here rather than on every
    /// connection the plugin opens. For <c>memory</c>: nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> breaks a rule of <see cref="HistoryOptions.FindProblem"/>.</exception>
    /// <exception cref="HistoryStoreException">The folder cannot be created, or the file opened or written.</exception>
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
        var provider = Quote(SqliteProviderName);
        return ConfigurationFactory.ParseString(
            $$"""
            akka.persistence {
              journal {
                plugin = "{{SqliteJournalId}}"
                sql {
                  connection-string = {{connection}}
                  provider-name = {{provider}}

                  # SQLite takes one write transaction at a time: more writers only wait on its lock
                  # (measured here: WAL and one writer ~4x the plugin's default of 3 writers).
                  parallelism = 1

                  auto-initialize = true

                  # Every payload through HistorySerializer: a type it has no format for is
                  # rejected at Persist instead of being stored as Newtonsoft JSON.
                  serializer = {{HistorySerializer.Name}}
                }
              }
              snapshot-store {
                plugin = "{{SqliteSnapshotStoreId}}"
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
                write-plugin = "{{SqliteJournalId}}"
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
/// <param name="Provider"><see cref="HistoryOptions.Sqlite"/> or <see cref="HistoryOptions.Memory"/>.</param>
/// <param name="ConnectionString">For SQLite: the connection string with the file's absolute path.</param>
/// <param name="DatabasePath">For SQLite: the file's absolute path.</param>
/// <param name="JournalMode">For SQLite: the journal mode in force (<c>wal</c> unless the file system refused it).</param>
/// <param name="SnapshotConnectionString">For SQLite: the snapshot file's connection string (<see cref="ChatHistory.SnapshotPath"/>).</param>
public sealed record HistoryStore(string Provider, string? ConnectionString, string? DatabasePath, string? JournalMode, string? SnapshotConnectionString = null)
{
    /// <summary>True when the SQLite file is in write-ahead-log mode.</summary>
    public bool IsWal => string.Equals(JournalMode, "wal", StringComparison.OrdinalIgnoreCase);
}
