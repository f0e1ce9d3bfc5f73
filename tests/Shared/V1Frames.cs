using System.Globalization;
using System.Text.Json;

namespace ActorChat.Tests;

/// <summary>Shorthands for reading <c>actorchat.v1</c> frames and payloads.</summary>
public static class V1Frames
{
    /// <summary>The frame's <c>ref</c>, or null when it has none.</summary>
    public static string? Ref(this JsonElement frame) =>
        frame.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;

    /// <summary>A string member, or null when it is absent or not a string.</summary>
    public static string? Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A message payload's offset.</summary>
    public static long Offset(this JsonElement message) => message.GetProperty("offset").GetInt64();

    /// <summary>The offsets of message payloads, in order.</summary>
    public static List<long> Offsets(this IEnumerable<JsonElement> messages) => [.. messages.Select(m => m.Offset())];

    /// <summary>The <c>messages</c> array of a <c>joined</c> or <c>history</c> reply, as payloads.</summary>
    public static List<JsonElement> MessageList(this JsonElement reply) =>
        [.. reply.Payload().GetProperty("messages").EnumerateArray()];

    /// <summary>A <c>joined</c> reply's position: its epoch and last offset.</summary>
    public static (string Epoch, long Offset) Position(this JsonElement joined) =>
        (joined.Payload().GetProperty("epoch").GetString()!, joined.Payload().GetProperty("offset").GetInt64());

    /// <summary>
    /// Checks that <paramref name="message"/> has the shape of a <c>message</c> payload: room, offset ≥ 1,
    /// from, text, an RFC 3339 UTC time with milliseconds, and a string cid if any.
    /// </summary>
    public static void AssertMessageShape(JsonElement message)
    {
        var text = message.GetRawText();
        Assert.True(message.Str("room") is not null, $"message.room: {text}");
        Assert.True(message.TryGetProperty("offset", out var offset) && offset.ValueKind == JsonValueKind.Number && offset.GetInt64() >= 1, $"message.offset: {text}");
        Assert.True(message.Str("from") is not null, $"message.from: {text}");
        Assert.True(message.Str("text") is not null, $"message.text: {text}");
        Assert.True(
            message.Str("at") is { } at && DateTime.TryParseExact(at, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _),
            $"message.at must be RFC 3339 UTC with milliseconds: {text}");
        Assert.True(!message.TryGetProperty("cid", out var cid) || cid.ValueKind == JsonValueKind.String, $"message.cid: {text}");
    }

    /// <summary>Checks that offsets run <paramref name="first"/>, first+1, … with no gap and no repeat.</summary>
    public static void AssertContiguous(IReadOnlyList<long> offsets, long first, string what)
    {
        for (var i = 0; i < offsets.Count; i++)
        {
            if (offsets[i] != first + i)
            {
                Assert.Fail($"{what}: expected offset {first + i} at position {i}, got {offsets[i]} (offsets {Describe(offsets)})");
            }
        }
    }

    /// <summary>Offsets as ranges, e.g. <c>1-40, 42, 42, 43-50</c>, for failure messages.</summary>
    public static string Describe(IReadOnlyList<long> offsets)
    {
        var parts = new List<string>();
        var i = 0;
        while (i < offsets.Count)
        {
            var j = i;
            while (j + 1 < offsets.Count && offsets[j + 1] == offsets[j] + 1)
            {
                j++;
            }

            parts.Add(i == j ? offsets[i].ToString(CultureInfo.InvariantCulture) : $"{offsets[i]}-{offsets[j]}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }
}

/// <summary>Server settings the <c>actorchat.v1</c> tests share.</summary>
public static class V1Settings
{
    /// <summary>
    /// Lifts the per-connection packet rate (10/s, burst 20 by default): these tests send far more
    /// than a person would, and none of them is about the rate limit.
    /// </summary>
    public static string[] Unthrottled =>
    [
        "--ActorChat:Limits:PacketsPerSecond=1000000",
        "--ActorChat:Limits:PacketBurst=1000000",
        "--ActorChat:Limits:NameChangeBurst=1000",
    ];

    /// <summary><see cref="Unthrottled"/> and <paramref name="more"/>.</summary>
    public static string[] With(params string[] more) => [.. Unthrottled, .. more];
}
