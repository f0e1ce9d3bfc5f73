using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorChat.History;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>
/// The <c>ActorChat:History</c> settings: checked at start like every other setting, and wired to
/// the actor system's journal (an SQLite file by default, created with its folder at start).
/// </summary>
public sealed partial class HistorySettingsTests(ITestOutputHelper output) : IDisposable
{
    private const string DurationNote = " (a duration is hh:mm:ss[.fff]; a bare number means days)";
    private const string Providers = "sqlite (a file, the default), postgresql (a database server) or memory (nothing kept after a restart)";
    private const string PostgreSqlExample = "e.g. Host=127.0.0.1;Database=actorchat;Username=actorchat;Password=secret";
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("actorchat-host-history-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string[], string> BadSettings => new()
    {
        { ["--ActorChat:History:Provider=postgresql", "--ActorChat:History:ConnectionString=Database=chat;Username=chat;Password=hunter2"], $"ActorChat:History:ConnectionString = Database=chat;Username=chat;Password=***: must name the PostgreSQL server with Host, {PostgreSqlExample}" },
        { ["--ActorChat:History:Provider=mongodb"], $"ActorChat:History:Provider = mongodb: must be {Providers}" },
        { ["--ActorChat:History:Provider="], $"ActorChat:History:Provider = (empty): must be {Providers}" },
        { ["--ActorChat:History:ConnectionString=Data Source=:memory:"], "ActorChat:History:ConnectionString = Data Source=:memory:: names an in-memory database: set ActorChat:History:Provider=memory for history kept in memory, or name a file, e.g. Data Source=data/actorchat.db" },
        { ["--ActorChat:History:ConnectionString=Data Source=chat;Mode=Memory"], "ActorChat:History:ConnectionString = Data Source=chat;Mode=Memory: names an in-memory database: set ActorChat:History:Provider=memory for history kept in memory, or name a file, e.g. Data Source=data/actorchat.db" },
        { ["--ActorChat:History:ConnectionString=Cache=Shared"], "ActorChat:History:ConnectionString = Cache=Shared: must name the database file with Data Source, e.g. Data Source=data/actorchat.db" },
        { ["--ActorChat:History:ConnectionString=Data Source=file:chat.db"], "ActorChat:History:ConnectionString = Data Source=file:chat.db: must name the database file as a path, not a file: URI, e.g. Data Source=data/actorchat.db" },
        { ["--ActorChat:History:ConnectionString=Data Source=chat.db;Mode=ReadOnly"], "ActorChat:History:ConnectionString = Data Source=chat.db;Mode=ReadOnly: opens the database read-only: history must be written (leave Mode out)" },
        { ["--ActorChat:History:MaxMessagesPerRoom=0"], "ActorChat:History:MaxMessagesPerRoom = 0: must be between 1 and 1000000000" },
        { ["--ActorChat:History:MaxMessagesPerRoom=many"], "ActorChat:History:MaxMessagesPerRoom = many: must be a whole number" },
        { ["--ActorChat:History:MaxAge=00:00:30"], "ActorChat:History:MaxAge = 00:00:30: must be between 00:01:00 and 36500.00:00:00" + DurationNote },
        { ["--ActorChat:History:MaxAge=40000"], "ActorChat:History:MaxAge = 40000 (read as 40000.00:00:00): must be between 00:01:00 and 36500.00:00:00" + DurationNote },
        { ["--ActorChat:History:MaxAge=30d"], "ActorChat:History:MaxAge = 30d: must be a duration hh:mm:ss[.fff], e.g. 00:00:15" },
        { ["--ActorChat:History:PurgeAfter=00:00:00.500"], "ActorChat:History:PurgeAfter = 00:00:00.500 (read as 00:00:00.5): must be between 00:00:01 and 30.00:00:00" + DurationNote },
        { ["--ActorChat:History:PurgeAfter=31"], "ActorChat:History:PurgeAfter = 31 (read as 31.00:00:00): must be between 00:00:01 and 30.00:00:00" + DurationNote },
        { ["--ActorChat:History=memory"], "ActorChat:History = memory: is a section: set its entries, e.g. ActorChat:History:Provider" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_history_setting_stops_the_start_with_one_line_naming_the_setting_the_value_and_the_rule(string[] args, string line)
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(args));

        Assert.Equal(line, invalid.Message);
    }

    [Fact]
    public void A_connection_string_that_is_not_one_for_sqlite_is_refused_with_the_drivers_reason()
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--ActorChat:History:ConnectionString=Server=db.example.com;Database=chat"]));

        Assert.Equal("ActorChat:History:ConnectionString", invalid.Setting);
        Assert.StartsWith("must be an SQLite connection string, e.g. Data Source=data/actorchat.db (", invalid.Rule, StringComparison.Ordinal);
        Assert.Contains("server", invalid.Rule, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_misspelt_history_setting_is_refused_rather_than_ignored()
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--ActorChat:History:Provder=memory"]));

        Assert.Equal("ActorChat:History:Provder = memory: no such setting (the settings in ActorChat:History are Provider, ConnectionString, MaxMessagesPerRoom, MaxAge, PurgeAfter)", invalid.Message);
    }

    [Fact]
    public async Task Values_at_the_edges_are_accepted_the_provider_in_any_case_and_a_memory_history_ignores_the_connection_string()
    {
        var builder = ChatServer.CreateBuilder(
        [
            "--ActorChat:History:Provider=MEMORY",
            "--ActorChat:History:ConnectionString=Data Source=:memory:",
            "--ActorChat:History:MaxMessagesPerRoom=1",
            "--ActorChat:History:MaxAge=7",
            "--ActorChat:History:PurgeAfter=00:00:01",
        ]);
        await using var app = builder.Build();

        var history = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.History;
        Assert.True(history.IsMemory);
        Assert.Equal(1, history.MaxMessagesPerRoom);
        Assert.Equal(TimeSpan.FromDays(7), history.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(1), history.PurgeAfter);
        Assert.Equal(TimeSpan.FromSeconds(1), app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.RoomSettings().PurgeAfter);

        // The upper edges, and a connection string with more than a file.
        var upper = ChatServer.CreateBuilder(["--ActorChat:History:MaxAge=36500", "--ActorChat:History:PurgeAfter=30", "--ActorChat:History:MaxMessagesPerRoom=1000000000", "--ActorChat:History:ConnectionString=Data Source=/var/lib/actorchat/h.db;Default Timeout=60"]);
        Assert.NotNull(upper);
        Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--ActorChat:History:MaxAge=36500.00:00:01"]));
    }

    [Fact]
    public async Task Reading_the_settings_and_building_the_server_create_no_file()
    {
        var path = Path.Combine(_folder, "data", "actorchat.db");

        await using (var app = ChatServer.CreateBuilder([$"--ActorChat:History:ConnectionString=Data Source={path}"]).Build())
        {
            Assert.True(app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.History.IsSqlite);
        }

        Assert.False(Directory.Exists(Path.GetDirectoryName(path)), "The history folder was created before the server started.");
    }

    [Fact]
    public async Task A_history_file_that_cannot_be_created_stops_the_start_with_one_line_naming_the_setting()
    {
        var blocker = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var setting = $"--ActorChat:History:ConnectionString=Data Source={blocker}/actorchat.db";

        await using (var app = ChatServer.CreateBuilder([setting]).Build())
        {
            var invalid = Assert.Throws<InvalidSettingsException>(() => app.UseActorChat());
            Assert.Equal("ActorChat:History:ConnectionString", invalid.Setting);
            Assert.StartsWith($"cannot create the folder {blocker} (", invalid.Rule, StringComparison.Ordinal);
        }

        await using (var app = ChatServer.CreateBuilder([$"--ActorChat:History:ConnectionString=Data Source={_folder}"]).Build())
        {
            var invalid = Assert.Throws<InvalidSettingsException>(() => app.UseActorChat());
            Assert.StartsWith($"cannot open or write {_folder} (SQLite Error", invalid.Rule, StringComparison.Ordinal);
        }

        // The real process: one line on stderr, no stack trace, exit code 2.
        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "--urls", "http://127.0.0.1:0", "--ActorChat:History:Provider=sqlite", setting);
        Assert.True(exited.ExitCode == InvalidSettingsException.ExitCode, exited.ToString());
        var line = Assert.Single(exited.Stderr);
        Assert.StartsWith($"ActorChat:History:ConnectionString = Data Source={blocker}/actorchat.db: cannot create the folder {blocker} (", line, StringComparison.Ordinal);
        Assert.True(exited.Stdout.Count == 0, exited.ToString());
    }

    [Fact]
    public async Task Test_servers_keep_history_in_memory_unless_a_test_says_otherwise()
    {
        await using var server = await TestServer.StartAsync();

        var config = server.App.Services.GetRequiredService<ActorSystem>().Settings.Config;
        Assert.Equal(ChatHistory.MemoryJournalId, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(ChatHistory.MemorySnapshotStoreId, config.GetString("akka.persistence.snapshot-store.plugin"));
    }

    [Fact]
    public async Task A_server_given_an_sqlite_file_creates_it_and_its_folder_at_start_in_WAL_mode_and_chats_as_before()
    {
        var path = Path.Combine(_folder, "nested", "actorchat.db");
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs, "--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={path}"))
        {
            Assert.True(File.Exists(path), $"{path} was not created at start");
            Assert.Equal("wal", JournalMode(path));
            Assert.Contains(logs.Entries, e => e.EventId == 1050 && e.Message.Contains(path, StringComparison.Ordinal));
            var config = server.App.Services.GetRequiredService<ActorSystem>().Settings.Config;
            Assert.Equal(ChatHistory.SqliteJournalId, config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal(ChatHistory.SqliteSnapshotStoreId, config.GetString("akka.persistence.snapshot-store.plugin"));

            await using var alice = await server.JoinAsync("alice");
            await using var bob = await server.JoinAsync("bob");
            await alice.ExpectAsync("chat-join");
            await alice.SayAsync("alice", "hello");
            await alice.ExpectMessageAsync("alice", "hello");
            await bob.ExpectMessageAsync("alice", "hello");
        }

        Assert.Equal("wal", JournalMode(path));
    }

    /// <summary>
    /// README's run command with no settings: history goes to <c>data/actorchat.db</c> under the
    /// directory the server was started in, created at start.
    /// </summary>
    [Fact]
    public async Task Started_with_its_defaults_the_server_keeps_history_in_data_actorchat_db_under_its_working_directory()
    {
        var start = ServerProcess.StartInfo("--urls", "http://127.0.0.1:0");
        start.Environment.Remove(ServerProcess.HistoryProviderVariable);
        start.WorkingDirectory = _folder;
        var path = Path.Combine(_folder, "data", "actorchat.db");

        await using (var server = await RunningServer.StartAsync(start, ProcessBound, output))
        {
            Assert.True(File.Exists(path), $"{path} was not created at start");
            Assert.Equal("wal", JournalMode(path));
            Assert.Contains(server.Log, l => l.Contains($"History: SQLite file {path}", StringComparison.Ordinal));
        }
    }

    private static string JournalMode(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        return (string)command.ExecuteScalar()!;
    }
}
