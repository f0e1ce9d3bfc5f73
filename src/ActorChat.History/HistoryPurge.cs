using System.Data;
using System.Data.Common;
using System.Globalization;
using ActorChat.Actors.Rooms;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorChat.History;

/// <summary>
/// The rooms' <see cref="RoomJournalPurge"/> on SQLite and PostgreSQL: each deleted message's
/// <see cref="MessagePosted"/> row in the journal table is read, its message replaced by its
/// <see cref="Protocol.ChatMessage.Tombstone"/> (same offset, author, time and cid: recovery replays
/// it to the same offset, deduplication still knows its cid) and written back in place, serialized
/// as the journal writes it (<see cref="HistorySerializer"/>, today's manifest). One transaction per
/// purge. The tables are Akka.Persistence.Sql's default mapping (<see cref="ChatHistory.Config(HistoryStore)"/>
/// keeps it): <c>journal</c> (<c>persistence_id</c>, <c>sequence_number</c>, <c>message</c>,
/// <c>identifier</c>, <c>manifest</c>).
/// </summary>
/// <remarks>
/// <para>
/// What is left of the text afterwards. SQLite: the purge's connection sets
/// <c>PRAGMA secure_delete = ON</c>, so the space the old payload took in the file is overwritten
/// with zeros rather than left on a free page; the write-ahead log holds the page's earlier versions
/// until a checkpoint copies the new one into the file and the log is written over (SQLite
/// checkpoints by itself every 1,000 pages, and when the last connection closes): each purge ends
/// with a checkpoint that empties the log. Old snapshots
/// (another file) are deleted by the snapshot store, whose connections leave freed pages as they
/// were until SQLite reuses them or the file is vacuumed. PostgreSQL: an <c>UPDATE</c> leaves the
/// old row version in the table's file until (auto)vacuum reclaims it; no query sees it.
/// </para>
/// <para>
/// A row that is gone (retention deleted it), is already a tombstone, or is not the message expected
/// (not a <see cref="MessagePosted"/> of that offset: nothing of it to purge there) is left as it is
/// and counts as purged.
/// </para>
/// </remarks>
public static class HistoryPurge
{
    /// <summary>
    /// The purge for <paramref name="options"/>' store, on the journal <paramref name="system"/> is
    /// configured with (<see cref="ChatHistory.Config(HistoryStore)"/>: its connection string);
    /// for <c>memory</c>, <see cref="RoomJournalPurges.None"/> (Akka's in-memory journal is not
    /// reachable from here, and it is gone when the server stops).
    /// </summary>
    public static RoomJournalPurge For(ActorSystem system, HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsMemory)
        {
            return RoomJournalPurges.None;
        }

        var connectionString = system.Settings.Config.GetString("akka.persistence.journal.sql.connection-string");
        if (string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException("The actor system has no akka.persistence.journal.sql.connection-string: configure it with ChatHistory.Config first.");
        }

        var serialization = system.Serialization;
        if (options.IsPostgreSql)
        {
            return (persistenceId, messages, ct) => PurgeAsync(new NpgsqlConnection(connectionString), postgreSql: true, serialization, persistenceId, messages, ct);
        }

        // Pooling off: the setting is per connection, and a pooled connection would carry it to
        // nothing else of ours anyway; a purge is rare enough to open its own.
        var sqlite = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        return (persistenceId, messages, ct) => PurgeAsync(new SqliteConnection(sqlite), postgreSql: false, serialization, persistenceId, messages, ct);
    }

    private static async Task PurgeAsync(DbConnection connection, bool postgreSql, Akka.Serialization.Serialization serialization, string persistenceId, IReadOnlyList<UnpurgedMessage> messages, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(messages);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            if (!postgreSql)
            {
                await ExecuteAsync(connection, null, "PRAGMA secure_delete = ON", ct).ConfigureAwait(false);
            }

            // SQLite: BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default), the write lock taken at
            // once rather than upgraded later. PostgreSQL: FOR UPDATE below holds the rows.
            var transaction = await connection.BeginTransactionAsync(postgreSql ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var select = "SELECT message, identifier, manifest FROM journal WHERE persistence_id = @pid AND sequence_number = @seq" + (postgreSql ? " FOR UPDATE" : "");
                foreach (var message in messages)
                {
                    if (await ReadAsync(connection, transaction, select, persistenceId, message.SequenceNr, ct).ConfigureAwait(false) is not { } row)
                    {
                        continue;
                    }

                    var stored = serialization.Deserialize(row.Payload, row.SerializerId, row.Manifest);
                    if (stored is not MessagePosted posted || posted.Message.Offset != message.Offset || posted.Message.Deleted)
                    {
                        continue;
                    }

                    var purged = posted with { Message = posted.Message.Tombstone() };
                    var serializer = serialization.FindSerializerFor(purged);
                    using var update = Command(connection, transaction, "UPDATE journal SET message = @message, identifier = @identifier, manifest = @manifest WHERE persistence_id = @pid AND sequence_number = @seq", persistenceId, message.SequenceNr);
                    Add(update, "@message", serializer.ToBinary(purged));
                    Add(update, "@identifier", serializer.Identifier);
                    Add(update, "@manifest", Akka.Serialization.Serialization.ManifestFor(serializer, purged));
                    await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
            }

            if (!postgreSql)
            {
                // The rows' earlier versions are in the write-ahead log until a checkpoint copies the
                // purged pages into the file; TRUNCATE then empties the log. It waits for the
                // journal's writer, which then waits for it (once per purge: rare). A checkpoint that
                // finds a reader still on an older snapshot does what it can and says so; SQLite's own
                // checkpoints finish it later.
                await ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)", ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(byte[] Payload, int SerializerId, string Manifest)?> ReadAsync(DbConnection connection, DbTransaction transaction, string sql, string persistenceId, long sequenceNr, CancellationToken ct)
    {
        using var select = Command(connection, transaction, sql, persistenceId, sequenceNr);
        var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            return ((byte[])reader.GetValue(0), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), reader.IsDBNull(2) ? "" : reader.GetString(2));
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, string persistenceId, long sequenceNr)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "@pid", persistenceId);
        Add(command, "@seq", sequenceNr);
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
