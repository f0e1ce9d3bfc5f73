using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorChat.History;

/// <summary>
/// Where rooms keep their history and for how long: the <c>ActorChat:History</c> settings section
/// (bound and range-checked by the host with the other settings; <see cref="FindProblem"/> holds
/// the rules a range cannot say). The defaults here are repeated in the host's appsettings.json.
/// </summary>
public sealed partial class HistoryOptions
{
    /// <summary>The <see cref="Provider"/> for an SQLite file (the default).</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The <see cref="Provider"/> that keeps history in memory only: lost when the server stops.</summary>
    public const string Memory = "memory";

    /// <summary>The <see cref="Provider"/> for a PostgreSQL database, which several servers can share.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>
    /// The most connections one server opens to PostgreSQL when <see cref="ConnectionString"/> sets
    /// no <c>Maximum Pool Size</c>. Npgsql's own default is 100, which is PostgreSQL's default
    /// <c>max_connections</c> (100, three of them reserved for superusers): one busy server could
    /// take every slot, and several servers sharing the database (a cluster) would be refused
    /// connections. 20 per server leaves room for four servers and an administrator; the journal,
    /// the snapshot store and history queries share them (one pool, as they use one connection
    /// string), and a room that finds them all busy waits for one (up to Npgsql's <c>Timeout</c>).
    /// </summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>The example every PostgreSQL connection string rule shows.</summary>
    internal const string PostgreSqlExample = "e.g. Host=127.0.0.1;Database=actorchat;Username=actorchat;Password=secret";

    /// <summary>
    /// <c>sqlite</c>: one SQLite file (<see cref="ConnectionString"/>), created with its folder on
    /// start. <c>postgresql</c>: a PostgreSQL database (15 or newer), whose tables are created on
    /// start. <c>memory</c>: nothing written anywhere, history lost when the server stops (tests,
    /// or people who want no file). Case-insensitive.
    /// </summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// For <c>sqlite</c>, the SQLite connection string (Microsoft.Data.Sqlite keywords); a relative
    /// <c>Data Source</c> is relative to the working directory the server was started in. For
    /// <c>postgresql</c>, an Npgsql connection string (<c>Host</c>, <c>Port</c>, <c>Database</c>,
    /// <c>Username</c>, <c>Password</c>, …); without <c>Maximum Pool Size</c> the pool is capped
    /// at <see cref="DefaultMaxPoolSize"/>.
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=data/actorchat.db";

    /// <summary>The most messages a room keeps; older ones are deleted.</summary>
    [Range(1, 1_000_000_000)]
    public int MaxMessagesPerRoom { get; set; } = 10_000;

    /// <summary>How long a room keeps a message; older ones are deleted. A bare number means days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "36500.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a deleted message's text may stay in the database (PROTOCOL-V1.1 Part B): rooms
    /// purge their deletions' journal rows (and replace the snapshots that held them) every half of
    /// it. A bare number means days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PurgeAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>True when history goes to an SQLite file.</summary>
    public bool IsSqlite => string.Equals(Provider.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when history is kept in memory only.</summary>
    public bool IsMemory => string.Equals(Provider.Trim(), Memory, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when history goes to a PostgreSQL database.</summary>
    public bool IsPostgreSql => string.Equals(Provider.Trim(), PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <see cref="ConnectionString"/> as given, with the value of every <c>Password</c> (or its
    /// synonyms <c>Pwd</c>, <c>Psw</c>) replaced by <c>***</c>: what a refusal or a log line may show.
    /// </summary>
    public string ShownConnectionString => HidePasswords(ConnectionString);

    /// <summary>
    /// The first rule <see cref="Provider"/> or <see cref="ConnectionString"/> breaks, as the
    /// setting's name in this section and the rule; null when both can be used. (Ranges are the
    /// host's <c>[Range]</c> check.)
    /// </summary>
    public (string Setting, string Rule)? FindProblem()
    {
        if (!IsSqlite && !IsMemory && !IsPostgreSql)
        {
            return (nameof(Provider), $"must be {Sqlite} (a file, the default), {PostgreSql} (a database server) or {Memory} (nothing kept after a restart)");
        }

        // Memory ignores the connection string.
        var rule = IsMemory ? null : IsPostgreSql ? FindPostgreSqlProblem(ConnectionString) : FindSqliteProblem(ConnectionString);
        return rule is null ? null : (nameof(ConnectionString), rule);
    }

    /// <summary>
    /// The keywords <paramref name="connectionString"/> sets, as Npgsql names them (<c>Server</c> is
    /// <c>Host</c>, <c>MAXPOOLSIZE</c> is <c>Maximum Pool Size</c>), so whether one was given can be
    /// told apart from its default.
    /// </summary>
    /// <exception cref="ArgumentException">Not an Npgsql connection string.</exception>
    internal static ISet<string> NpgsqlKeywords(string connectionString)
    {
        // Npgsql's builder writes back only what was set, under each keyword's canonical name.
        var canonical = new DbConnectionStringBuilder { ConnectionString = new NpgsqlConnectionStringBuilder(connectionString).ConnectionString };
        return new HashSet<string>(canonical.Keys.Cast<string>(), StringComparer.OrdinalIgnoreCase);
    }

    private static string? FindPostgreSqlProblem(string connectionString)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return $"must be an Npgsql connection string for {PostgreSql}, {PostgreSqlExample} ({e.Message})";
        }

        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            return $"must name the PostgreSQL server with Host, {PostgreSqlExample}";
        }

        // Connecting is ChatHistory.Open's check, when the server starts.
        return null;
    }

    private static string HidePasswords(string connectionString) =>
        PasswordValue().Replace(connectionString, match => $"{match.Groups["key"].Value}***");

    /// <summary>A password keyword at the start of an entry, and its value (quoted or up to the next <c>;</c>).</summary>
    [GeneratedRegex("""(?<key>(?:^|;)\s*(?:password|pwd|psw)\s*=\s*)(?:"(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordValue();

    private static string? FindSqliteProblem(string connectionString)
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
