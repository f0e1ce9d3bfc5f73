using System.Buffers.Text;
using System.Text;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// The load generator's frames. A benchmark message's text is
/// <c>"&lt;sender&gt;:&lt;seq&gt;:&lt;Stopwatch timestamp&gt;:xxxx…"</c> padded to a fixed length; a
/// barrier message's text is <c>"sync:&lt;k&gt;"</c>. Both are plain ASCII, so no JSON escaping.
/// </summary>
internal static class WireFormat
{
    public const string Protocol = "beej-chat-protocol";

    private static readonly byte[] s_chatMessageType = "\"type\":\"chat-message\""u8.ToArray();
    private static readonly byte[] s_chatErrorType = "\"type\":\"chat-error\""u8.ToArray();
    private static readonly byte[] s_messageField = "\"message\":\""u8.ToArray();
    private static readonly byte[] s_codeField = "\"code\":\""u8.ToArray();
    private static readonly byte[] s_syncPrefix = "sync:"u8.ToArray();

    public static byte[] Join(string username) =>
        Encoding.UTF8.GetBytes($"{{\"type\":\"chat-join\",\"payload\":{{\"username\":\"{username}\"}}}}");

    /// <summary>The frame's bytes up to the message text: <c>{"type":"chat-message","payload":{"username":"NAME","message":"</c>.</summary>
    public static byte[] MessagePrefix(string username) =>
        Encoding.UTF8.GetBytes($"{{\"type\":\"chat-message\",\"payload\":{{\"username\":\"{username}\",\"message\":\"");

    public static ReadOnlySpan<byte> MessageSuffix => "\"}}"u8;

    /// <summary>Writes a whole benchmark frame into <paramref name="destination"/> and returns its length.</summary>
    public static int WriteBenchFrame(Span<byte> destination, ReadOnlySpan<byte> prefix, int sender, long seq, long timestamp, int textLength)
    {
        prefix.CopyTo(destination);
        var position = prefix.Length;
        position += WriteBenchText(destination[position..], sender, seq, timestamp, textLength);
        MessageSuffix.CopyTo(destination[position..]);
        return position + MessageSuffix.Length;
    }

    /// <summary>Writes a benchmark text (<c>sender:seq:timestamp:xxx…</c>, <paramref name="textLength"/> characters) and returns its length.</summary>
    public static int WriteBenchText(Span<byte> destination, int sender, long seq, long timestamp, int textLength)
    {
        var position = Write(destination, sender);
        destination[position++] = (byte)':';
        position += Write(destination[position..], seq);
        destination[position++] = (byte)':';
        position += Write(destination[position..], timestamp);
        destination[position++] = (byte)':';
        var padding = Math.Max(1, textLength - position);
        destination.Slice(position, padding).Fill((byte)'x');
        return position + padding;
    }

    public static int WriteSyncFrame(Span<byte> destination, ReadOnlySpan<byte> prefix, long k)
    {
        prefix.CopyTo(destination);
        var position = prefix.Length;
        s_syncPrefix.CopyTo(destination[position..]);
        position += s_syncPrefix.Length;
        position += Write(destination[position..], k);
        MessageSuffix.CopyTo(destination[position..]);
        return position + MessageSuffix.Length;
    }

    /// <summary>The text of a <c>chat-message</c> frame, without its quotes.</summary>
    public static bool TryGetMessageText(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> text)
    {
        text = default;
        return frame.IndexOf(s_chatMessageType) >= 0 && TryGetString(frame, s_messageField, out text);
    }

    /// <summary>
    /// The value of the string field that <paramref name="field"/> (<c>"name":"</c>) opens, without its
    /// quotes, for both protocols' frames (benchmark texts, names and codes need no escapes).
    /// </summary>
    public static bool TryGetString(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        value = default;
        var start = frame.IndexOf(field);
        if (start < 0)
        {
            return false;
        }

        var rest = frame[(start + field.Length)..];
        var end = rest.IndexOf((byte)'"');
        if (end < 0)
        {
            return false;
        }

        value = rest[..end];
        return true;
    }

    public static bool TryParseBench(ReadOnlySpan<byte> text, out int sender, out long seq, out long timestamp)
    {
        seq = 0;
        timestamp = 0;
        return Utf8Parser.TryParse(text, out sender, out var used) && Next(ref text, used)
            && Utf8Parser.TryParse(text, out seq, out used) && Next(ref text, used)
            && Utf8Parser.TryParse(text, out timestamp, out used) && Next(ref text, used);
    }

    public static bool TryParseSync(ReadOnlySpan<byte> text, out long k)
    {
        k = 0;
        return text.StartsWith(s_syncPrefix) && Utf8Parser.TryParse(text[s_syncPrefix.Length..], out k, out _);
    }

    /// <summary>The <c>payload.code</c> of a <c>chat-error</c> frame, or null for any other frame.</summary>
    public static string? TryGetErrorCode(ReadOnlySpan<byte> frame)
    {
        if (frame.IndexOf(s_chatErrorType) < 0)
        {
            return null;
        }

        return TryGetString(frame, s_codeField, out var code) ? Encoding.UTF8.GetString(code) : "unknown";
    }

    private static bool Next(ref ReadOnlySpan<byte> text, int used)
    {
        if (used >= text.Length || text[used] != (byte)':')
        {
            return false;
        }

        text = text[(used + 1)..];
        return true;
    }

    private static int Write(Span<byte> destination, long value) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? written : throw new InvalidOperationException("frame buffer too small");
}
