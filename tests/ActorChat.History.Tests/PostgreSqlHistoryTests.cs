using ActorChat.Protocol;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using Npgsql;
using static ActorChat.History.Tests.HistoryProbe;

namespace ActorChat.History.Tests;

/// <summary>
/// <c>ActorChat:History:Provider=postgresql</c> on a real PostgreSQL (a database of its own per
/// test, see <see cref="TestPostgres"/>), through the server's own wiring: batches persisted with
/// PersistAll survive the actor system, retention's snapshot-and-delete leaves recovery to the
/// snapshot, the connection pool is capped, and a server that cannot be connected to stops the start.
/// </summary>
public sealed class PostgreSqlHistoryTests : IAsyncLifetime
{
    private TestPostgres _db = null!;

    private HistoryOptions Options => new() { Provider = HistoryOptions.PostgreSql, ConnectionString = _db.ConnectionString };

    public async Task InitializeAsync() => _db = await TestPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [Fact]
    public async Task Batches_persisted_with_PersistAll_come_back_in_order_in_a_new_actor_system_on_the_same_database()
    {
        var sent = TestData.Messages("lobby", 1, 2345);
        await using (var first = await HistoryHost.StartAsync(Options))
        {
            var room = first.Probe("room-lobby");
            var at = 0;
            foreach (var size in new[] { 1, 10, 100, 3, 1000, 1231 })
            {
                var appended = await HistoryHost.AskAsync<Appended>(room, new Append(sent.GetRange(at, size)));
                at += size;
                Assert.Equal(at, appended.SequenceNr);
            }

            // Another room, so recovery must pick its own rows.
            await HistoryHost.AskAsync<Appended>(first.Probe("room-other"), new Append(TestData.Messages("other", 1, 7)));
        }

        // Recovery reads on past the plugin's replay batch (1000 rows per query).
        await using var second = await HistoryHost.StartAsync(Options);
        var recovered = await HistoryHost.AskAsync<State>(second.Probe("room-lobby"), GetState.Instance);

        TestData.AssertSameMessages(sent, recovered.Messages);
        Assert.Equal(2345, recovered.LastSequenceNr);
        Assert.Null(recovered.Snapshot);
        var other = await HistoryHost.AskAsync<State>(second.Probe("room-other"), GetState.Instance);
        TestData.AssertSameMessages(TestData.Messages("other", 1, 7), other.Messages);

        // Each row went through HistorySerializer, not Akka's JSON fallback.
        Assert.Equal(2352, await _db.CountAsync("SELECT COUNT(*) FROM journal"));
        Assert.Equal(2352, await _db.CountAsync("SELECT COUNT(*) FROM journal WHERE identifier = @id AND manifest = 'msg2'", ("id", HistorySerializer.SerializerId)));
    }

    [Fact]
    public async Task A_snapshot_and_the_journal_deleted_up_to_it_leave_recovery_to_the_snapshot_and_the_messages_after_it()
    {
        await using (var first = await HistoryHost.StartAsync(Options))
        {
            var room = first.Probe("room-lobby");
            await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 1, 25)));
            await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 26, 50)));
            Assert.Equal(new Trimmed(50), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
            Assert.Equal(55, (await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 51, 55)))).SequenceNr);

            // The rows are gone, not only marked: the plugin keeps the highest deleted row as the
            // marker of the sequence number.
            Assert.Equal(1, await _db.CountAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby' AND sequence_number <= 50"));
            Assert.Equal(5, await _db.CountAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby' AND sequence_number > 50 AND NOT deleted"));
            Assert.Equal(1, await _db.CountAsync("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'room-lobby'"));
        }

        await using (var second = await HistoryHost.StartAsync(Options))
        {
            var room = second.Probe("room-lobby");
            var recovered = await HistoryHost.AskAsync<State>(room, GetState.Instance);

            Assert.Equal(new StreamPosition(Trim.Epoch, 50), recovered.Snapshot);
            TestData.AssertSameMessages(TestData.Messages("lobby", 51, 55), recovered.Messages);
            Assert.Equal(55, recovered.LastSequenceNr);

            // Trimming again replaces the snapshot: the older one is deleted.
            Assert.Equal(new Trimmed(55), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
            Assert.Equal(1, await _db.CountAsync("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'room-lobby'"));
            Assert.Equal(1, await _db.CountAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby'"));
        }

        await using var third = await HistoryHost.StartAsync(Options);
        var last = await HistoryHost.AskAsync<State>(third.Probe("room-lobby"), GetState.Instance);
        Assert.Equal(new StreamPosition(Trim.Epoch, 55), last.Snapshot);
        Assert.Empty(last.Messages);

        // The sequence numbers go on after the deleted ones: a new message is 56, not 1.
        Assert.Equal(55, last.LastSequenceNr);
        Assert.Equal(56, (await HistoryHost.AskAsync<Appended>(third.Probe("room-lobby"), new Append([TestData.Message("lobby", 56)]))).SequenceNr);
    }

    [Fact]
    public async Task Every_persistent_actor_gets_the_sql_journal_for_postgresql_15_with_the_plugins_writers_and_a_pool_of_20()
    {
        await using var host = await HistoryHost.StartAsync(Options);
        var config = host.System.Settings.Config;

        Assert.Equal(ChatHistory.SqlJournalId, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(ChatHistory.SqlSnapshotStoreId, config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.query.journal.sql.provider-name"));

        // PostgreSQL writes concurrently: the plugin's default writers, not SQLite's one.
        Assert.Equal(3, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.True(config.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
        Assert.Equal(HistorySerializer.Name, config.GetString("akka.persistence.journal.sql.serializer"));
        Assert.Equal(HistorySerializer.Name, config.GetString("akka.persistence.snapshot-store.sql.serializer"));

        // One connection string, so one pool, for all three, capped below Npgsql's default of 100.
        foreach (var path in new[] { "journal.sql", "snapshot-store.sql", "query.journal.sql" })
        {
            var used = new NpgsqlConnectionStringBuilder(config.GetString($"akka.persistence.{path}.connection-string"));
            Assert.Equal(HistoryOptions.DefaultMaxPoolSize, used.MaxPoolSize);
            Assert.Equal(20, used.MaxPoolSize);
            Assert.Equal(_db.Name, used.Database);
        }

        var given = new NpgsqlConnectionStringBuilder(_db.ConnectionString);
        var logged = Assert.Single(host.Logs.Entries, e => e.Id == 1053);
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Matches($@"^History: PostgreSQL 1[5-9][^,]* at {given.Host}:{given.Port}, database {_db.Name} as {given.Username}, at most 20 connections from this server$", logged.Message);
        Assert.DoesNotContain(given.Password!, logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pool_size_given_in_the_connection_string_is_kept_and_no_more_connections_are_opened_however_many_rooms_recover_at_once()
    {
        var options = Options;
        options.ConnectionString += ";Maximum Pool Size=2";
        await using (var first = await HistoryHost.StartAsync(options))
        {
            await Task.WhenAll(Enumerable.Range(1, 40).Select(i =>
                HistoryHost.AskAsync<Appended>(first.Probe($"room-{i}"), new Append(TestData.Messages($"r{i}", 1, 5)))));
        }

        await using var second = await HistoryHost.StartAsync(options);
        Assert.Equal(2, new NpgsqlConnectionStringBuilder(second.System.Settings.Config.GetString("akka.persistence.journal.sql.connection-string")).MaxPoolSize);
        Assert.Contains(second.Logs.Entries, e => e.Id == 1053 && e.Message.Contains("at most 2 connections", StringComparison.Ordinal));

        // 40 rooms recovering (and then writing) at once wait for the 2 connections rather than open more.
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, await _db.ConnectionsAsync());
            }
        });
        var recovered = await Task.WhenAll(Enumerable.Range(1, 40).Select(async i =>
        {
            var room = second.Probe($"room-{i}");
            var state = await HistoryHost.AskAsync<State>(room, GetState.Instance);
            await HistoryHost.AskAsync<Appended>(room, new Append([TestData.Message($"r{i}", 6)]));
            return state;
        }));
        await sampling.CancelAsync();
        await sampler;

        Assert.All(recovered, state => Assert.Equal(5, state.Messages.Count));
        Assert.InRange(peak, 1, 2);
        Assert.Equal(240, await _db.CountAsync("SELECT COUNT(*) FROM journal"));
    }

    [Fact]
    public async Task Older_history_can_be_read_from_the_query_journal_without_replaying_the_room()
    {
        await using var host = await HistoryHost.StartAsync(Options);
        await HistoryHost.AskAsync<Appended>(host.Probe("room-lobby"), new Append(TestData.Messages("lobby", 1, 20)));

        var journal = PersistenceQuery.Get(host.System).ReadJournalFor<SqlReadJournal>(ChatHistory.SqlQueryJournalId);
        var envelopes = await journal.CurrentEventsByPersistenceId("room-lobby", 5, 10)
            .RunWith(Sink.Seq<EventEnvelope>(), host.System.Materializer())
            .WaitAsync(HistoryHost.Timeout);

        TestData.AssertSameMessages(TestData.Messages("lobby", 5, 10), [.. envelopes.Select(e => (ChatMessage)e.Event)]);
    }

    [Fact]
    public async Task A_type_without_a_stored_format_is_refused_at_persist_rather_than_written_as_json()
    {
        await using var host = await HistoryHost.StartAsync(Options);
        var room = host.Probe("room-lobby");

        var rejected = await HistoryHost.AskAsync<Rejected>(room, new PersistOther(new Unformatted("not a chat message")));

        Assert.Contains("no stored format", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await HistoryHost.AskAsync<Appended>(room, new Append([TestData.Message("lobby", 1)]))).SequenceNr);
        Assert.Equal(1, await _db.CountAsync("SELECT COUNT(*) FROM journal"));
    }

    public static TheoryData<string, string> Unreachable => new()
    {
        // Nothing listens on port 1.
        { "Port=1", "Failed to connect to" },
        { "Password=wrong-password", "password authentication failed" },
        { "Database=no_such_database", "database \"no_such_database\" does not exist" },
    };

    [Theory]
    [MemberData(nameof(Unreachable))]
    public async Task A_server_that_cannot_be_connected_to_stops_the_start_with_one_line_naming_it_without_the_password(string change, string reason)
    {
        var given = new NpgsqlConnectionStringBuilder(_db.ConnectionString);
        var password = given.Password!;
        var changed = new NpgsqlConnectionStringBuilder($"{_db.ConnectionString};{change}");
        var options = new HistoryOptions { Provider = HistoryOptions.PostgreSql, ConnectionString = changed.ConnectionString };

        var refused = Assert.Throws<HistoryStoreException>(() => ChatHistory.Open(options));

        Assert.StartsWith($"cannot connect to PostgreSQL at {changed.Host}:{changed.Port}/{changed.Database} as {changed.Username} (", refused.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.DoesNotContain(password, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", refused.Message, StringComparison.Ordinal);

        // The hosted wiring refuses the same way, before any actor runs.
        await Assert.ThrowsAsync<HistoryStoreException>(() => HistoryHost.StartAsync(options));
    }

    /// <summary>A record HistorySerializer has no format for.</summary>
    private sealed record Unformatted(string Text);
}
