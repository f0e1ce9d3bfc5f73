using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ActorChat.Host.Tests;

/// <summary>Message deletion (PROTOCOL-V1.1 Part B, <c>delete</c>) over real sockets: both members see it, a new joiner's history shows the tombstone.</summary>
public sealed class V1DeleteTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("actorchat-v1-purge-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The server wires the purge (<c>History:PurgeAfter</c>): on an SQLite file, a deleted message's
    /// text leaves its journal row within it, and a restarted server still serves the tombstone at
    /// its offset and the message after it intact.
    /// </summary>
    [Fact]
    public async Task On_sqlite_a_deleted_messages_text_leaves_the_journal_within_PurgeAfter_and_a_restarted_server_serves_its_tombstone()
    {
        var path = Path.Combine(_folder, "actorchat.db");
        string[] settings = V1Settings.With("--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={path}", "--ActorChat:History:PurgeAfter=00:00:01");
        var word = "okapi" + Guid.NewGuid().ToString("N");
        long offset;
        await using (var server = await TestServer.StartAsync(settings))
        {
            await using var alice = await V1Client.HelloAsync(server.WebSocket, "alice");
            await alice.JoinAsync("general");
            offset = await alice.SendAsync("general", $"my password is {word}");
            await alice.SendAsync("general", "after it");
            Assert.Equal(1, JournalRowsHolding(path, word));
            await alice.ExpectReplyAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset)), "deleted");

            var deadline = DateTime.UtcNow + TestTime.Seconds(10);
            while (JournalRowsHolding(path, word) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The deleted message's text is still in the journal.");
                await Task.Delay(50);
            }
        }

        await using (var server = await TestServer.StartAsync(settings))
        {
            await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
            var messages = (await bob.JoinAsync("general")).Payload().GetProperty("messages").EnumerateArray().ToList();
            var tombstone = messages.Single(m => m.GetProperty("offset").GetInt64() == offset);
            Assert.Equal(("", true), (tombstone.Str("text"), tombstone.GetProperty("deleted").GetBoolean()));
            Assert.Equal("after it", messages.Single(m => m.GetProperty("offset").GetInt64() == offset + 1).Str("text"));
            Assert.Equal(0, JournalRowsHolding(path, word));
        }
    }

    /// <summary>Rows of the journal table whose payload holds <paramref name="word"/>'s UTF-8 bytes, read with a connection of its own.</summary>
    private static long JournalRowsHolding(string path, string word)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal WHERE instr(message, $word) > 0";
        command.Parameters.AddWithValue("$word", Encoding.UTF8.GetBytes(word));
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task The_author_deletes_every_member_sees_deleted_and_a_new_joiner_gets_the_tombstone()
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var alice = await V1Client.ConnectAsync(server.WebSocket, "alice");
        await alice.HelloAsync("alice");
        await using var bob = await V1Client.ConnectAsync(server.WebSocket, "bob");
        await bob.HelloAsync("bob");
        await alice.JoinAsync("general");
        await bob.JoinAsync("general");
        var offset = await alice.SendAsync("general", "a secret to take back");
        await bob.SendAsync("general", "bob's own");

        // Another member may not; a message nobody has is not found.
        await bob.ExpectErrorAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset)), "forbidden");
        await bob.ExpectErrorAsync("delete", V1Client.Payload(("room", "general"), ("offset", 99)), "not-found");

        var reply = (await alice.ExpectReplyAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset), ("reason", "typo")), "deleted")).Payload();
        Assert.Equal(offset, reply.GetProperty("offset").GetInt64());
        Assert.False(reply.TryGetProperty("by", out _));
        foreach (var member in new[] { alice, bob })
        {
            var told = (await member.NextEventAsync("deleted")).Payload();
            Assert.Equal(("general", offset, "alice"), (told.Str("room"), told.GetProperty("offset").GetInt64(), told.Str("by")));
        }

        // Idempotent: answered deleted again.
        await alice.ExpectReplyAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset)), "deleted");

        await using var carol = await V1Client.ConnectAsync(server.WebSocket, "carol");
        await carol.HelloAsync("carol");
        var messages = (await carol.JoinAsync("general")).Payload().GetProperty("messages").EnumerateArray().ToList();
        var tombstone = messages.Single(m => m.GetProperty("offset").GetInt64() == offset);
        Assert.Equal(
            $$"""{"room":"general","offset":{{offset}},"from":"alice","text":"","at":"{{tombstone.Str("at")}}","deleted":true}""",
            tombstone.GetRawText());
        Assert.Equal("bob's own", messages.Single(m => m.GetProperty("offset").GetInt64() == offset + 1).Str("text"));
        var history = (await carol.HistoryAsync("general")).Payload().GetProperty("messages").EnumerateArray();
        Assert.DoesNotContain(history, m => m.GetRawText().Contains("secret", StringComparison.Ordinal));
    }
}
