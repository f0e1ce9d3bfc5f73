using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;

namespace ActorChat.History;

/// <summary>
/// Where rooms keep their history and for how long: the <c>ActorChat:History</c> settings section
/// (bound and range-checked by the host with the other settings; <see cref="FindProblem"/> holds
/// the rules a range cannot say). The defaults here are repeated in the host's appsettings.json.
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>The <see cref="Provider"/> for an SQLite file (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The <see cref="Provider"/> that keeps history in memory only: lost when the server stops.</summary>
    public const string Memory = "memory";

    /// <summary>A <see cref="Provider"/> planned for later (a shared database for a cluster), refused for now.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>
    /// <c>sqlite</c>: one SQLite file (<see cref="ConnectionString"/>), created with its folder on
    /// start. <c>memory</c>: nothing written anywhere, history lost when the server stops (tests,
    /// or people who want no file). Case-insensitive.
    /// </summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// The SQLite connection string (Microsoft.Data.Sqlite keywords). A relative <c>Data Source</c>
    /// is relative to the working directory the server was started in.
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=data/actorchat.db";

    /// <summary>The most messages a room keeps; older ones are deleted.</summary>
    [Range(1, 1_000_000_000)]
    public int MaxMessagesPerRoom { get; set; } = 10_000;

    /// <summary>How long a room keeps a message; older ones are deleted. A bare number means days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "36500.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>True when history goes to an SQLite file.</summary>
    public bool IsSqlite => string.Equals(Provider.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when history is kept in memory only.</summary>
    public bool IsMemory => string.Equals(Provider.Trim(), Memory, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The first rule <see cref="Provider"/> or <see cref="ConnectionString"/> breaks, as the
    /// setting's name in this section and the rule; null when both can be used. (Ranges are the
    /// host's <c>[Range]</c> check.)
    /// </summary>
    public (string Setting, string Rule)? FindProblem()
    {
        if (string.Equals(Provider.Trim(), PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            return (nameof(Provider), $"{PostgreSql} is not available yet: use {Sqlite} (a file, the default) or {Memory} (nothing kept after a restart)");
        }

        if (!IsSqlite && !IsMemory)
        {
            return (nameof(Provider), $"must be {Sqlite} (a file, the default) or {Memory} (nothing kept after a restart)");
        }

        // The connection string means something only for a file; memory ignores it.
        return IsMemory ? null : FindConnectionStringProblem(ConnectionString) is { } rule ? (nameof(ConnectionString), rule) : null;
    }

    private static string? FindConnectionStringProblem(string connectionString)
    {
        SqliteConnectionStringBuilder parsed;
        try
        {
            parsed = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return $"must be an SQLite connection string, e.g. Data Source=data/actorchat.db ({e.Message})";
        }

        const string Example = "e.g. Data Source=data/actorchat.db";
        if (string.IsNullOrWhiteSpace(parsed.DataSource))
        {
            return $"must name the database file with Data Source, {Example}";
        }

        // The journal and the snapshot store each open their own connections: an in-memory database
        // would be a different, empty one on each, and gone at restart either way.
        if (parsed.Mode == SqliteOpenMode.Memory || parsed.DataSource.Trim() == ":memory:")
        {
            return $"names an in-memory database: set ActorChat:History:Provider={Memory} for history kept in memory, or name a file, {Example}";
        }

        if (parsed.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return $"must name the database file as a path, not a file: URI, {Example}";
        }

        if (parsed.Mode == SqliteOpenMode.ReadOnly)
        {
            return "opens the database read-only: history must be written (leave Mode out)";
        }

        return null;
    }
}
