using ActorChat.Protocol;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using static ActorChat.History.Tests.HistoryProbe;

namespace ActorChat.History.Tests;

/// <summary>
/// The SQLite history on a real file in a temp folder, through the server's own wiring: batches
/// persisted with PersistAll survive the actor system, retention's snapshot-and-delete leaves
/// recovery to the snapshot, and the file is in WAL mode.
/// </summary>
public sealed class SqliteHistoryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Batches_persisted_with_PersistAll_come_back_in_order_in_a_new_actor_system_on_the_same_file()
    {
        var options = _folder.Sqlite();
        var sent = TestData.Messages("lobby", 1, 114);
        await using (var first = await HistoryHost.StartAsync(options))
        {
            var room = first.Probe("room-lobby");
            var at = 0;
            foreach (var size in new[] { 1, 10, 100, 3 })
            {
                var appended = await HistoryHost.AskAsync<Appended>(room, new Append(sent.GetRange(at, size)));
                at += size;
                Assert.Equal(at, appended.SequenceNr);
            }

            // Another room, so recovery must pick its own rows.
            await HistoryHost.AskAsync<Appended>(first.Probe("room-other"), new Append(TestData.Messages("other", 1, 7)));
        }

        await using var second = await HistoryHost.StartAsync(options);
        var recovered = await HistoryHost.AskAsync<State>(second.Probe("room-lobby"), GetState.Instance);

        TestData.AssertSameMessages(sent, recovered.Messages);
        Assert.Equal(114, recovered.LastSequenceNr);
        Assert.Null(recovered.Snapshot);
        var other = await HistoryHost.AskAsync<State>(second.Probe("room-other"), GetState.Instance);
        TestData.AssertSameMessages(TestData.Messages("other", 1, 7), other.Messages);

        // Each row went through HistorySerializer, not Akka's JSON fallback.
        var path = Path.Combine(_folder.Path, "history.db");
        Assert.Equal(121, TestData.Count(path, "SELECT COUNT(*) FROM journal"));
        Assert.Equal(121, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE identifier = $id AND manifest = 'msg2'", ("$id", HistorySerializer.SerializerId)));
    }

    /// <summary>The plugin replays 1000 rows per query (replay-batch-size): a room's full retention is several.</summary>
    [Fact]
    public async Task Recovery_reads_on_past_the_plugins_replay_batch_in_order()
    {
        var options = _folder.Sqlite();
        var sent = TestData.Messages("lobby", 1, 2345);
        await using (var first = await HistoryHost.StartAsync(options))
        {
            var room = first.Probe("room-lobby");
            foreach (var batch in sent.Chunk(100))
            {
                await HistoryHost.AskAsync<Appended>(room, new Append(batch));
            }
        }

        await using var second = await HistoryHost.StartAsync(options);
        var recovered = await HistoryHost.AskAsync<State>(second.Probe("room-lobby"), GetState.Instance);

        TestData.AssertSameMessages(sent, recovered.Messages);
        Assert.Equal(2345, recovered.LastSequenceNr);
    }

    [Fact]
    public async Task A_snapshot_and_the_journal_deleted_up_to_it_leave_recovery_to_the_snapshot_and_the_messages_after_it()
    {
        var options = _folder.Sqlite();
        var path = Path.Combine(_folder.Path, "history.db");
        await using (var first = await HistoryHost.StartAsync(options))
        {
            var room = first.Probe("room-lobby");
            await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 1, 25)));
            await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 26, 50)));
            Assert.Equal(new Trimmed(50), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
            Assert.Equal(55, (await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 51, 55)))).SequenceNr);

            // The rows are gone, not only marked: the plugin keeps the highest deleted row as the
            // marker of the sequence number.
            Assert.Equal(1, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby' AND sequence_number <= 50"));
            Assert.Equal(5, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby' AND sequence_number > 50 AND deleted = 0"));
            Assert.Equal(1, TestData.Count(ChatHistory.SnapshotPath(path), "SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'room-lobby'"));
        }

        await using (var second = await HistoryHost.StartAsync(options))
        {
            var room = second.Probe("room-lobby");
            var recovered = await HistoryHost.AskAsync<State>(room, GetState.Instance);

            Assert.Equal(new StreamPosition(Trim.Epoch, 50), recovered.Snapshot);
            TestData.AssertSameMessages(TestData.Messages("lobby", 51, 55), recovered.Messages);
            Assert.Equal(55, recovered.LastSequenceNr);

            // Trimming again replaces the snapshot: the older one is deleted.
            Assert.Equal(new Trimmed(55), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
            Assert.Equal(1, TestData.Count(ChatHistory.SnapshotPath(path), "SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'room-lobby'"));
            Assert.Equal(1, TestData.Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'room-lobby'"));
        }

        await using var third = await HistoryHost.StartAsync(options);
        var last = await HistoryHost.AskAsync<State>(third.Probe("room-lobby"), GetState.Instance);
        Assert.Equal(new StreamPosition(Trim.Epoch, 55), last.Snapshot);
        Assert.Empty(last.Messages);

        // The sequence numbers go on after the deleted ones: a new message is 56, not 1.
        Assert.Equal(55, last.LastSequenceNr);
        Assert.Equal(56, (await HistoryHost.AskAsync<Appended>(third.Probe("room-lobby"), new Append([TestData.Message("lobby", 56)]))).SequenceNr);
    }

    [Fact]
    public async Task The_file_and_its_folder_are_created_at_start_and_the_database_is_in_WAL_mode()
    {
        var options = _folder.Sqlite(Path.Combine("data", "deeper", "actorchat.db"));
        var path = Path.Combine(_folder.Path, "data", "deeper", "actorchat.db");

        await using (var host = await HistoryHost.StartAsync(options))
        {
            Assert.True(File.Exists(path), $"{path} was not created at start");
            Assert.Equal("wal", TestData.Query(path, "PRAGMA journal_mode"));
            var logged = Assert.Single(host.Logs.Entries, e => e.Id == 1050);
            Assert.Contains(path, logged.Message, StringComparison.Ordinal);

            // The plugin works on the file it was given.
            await HistoryHost.AskAsync<Appended>(host.Probe("room-lobby"), new Append(TestData.Messages("lobby", 1, 3)));
        }

        // WAL is a property of the file: it stays after the server stops.
        Assert.Equal("wal", TestData.Query(path, "PRAGMA journal_mode"));
        Assert.Equal(3, TestData.Count(path, "SELECT COUNT(*) FROM journal"));
    }

    [Fact]
    public async Task Every_persistent_actor_gets_the_sqlite_journal_with_one_writer_and_the_sqlite_snapshot_store()
    {
        await using var host = await HistoryHost.StartAsync(_folder.Sqlite());
        var config = host.System.Settings.Config;

        Assert.Equal(ChatHistory.SqliteJournalId, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(ChatHistory.SqliteSnapshotStoreId, config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.True(config.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
        Assert.Equal(HistorySerializer.Name, config.GetString("akka.persistence.journal.sql.serializer"));
        Assert.Equal(HistorySerializer.Name, config.GetString("akka.persistence.snapshot-store.sql.serializer"));
    }

    [Fact]
    public void A_relative_data_source_is_taken_from_the_working_directory_and_handed_on_as_an_absolute_path()
    {
        var path = Path.Combine(_folder.Path, "relative", "history.db");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        Assert.False(Path.IsPathRooted(relative));

        var store = ChatHistory.Open(new HistoryOptions { ConnectionString = $"Data Source={relative};Default Timeout=60" });

        Assert.Equal(path, store.DatabasePath);
        Assert.Contains($"Data Source={path}", store.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("Default Timeout=60", store.ConnectionString, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
        Assert.True(store.IsWal);
    }

    [Fact]
    public async Task A_type_without_a_stored_format_is_refused_at_persist_rather_than_written_as_json()
    {
        var options = _folder.Sqlite();
        await using var host = await HistoryHost.StartAsync(options);
        var room = host.Probe("room-lobby");

        var rejected = await HistoryHost.AskAsync<Rejected>(room, new PersistOther(new Unformatted("not a chat message")));

        Assert.Contains("no stored format", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains(nameof(Unformatted), rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(0, TestData.Count(Path.Combine(_folder.Path, "history.db"), "SELECT COUNT(*) FROM journal"));

        // The actor goes on: the next batch is stored. (The refused event used up sequence number 1,
        // as Akka.Persistence does for a rejected write.)
        Assert.Equal(2, (await HistoryHost.AskAsync<Appended>(room, new Append([TestData.Message("lobby", 1)]))).SequenceNr);
        Assert.Equal(1, TestData.Count(Path.Combine(_folder.Path, "history.db"), "SELECT COUNT(*) FROM journal"));
    }

    [Fact]
    public async Task Older_history_can_be_read_from_the_query_journal_without_replaying_the_room()
    {
        await using var host = await HistoryHost.StartAsync(_folder.Sqlite());
        await HistoryHost.AskAsync<Appended>(host.Probe("room-lobby"), new Append(TestData.Messages("lobby", 1, 20)));

        var journal = PersistenceQuery.Get(host.System).ReadJournalFor<SqlReadJournal>(ChatHistory.SqliteQueryJournalId);
        var envelopes = await journal.CurrentEventsByPersistenceId("room-lobby", 5, 10)
            .RunWith(Sink.Seq<EventEnvelope>(), host.System.Materializer())
            .WaitAsync(HistoryHost.Timeout);

        TestData.AssertSameMessages(TestData.Messages("lobby", 5, 10), [.. envelopes.Select(e => (ChatMessage)e.Event)]);
    }

    /// <summary>A record HistorySerializer has no format for.</summary>
    private sealed record Unformatted(string Text);
}
