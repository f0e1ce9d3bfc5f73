using System.Globalization;
using Npgsql;

namespace ActorChat.LoadGen.Servers;

/// <summary>
/// The PostgreSQL database of one started server (<c>actorchat-pg</c>, <c>actorchat-cluster3</c>):
/// every start begins empty. From the connection string in <c>ACTORCHAT_BENCH_POSTGRES</c> (or
/// <c>ACTORCHAT_TEST_POSTGRES</c>, which <c>scripts/with-postgres.sh</c> exports) it creates a fresh
/// database per start and drops it when the server stops; a role that may not create databases gets
/// the given database with every table of its schema truncated instead.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    public const string BenchVariable = "ACTORCHAT_BENCH_POSTGRES";
    public const string TestVariable = "ACTORCHAT_TEST_POSTGRES";

    /// <summary>The one-line how-to printed when no database is configured.</summary>
    public const string HowTo =
        $"actorchat-pg and actorchat-cluster3 need PostgreSQL 15+: set {BenchVariable} to an Npgsql connection string " +
        "(a role that may CREATE DATABASE), or run under scripts/with-postgres.sh, e.g. " +
        "`bash scripts/with-postgres.sh bench/run.sh --servers actorchat-pg,actorchat-cluster3 --protocol v1 --quick`";

    private static int s_count;
    private readonly string _admin;
    private readonly string? _created;

    private PostgresDatabase(string admin, string connectionString, string? created)
    {
        _admin = admin;
        ConnectionString = connectionString;
        _created = created;
    }

    /// <summary>The connection string the server gets (its own database).</summary>
    public string ConnectionString { get; }

    /// <summary>How the database was made empty, for the log.</summary>
    public string Description => _created is not null
        ? $"fresh database {_created}"
        : $"database {new NpgsqlConnectionStringBuilder(ConnectionString).Database} (tables truncated: no CREATEDB)";

    /// <summary>The configured connection string, or null.</summary>
    public static string? Configured() =>
        Environment.GetEnvironmentVariable(BenchVariable) is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable(TestVariable) is { Length: > 0 } test ? test
        : null;

    public static async Task<PostgresDatabase> CreateAsync(string label, CancellationToken cancellationToken)
    {
        var configured = Configured() ?? throw new InvalidOperationException(HowTo);
        var builder = new NpgsqlConnectionStringBuilder(configured);
        var name = string.Create(CultureInfo.InvariantCulture, $"{builder.Database ?? "actorchat"}_{label}_{Environment.ProcessId}_{Interlocked.Increment(ref s_count)}")
            .Replace('-', '_')
            .ToLowerInvariant();
        if (name.Length > 63)
        {
            name = name[^63..]; // PostgreSQL's identifier limit; the tail keeps the unique part
        }

        await using (var connection = new NpgsqlConnection(configured))
        {
            await connection.OpenAsync(cancellationToken);
            try
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
                builder.Database = name;
                return new PostgresDatabase(configured, builder.ConnectionString, name);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // no CREATEDB: empty the configured database instead (every table of the search path's schema)
                await using var truncate = new NpgsqlCommand(
                    """
                    DO $$ DECLARE t text; BEGIN
                      FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema() LOOP
                        EXECUTE 'TRUNCATE TABLE ' || t || ' CASCADE';
                      END LOOP;
                    END $$;
                    """,
                    connection);
                await truncate.ExecuteNonQueryAsync(cancellationToken);
                return new PostgresDatabase(configured, configured, null);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_created is null)
        {
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_created}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // left behind: scripts/with-postgres.sh drops every database of its role at the end
        }
    }
}
