using System.Globalization;
using Npgsql;

namespace ActorChat.Tests;

/// <summary>
/// A PostgreSQL database of its own for one test, created on the server named by
/// <c>ACTORCHAT_TEST_POSTGRES</c> (which <c>scripts/with-postgres.sh</c>, run by
/// <c>scripts/test.sh</c>, sets up) and dropped when disposed. Without that server a test using
/// this fails, saying how to get one: a test of the PostgreSQL history never passes by skipping.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    /// <summary>An Npgsql connection string for a role that may create databases.</summary>
    public const string Variable = "ACTORCHAT_TEST_POSTGRES";

    private const string HowTo =
        "The PostgreSQL history tests need a PostgreSQL server: run them through `bash scripts/test.sh`, or " +
        "`bash scripts/with-postgres.sh dotnet test <project> -c Release --no-build`, which (as root or with sudo) " +
        "installs Debian's postgresql when missing (apt-get install -y postgresql), starts its cluster " +
        "(pg_ctlcluster <version> main start), creates a throwaway role and database and sets " + Variable +
        " to them; or set " + Variable + " yourself to an Npgsql connection string of a role with CREATEDB, " +
        "e.g. Host=127.0.0.1;Port=5432;Database=actorchat_test;Username=actorchat_test;Password=secret.";

    private readonly string _admin;

    private TestPostgres(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>
    /// An Npgsql connection string for the database, as a user would write one: host, port,
    /// database, user and password, nothing else (so no <c>Maximum Pool Size</c>).
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>Creates an empty database; fails the test, saying how to get a server, when there is none.</summary>
    public static async Task<TestPostgres> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            Assert.Fail($"{Variable} is not set. {HowTo}");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(admin);
        }
        catch (ArgumentException e)
        {
            Assert.Fail($"{Variable} is not an Npgsql connection string ({e.Message}). {HowTo}");
            throw;
        }

        // Our own pool, apart from the server's under test, and small: the tests share the server.
        builder.MaxPoolSize = 2;
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e)
        {
            Assert.Fail($"Cannot create a test database on {builder.Host}:{builder.Port} as {builder.Username} ({e.Message}). {HowTo}");
        }

        var database = new NpgsqlConnectionStringBuilder
        {
            Host = builder.Host,
            Port = builder.Port,
            Database = name,
            Username = builder.Username,
            Password = builder.Password,
        };
        return new TestPostgres(builder.ConnectionString, name, database.ConnectionString);
    }

    /// <summary>Runs <paramref name="sql"/> in the database on a connection of its own and returns the first column of the first row.</summary>
    public async Task<object?> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(await QueryAsync(sql, parameters), CultureInfo.InvariantCulture);

    /// <summary>How many connections to this database the server has open now, from anyone.</summary>
    public Task<long> ConnectionsAsync() =>
        CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", ("name", Name));

    public async ValueTask DisposeAsync()
    {
        // FORCE: connections the server under test left idle in its pool end with the database.
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
