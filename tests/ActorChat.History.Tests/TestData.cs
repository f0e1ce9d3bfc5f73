using System.Globalization;
using ActorChat.Protocol;
using Microsoft.Data.Sqlite;

namespace ActorChat.History.Tests;

internal static class TestData
{
    /// <summary>
    /// Message <paramref name="offset"/> of <paramref name="room"/>, its fields varied by offset: a
    /// cid or none, non-ASCII and astral text, a lone surrogate (which JSON escapes allow), time
    /// zones on both sides of UTC.
    /// </summary>
    public static ChatMessage Message(string room, long offset) => new(
        Room: room,
        Offset: offset,
        From: (offset % 3) switch { 0 => "Zoë", 1 => "alice", _ => "李小龙" },
        Text: (offset % 5) switch
        {
            0 => $"hello {offset}",
            1 => $"🎉 party {offset}\nsecond line",
            2 => $"lone \ud800 surrogate {offset}",
            3 => new string('x', 4000),
            _ => $"\"quoted\" \\ {offset}",
        },
        At: new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.FromMinutes(offset % 2 == 0 ? 330 : -300)).AddTicks(offset * 1234567),
        Cid: offset % 4 == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"cid-{offset}"));

    /// <summary>Messages <paramref name="from"/>…<paramref name="to"/> of <paramref name="room"/>.</summary>
    public static List<ChatMessage> Messages(string room, long from, long to) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => Message(room, i))];

    /// <summary>
    /// Equal messages, time zones included (<see cref="DateTimeOffset"/> equality, and so the
    /// record's, compares instants only).
    /// </summary>
    public static void AssertSameMessages(IReadOnlyList<ChatMessage> expected, IReadOnlyList<ChatMessage> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Select(m => m.At.Offset), actual.Select(m => m.At.Offset));
    }

    /// <summary>Runs <paramref name="sql"/> on the file at <paramref name="path"/> with its own connection and returns the first column of the first row.</summary>
    public static object? Query(string path, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteScalar();
    }

    public static long Count(string path, string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(Query(path, sql, parameters), CultureInfo.InvariantCulture);
}
