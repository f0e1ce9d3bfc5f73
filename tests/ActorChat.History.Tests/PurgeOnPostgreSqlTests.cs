namespace ActorChat.History.Tests;

/// <summary>A deleted message's text leaves a real PostgreSQL database's journal and snapshot tables, read directly.</summary>
public sealed class PurgeOnPostgreSqlTests : IAsyncLifetime
{
    private TestPostgres _db = null!;

    public async Task InitializeAsync() => _db = await TestPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [Fact]
    public Task A_deleted_messages_text_leaves_the_journal_and_snapshot_tables_and_recovery_serves_its_tombstone() =>
        PurgeOnStore.DeletedTextLeavesTheStoreAndRecoveryStillServesTheTombstoneAsync(
            new HistoryOptions { Provider = HistoryOptions.PostgreSql, ConnectionString = _db.ConnectionString },
            async word => (await RowsHoldingAsync("journal", word), await RowsHoldingAsync("snapshot", word)));

    /// <summary>
    /// Rows of <paramref name="table"/> whose text form (every column; a bytea as its hex digits) holds
    /// <paramref name="word"/>'s bytes (0 while the table does not exist).
    /// </summary>
    private async Task<long> RowsHoldingAsync(string table, byte[] word)
    {
        if (await _db.CountAsync("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = @t", ("t", table)) == 0)
        {
            return 0;
        }

        // A row as text shows a bytea column as \x and hex digits: the word is searched for both as
        // text and as those digits.
        return await _db.CountAsync(
            $"SELECT COUNT(*) FROM {table} r WHERE strpos(r::text, @text) > 0 OR strpos(r::text, @hex) > 0",
            ("text", System.Text.Encoding.UTF8.GetString(word)),
            ("hex", Convert.ToHexStringLower(word)));
    }
}
