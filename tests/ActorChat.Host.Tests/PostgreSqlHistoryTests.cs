using ActorChat.History;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>ActorChat:History:Provider=postgresql</c> in the server: the connection string is checked
/// with the other settings and never shown with its password, a database that cannot be connected
/// to stops the start with one line and exit code 2, and a server on a real PostgreSQL (a database
/// of its own, see <see cref="TestPostgres"/>) chats and keeps its history across a restart.
/// </summary>
public sealed class PostgreSqlHistoryTests(ITestOutputHelper output)
{
    private const string PostgreSql = "--ActorChat:History:Provider=postgresql";
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    [Fact]
    public void A_connection_string_that_is_not_one_for_npgsql_is_refused_with_the_drivers_reason_and_without_its_password()
    {
        // The SQLite default, left in place when only the provider was changed.
        var sqlite = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder([PostgreSql]));
        Assert.Equal("ActorChat:History:ConnectionString", sqlite.Setting);
        Assert.Equal("Data Source=data/actorchat.db", sqlite.Value);
        Assert.StartsWith("must be an Npgsql connection string for postgresql, e.g. Host=127.0.0.1;Database=actorchat;Username=actorchat;Password=secret (", sqlite.Rule, StringComparison.Ordinal);
        Assert.Contains("data source", sqlite.Rule, StringComparison.OrdinalIgnoreCase);

        // A keyword Npgsql does not know: named, and the password still hidden (each spelling of it).
        foreach (var password in new[] { "Password=hunter2", "pwd = 'hunter2;x'", "PSW=\"hunter2\"" })
        {
            var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder([PostgreSql, $"--ActorChat:History:ConnectionString=Host=db;{password};Colour=blue"]));
            Assert.Contains("colour", invalid.Rule, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("hunter2", invalid.Message, StringComparison.Ordinal);
            Assert.Contains("***;Colour=blue", invalid.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_provider_in_any_case_is_accepted_and_reading_the_settings_and_building_the_server_connect_to_nothing()
    {
        // Nothing listens on port 1: building must not try.
        await using var app = ChatServer.CreateBuilder(["--ActorChat:History:Provider=PostgreSQL", "--ActorChat:History:ConnectionString=Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=hunter2"]).Build();

        var history = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.History;
        Assert.True(history.IsPostgreSql);
        Assert.False(history.IsSqlite);
        Assert.Equal("Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=***", history.ShownConnectionString);
    }

    [Fact]
    public async Task A_database_that_cannot_be_connected_to_stops_the_start_with_one_line_naming_it_without_the_password_and_exit_code_2()
    {
        const string Given = "Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=hunter2;Timeout=5";
        await using (var app = ChatServer.CreateBuilder([PostgreSql, $"--ActorChat:History:ConnectionString={Given}"]).Build())
        {
            var invalid = Assert.Throws<InvalidSettingsException>(() => app.UseActorChat());
            Assert.Equal("ActorChat:History:ConnectionString", invalid.Setting);
            Assert.Equal("Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=***;Timeout=5", invalid.Value);
            Assert.StartsWith("cannot connect to PostgreSQL at 127.0.0.1:1/chat as chat (", invalid.Rule, StringComparison.Ordinal);
        }

        // The real process: one line on stderr, no stack trace, no password, exit code 2.
        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "--urls", "http://127.0.0.1:0", PostgreSql, $"--ActorChat:History:ConnectionString={Given}");
        Assert.True(exited.ExitCode == InvalidSettingsException.ExitCode, exited.ToString());
        var line = Assert.Single(exited.Stderr);
        Assert.StartsWith("ActorChat:History:ConnectionString = Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=***;Timeout=5: cannot connect to PostgreSQL at 127.0.0.1:1/chat as chat (", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", string.Join('\n', exited.Stdout.Concat(exited.Stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_on_postgresql_chats_and_a_new_server_on_the_same_database_keeps_the_history_in_the_same_epoch_and_offsets_go_on()
    {
        await using var db = await TestPostgres.CreateAsync();
        string[] settings = [PostgreSql, $"--ActorChat:History:ConnectionString={db.ConnectionString}"];
        var password = new NpgsqlConnectionStringBuilder(db.ConnectionString).Password!;
        string epoch;
        string token;
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs, settings))
        {
            var config = server.App.Services.GetRequiredService<ActorSystem>().Settings.Config;
            Assert.Equal(ChatHistory.SqlJournalId, config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
            Assert.Contains(logs.Entries, e => e.EventId == 1053 && e.Message.Contains($"database {db.Name}", StringComparison.Ordinal) && e.Message.Contains("at most 20 connections", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(password, StringComparison.Ordinal));

            // The original protocol in the lobby and actorchat.v1 in a room of its own.
            await using var alice = await server.JoinAsync("alice");
            await using var bob = await server.JoinAsync("bob");
            await alice.SayAsync("alice", "hello from the lobby");
            await bob.ExpectMessageAsync("alice", "hello from the lobby");

            await using var kim = await V1Client.HelloAsync(server.WebSocket, "kim");
            token = kim.Session!;
            epoch = (await kim.JoinAsync("durable")).Position().Epoch;
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(i, await kim.SendAsync("durable", $"m{i}", cid: $"c{i}"));
            }
        }

        Assert.True(await db.CountAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-durable' AND manifest = 'pst2'") == 3, "The room's three messages are not in the journal table.");
        await using (var server = await TestServer.StartAsync(output, settings))
        {
            // The session is kept on PostgreSQL too: whether it ended with the first server's stop
            // (its clean close) or not, "kim" with its token is kim again.
            await using var kim = await V1Client.ConnectAsync(server.WebSocket, "kim");
            Assert.Equal("kim", (await kim.HelloAsync("kim", token)).Payload().Str("name"));
            var joined = await kim.JoinAsync("durable", since: (epoch, 0));
            Assert.Equal((epoch, 3L), joined.Position());
            var messages = joined.Payload().GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal([1L, 2, 3], messages.Offsets());
            Assert.Equal(["m1", "m2", "m3"], messages.Select(m => m.Str("text")));

            // Offsets go on from the stored ones.
            Assert.Equal(4, await kim.SendAsync("durable", "m4", cid: "c4"));

            var lobby = await kim.JoinAsync("lobby");
            Assert.Contains(lobby.Payload().GetProperty("messages").EnumerateArray(), m => m.Str("text") == "hello from the lobby" && m.Str("from") == "alice");
        }
    }
}
