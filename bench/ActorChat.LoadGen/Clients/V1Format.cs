using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace ActorChat.LoadGen.Clients;

/// <summary>Which subprotocol a load-generator connection speaks.</summary>
internal enum WireProtocol
{
    /// <summary><c>beej-chat-protocol</c>: one room, every accepted connection receives broadcasts.</summary>
    Beej,

    /// <summary><c>actorchat.v1</c>: <c>hello</c>, then <c>join</c> per room; <c>send</c> is answered by <c>ack</c>.</summary>
    V1,
}

/// <summary>A room position as <c>joined</c> reports it and <c>join.since</c> takes it back.</summary>
internal readonly record struct StreamPosition(string Epoch, long Offset);

/// <summary>The parts of a <c>welcome</c> the scenarios use.</summary>
internal sealed record Welcome(string Session, string Name, bool Resumed, IReadOnlyList<string> Rooms);

/// <summary>The parts of a <c>joined</c> the scenarios use; <see cref="MessageOffsets"/> in the frame's order.</summary>
internal sealed record Joined(string Room, StreamPosition Position, int MemberCount, int MembersListed, bool? Recovered, long[] MessageOffsets, int FrameBytes)
{
    /// <summary>Whether the messages are exactly the offsets after <paramref name="since"/> up to the room's offset, in order.</summary>
    public bool IsExactlyAfter(long since)
    {
        if (MessageOffsets.Length != Position.Offset - since)
        {
            return false;
        }

        for (var i = 0; i < MessageOffsets.Length; i++)
        {
            if (MessageOffsets[i] != since + 1 + i)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>An <c>error</c> the server answered a request with.</summary>
internal sealed class V1ErrorException(string code, string message) : Exception($"server answered error {code}: {message}")
{
    public string Code { get; } = code;
}

/// <summary>
/// The load generator's <c>actorchat.v1</c> frames (docs/PROTOCOL.md, "actorchat.v1"), beside
/// <see cref="WireFormat"/>'s beej ones. Hot frames (<c>send</c>, and reading <c>message</c> and <c>ack</c>)
/// are written and scanned as bytes, like the beej path; the rare ones (<c>welcome</c>, <c>joined</c>,
/// <c>presence</c>) are read with <see cref="Utf8JsonReader"/>. The server writes every frame as
/// <c>{"type":"…","ref"?:"…","payload":{…}}</c>, members in the codec's order, ASCII only.
/// </summary>
internal static class V1Format
{
    public const string Protocol = "actorchat.v1";

    private static readonly byte[] s_typePrefix = "{\"type\":\""u8.ToArray();
    private static readonly byte[] s_messageStart = "{\"type\":\"message\""u8.ToArray();
    private static readonly byte[] s_textField = "\"text\":\""u8.ToArray();
    private static readonly byte[] s_refField = "\"ref\":\""u8.ToArray();
    private static readonly byte[] s_offsetField = "\"offset\":"u8.ToArray();
    private static readonly byte[] s_codeField = "\"code\":\""u8.ToArray();

    /// <summary>The kinds of server frame the load generator tells apart.</summary>
    public enum Kind
    {
        Other,
        Message,
        Ack,
        Presence,
        Error,
        Welcome,
        Joined,
    }

    public static byte[] Hello(string name, string? session, string requestRef = "h", string? token = null)
    {
        var tail = (session is null ? "" : $",\"session\":{JsonString(session)}") + (token is null ? "" : $",\"token\":{JsonString(token)}");
        return Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"ref\":\"{requestRef}\",\"payload\":{{\"name\":\"{name}\"{tail}}}}}");
    }

    /// <summary><c>configure {room, topic}</c> with ref <paramref name="requestRef"/> (the topic is plain ASCII).</summary>
    public static byte[] ConfigureTopic(string room, string topic, string requestRef) =>
        Encoding.UTF8.GetBytes($"{{\"type\":\"configure\",\"ref\":\"{requestRef}\",\"payload\":{{\"room\":\"{room}\",\"topic\":\"{topic}\"}}}}");

    /// <summary>Whether a frame is a <c>room {room, settings}</c> broadcast (a room's settings changed).</summary>
    public static bool IsRoomSettings(ReadOnlySpan<byte> frame) => frame.StartsWith("{\"type\":\"room\""u8);

    /// <summary>The <c>settings.topic</c> of a <c>room</c> or <c>configured</c> frame (benchmark topics need no escapes).</summary>
    public static bool TryGetTopic(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> topic) =>
        WireFormat.TryGetString(frame, "\"topic\":\""u8, out topic);

    /// <summary><c>join {room, since?, limit?}</c>; <paramref name="limit"/> applies when there is no <paramref name="since"/>.</summary>
    public static byte[] Join(string room, StreamPosition? since, int? limit = null, string requestRef = "j")
    {
        var tail = since is { } s
            ? $",\"since\":{{\"epoch\":{JsonString(s.Epoch)},\"offset\":{s.Offset}}}"
            : limit is { } l ? $",\"limit\":{l}" : "";
        return Encoding.UTF8.GetBytes($"{{\"type\":\"join\",\"ref\":\"{requestRef}\",\"payload\":{{\"room\":\"{room}\"{tail}}}}}");
    }

    public static byte[] Bye() => "{\"type\":\"bye\",\"payload\":{}}"u8.ToArray();

    /// <summary>The bytes of a <c>send</c> up to its ref's value: <c>{"type":"send","ref":"</c>.</summary>
    public static ReadOnlySpan<byte> SendStart => "{\"type\":\"send\",\"ref\":\""u8;

    /// <summary>What follows the ref up to the text's value: <c>","payload":{"room":"ROOM","text":"</c>.</summary>
    public static byte[] SendMiddle(string room) => Encoding.UTF8.GetBytes($"\",\"payload\":{{\"room\":\"{room}\",\"text\":\"");

    public static ReadOnlySpan<byte> SendEnd => "\"}}"u8;

    /// <summary>
    /// Writes a whole <c>send</c> whose ref is <paramref name="seq"/> and whose text is a benchmark text
    /// (<see cref="WireFormat.WriteBenchFrame"/>'s) or, with <paramref name="sync"/>, <c>sync:&lt;k&gt;</c> (ref <c>y&lt;k&gt;</c>).
    /// </summary>
    public static int WriteSend(Span<byte> destination, ReadOnlySpan<byte> middle, int sender, long seq, long timestamp, int textLength, bool sync = false)
    {
        SendStart.CopyTo(destination);
        var position = SendStart.Length;
        if (sync)
        {
            destination[position++] = (byte)'y';
        }

        position += Write(destination[position..], seq);
        middle.CopyTo(destination[position..]);
        position += middle.Length;
        if (sync)
        {
            "sync:"u8.CopyTo(destination[position..]);
            position += 5;
            position += Write(destination[position..], seq);
        }
        else
        {
            position += WireFormat.WriteBenchText(destination[position..], sender, seq, timestamp, textLength);
        }

        SendEnd.CopyTo(destination[position..]);
        return position + SendEnd.Length;
    }

    /// <summary>The text of a <c>message</c> frame, without its quotes (benchmark texts need no escapes).</summary>
    public static bool TryGetMessageText(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> text)
    {
        text = default;
        return frame.StartsWith(s_messageStart) && WireFormat.TryGetString(frame, s_textField, out text);
    }

    public static Kind KindOf(ReadOnlySpan<byte> frame)
    {
        if (!frame.StartsWith(s_typePrefix))
        {
            return Kind.Other;
        }

        var type = frame[s_typePrefix.Length..];
        var end = type.IndexOf((byte)'"');
        if (end < 0)
        {
            return Kind.Other;
        }

        return type[..end] switch
        {
            var t when t.SequenceEqual("message"u8) => Kind.Message,
            var t when t.SequenceEqual("ack"u8) => Kind.Ack,
            var t when t.SequenceEqual("presence"u8) => Kind.Presence,
            var t when t.SequenceEqual("error"u8) => Kind.Error,
            var t when t.SequenceEqual("welcome"u8) => Kind.Welcome,
            var t when t.SequenceEqual("joined"u8) => Kind.Joined,
            _ => Kind.Other,
        };
    }

    /// <summary>An <c>ack</c>'s ref read as the sequence number the load generator sent it with; false for other refs (a sync's <c>y…</c>).</summary>
    public static bool TryGetNumericRef(ReadOnlySpan<byte> frame, out long seq)
    {
        seq = 0;
        var start = frame.IndexOf(s_refField);
        return start >= 0 && Utf8Parser.TryParse(frame[(start + s_refField.Length)..], out seq, out var used)
            && frame.Length > start + s_refField.Length + used && frame[start + s_refField.Length + used] == (byte)'"';
    }

    /// <summary>The first <c>"offset":</c> number of a frame (an <c>ack</c>'s or a <c>message</c>'s).</summary>
    public static long? TryGetOffset(ReadOnlySpan<byte> frame)
    {
        var start = frame.IndexOf(s_offsetField);
        return start >= 0 && Utf8Parser.TryParse(frame[(start + s_offsetField.Length)..], out long offset, out _) ? offset : null;
    }

    public static string ErrorCode(ReadOnlySpan<byte> frame)
    {
        return WireFormat.TryGetString(frame, s_codeField, out var code) ? Encoding.UTF8.GetString(code) : "unknown";
    }

    /// <summary>How many names a <c>presence</c> frame carries in <c>joins</c> and <c>leaves</c> (and renames).</summary>
    public static (int Joins, int Leaves, int Renames) PresenceCounts(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        int joins = 0, leaves = 0, renames = 0;
        var list = 0; // 1 joins, 2 leaves, 3 renames
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 2:
                    list = reader.ValueTextEquals("joins"u8) ? 1 : reader.ValueTextEquals("leaves"u8) ? 2 : reader.ValueTextEquals("renames"u8) ? 3 : 0;
                    break;
                case JsonTokenType.StartArray:
                    depth = reader.CurrentDepth;
                    break;
                case JsonTokenType.String when list is 1 or 2 && reader.CurrentDepth == depth + 1:
                    if (list == 1)
                    {
                        joins++;
                    }
                    else
                    {
                        leaves++;
                    }

                    break;
                case JsonTokenType.StartObject when list == 3 && reader.CurrentDepth == depth + 1:
                    renames++;
                    break;
            }
        }

        return (joins, leaves, renames);
    }

    public static Welcome ParseWelcome(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        string? session = null, name = null;
        var resumed = false;
        var rooms = new List<string>();
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2)
            {
                continue;
            }

            if (reader.ValueTextEquals("session"u8))
            {
                reader.Read();
                session = reader.GetString();
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("resumed"u8))
            {
                reader.Read();
                resumed = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("rooms"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    rooms.Add(reader.GetString()!);
                }
            }
        }

        return new Welcome(session ?? throw new FormatException("welcome without a session"), name ?? "", resumed, rooms);
    }

    public static Joined ParseJoined(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        string room = "", epoch = "";
        long offset = 0;
        int memberCount = 0, listed = 0;
        bool? recovered = null;
        var offsets = new List<long>();
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.CurrentDepth == 4 && reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                offsets.Add(reader.GetInt64()); // an element of messages: {room, offset, from, text, at, cid?}
                continue;
            }

            if (reader.CurrentDepth != 2)
            {
                continue;
            }

            if (reader.ValueTextEquals("room"u8))
            {
                reader.Read();
                room = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("epoch"u8))
            {
                reader.Read();
                epoch = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                offset = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("memberCount"u8))
            {
                reader.Read();
                memberCount = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("recovered"u8))
            {
                reader.Read();
                recovered = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("members"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    listed++;
                }
            }
        }

        return new Joined(room, new StreamPosition(epoch, offset), memberCount, listed, recovered, [.. offsets], frame.Length);
    }

    private static string JsonString(string value) => JsonSerializer.Serialize(value, JsonContextStrings.Default.String);

    private static int Write(Span<byte> destination, long value) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? written : throw new InvalidOperationException("frame buffer too small");
}

/// <summary>Source-generated JSON for quoting a string (a session token or epoch written back to the server).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonContextStrings : System.Text.Json.Serialization.JsonSerializerContext;
