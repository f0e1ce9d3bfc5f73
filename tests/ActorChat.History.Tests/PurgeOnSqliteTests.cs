using Microsoft.Data.Sqlite;

namespace ActorChat.History.Tests;

/// <summary>A deleted message's text leaves a real SQLite file (its journal and its snapshot file), read directly.</summary>
public sealed class PurgeOnSqliteTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public Task A_deleted_messages_text_leaves_the_journal_and_snapshot_files_and_recovery_serves_its_tombstone() =>
        PurgeOnStore.DeletedTextLeavesTheStoreAndRecoveryStillServesTheTombstoneAsync(
            _folder.Sqlite(),
            word => Task.FromResult((RowsHolding(Journal, "journal", word), RowsHolding(ChatHistory.SnapshotPath(Journal), "snapshot", word))),
            word => PurgeOnStore.UntilAsync(
                () => Task.FromResult(!FileHolds(Journal, word) && !FileHolds(Journal + "-wal", word)),
                "the journal's file and its write-ahead log without the word's bytes (secure_delete, then a checkpoint)"));

    private string Journal => Path.Combine(_folder.Path, "history.db");

    /// <summary>The raw bytes of the file at <paramref name="path"/> (absent: none) hold <paramref name="word"/>.</summary>
    private static bool FileHolds(string path, byte[] word)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(word) >= 0;
    }

    /// <summary>Rows of <paramref name="table"/> with any column holding <paramref name="word"/> (0 while the table does not exist).</summary>
    private static long RowsHolding(string path, string table, byte[] word)
    {
        if (!File.Exists(path) || TestData.Count(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = $t", ("$t", table)) == 0)
        {
            return 0;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        using var reader = command.ExecuteReader();
        var rows = 0L;
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows += values.Any(v => PurgeOnStore.Holds(v, word)) ? 1 : 0;
        }

        return rows;
    }
}
