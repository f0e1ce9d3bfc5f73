using System.Globalization;
using System.Text.Json;

namespace ActorChat.Protocol.V1;

public static partial class V1Protocol
{
    /// <summary>The one form of every time on the wire: RFC 3339, UTC, milliseconds (<c>2026-11-26T09:30:00.123Z</c>).</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary><c>welcome {session, name, resumed, rooms}</c>, the reply to <c>hello</c>.</summary>
    /// <param name="rooms">The rooms a resumed session is still a member of (empty for a new session).</param>
    public static byte[] EncodeWelcome(string? requestRef, string session, string name, bool resumed, IReadOnlyList<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        using var frame = FrameWriter.Start("welcome"u8, requestRef);
        var json = frame.Json;
        json.WriteString("session"u8, session);
        json.WriteString("name"u8, name);
        json.WriteBoolean("resumed"u8, resumed);
        WriteStrings(json, "rooms"u8, rooms);
        return frame.Finish();
    }

    /// <summary>
    /// <c>joined {room, epoch, offset, members, memberCount, messages, recovered?}</c>, the reply to <c>join</c>.
    /// </summary>
    /// <param name="position">The room's epoch and last message offset (0 when it has none).</param>
    /// <param name="members">The names present now, already capped by the room (MaxPresenceList).</param>
    /// <param name="memberCount">How many members the room has, exactly.</param>
    /// <param name="messages">Oldest first; each is written as a <c>message</c> payload.</param>
    /// <param name="recovered">Whether the join's <c>since</c> was honoured; null (not written) when it had none.</param>
    /// <param name="standing">The joiner's <c>role</c>, the room's <c>settings</c> and <c>mutedUntil</c> (PROTOCOL-V1.1 Part B); null: not written.</param>
    public static byte[] EncodeJoined(
        string? requestRef,
        string room,
        StreamPosition position,
        IReadOnlyList<string> members,
        int memberCount,
        IReadOnlyList<ChatMessage> messages,
        bool? recovered,
        JoinedStanding? standing = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(messages);
        using var frame = FrameWriter.Start("joined"u8, requestRef);
        var json = frame.Json;
        json.WriteString("room"u8, room);
        json.WriteString("epoch"u8, position.Epoch);
        json.WriteNumber("offset"u8, position.Offset);
        WriteStrings(json, "members"u8, members);
        json.WriteNumber("memberCount"u8, memberCount);
        WriteMessages(json, messages);
        if (recovered is { } value)
        {
            json.WriteBoolean("recovered"u8, value);
        }

        if (standing is not null)
        {
            WriteStanding(json, standing);
        }

        return frame.Finish();
    }

    /// <summary><c>left {room}</c>, the reply to <c>leave</c>.</summary>
    public static byte[] EncodeLeft(string? requestRef, string room)
    {
        using var frame = FrameWriter.Start("left"u8, requestRef);
        frame.Json.WriteString("room"u8, room);
        return frame.Finish();
    }

    /// <summary><c>ack {room, offset}</c>, the reply to <c>send</c> once the message is durable.</summary>
    public static byte[] EncodeAck(string? requestRef, string room, long offset)
    {
        using var frame = FrameWriter.Start("ack"u8, requestRef);
        var json = frame.Json;
        json.WriteString("room"u8, room);
        json.WriteNumber("offset"u8, offset);
        return frame.Finish();
    }

    /// <summary><c>message {room, offset, from, text, at, cid?, via?}</c>, an event (no <c>ref</c>).</summary>
    public static byte[] EncodeMessage(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var frame = FrameWriter.Start("message"u8, null);
        WriteMessageMembers(frame.Json, message);
        return frame.Finish();
    }

    /// <summary><c>history {room, messages, more}</c>, the reply to <c>history</c>; <paramref name="messages"/> oldest first.</summary>
    /// <param name="more">Whether messages older than the first of <paramref name="messages"/> exist.</param>
    public static byte[] EncodeHistory(string? requestRef, string room, IReadOnlyList<ChatMessage> messages, bool more)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var frame = FrameWriter.Start("history"u8, requestRef);
        var json = frame.Json;
        json.WriteString("room"u8, room);
        WriteMessages(json, messages);
        json.WriteBoolean("more"u8, more);
        return frame.Finish();
    }

    /// <summary><c>rooms {rooms: [{room, members}]}</c>, the reply to <c>rooms</c>; <c>members</c> is a count.</summary>
    public static byte[] EncodeRooms(string? requestRef, IReadOnlyList<RoomSummary> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        using var frame = FrameWriter.Start("rooms"u8, requestRef);
        var json = frame.Json;
        json.WriteStartArray("rooms"u8);
        foreach (var summary in rooms)
        {
            json.WriteStartObject();
            json.WriteString("room"u8, summary.Room);
            json.WriteNumber("members"u8, summary.Members);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        return frame.Finish();
    }

    /// <summary><c>renamed {name}</c>, the reply to <c>rename</c>: the name now held, as the room shows it.</summary>
    public static byte[] EncodeRenamed(string? requestRef, string name)
    {
        using var frame = FrameWriter.Start("renamed"u8, requestRef);
        frame.Json.WriteString("name"u8, name);
        return frame.Finish();
    }

    /// <summary>
    /// <c>presence {room, joins, leaves, renames?}</c>, an event (no <c>ref</c>); <c>renames</c>
    /// (<c>[{from, to}]</c>) is written only when there are any.
    /// </summary>
    public static byte[] EncodePresence(PresenceDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        using var frame = FrameWriter.Start("presence"u8, null);
        var json = frame.Json;
        json.WriteString("room"u8, diff.Room);
        WriteStrings(json, "joins"u8, diff.Joins);
        WriteStrings(json, "leaves"u8, diff.Leaves);
        if (diff.Renames.Count > 0)
        {
            json.WriteStartArray("renames"u8);
            foreach (var rename in diff.Renames)
            {
                json.WriteStartObject();
                json.WriteString("from"u8, rename.From);
                json.WriteString("to"u8, rename.To);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return frame.Finish();
    }

    /// <summary><c>error {code, message}</c>, with the failed request's <c>ref</c> when it had one.</summary>
    public static byte[] EncodeError(string? requestRef, string code, string message)
    {
        using var frame = FrameWriter.Start("error"u8, requestRef);
        var json = frame.Json;
        json.WriteString("code"u8, code);
        json.WriteString("message"u8, message);
        return frame.Finish();
    }

    /// <summary>The reply to a frame <see cref="Decode"/> refused.</summary>
    public static byte[] EncodeError(RequestError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return EncodeError(error.Ref, error.Code, error.Message);
    }

    /// <summary><paramref name="at"/> as the wire writes it (<see cref="TimeFormat"/>).</summary>
    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static void WriteMessages(Utf8JsonWriter json, IReadOnlyList<ChatMessage> messages)
    {
        json.WriteStartArray("messages"u8);
        foreach (var message in messages)
        {
            json.WriteStartObject();
            WriteMessageMembers(json, message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The members of a <c>message</c> payload: the one shape of a message everywhere on the wire.</summary>
    private static void WriteMessageMembers(Utf8JsonWriter json, ChatMessage message)
    {
        json.WriteString("room"u8, message.Room);
        json.WriteNumber("offset"u8, message.Offset);
        json.WriteString("from"u8, message.From);
        json.WriteString("text"u8, message.Text);
        Span<byte> at = stackalloc byte[32];
        if (!message.At.UtcDateTime.TryFormat(at, out var length, TimeFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A time did not fit its 32-byte buffer.");
        }

        json.WriteString("at"u8, at[..length]);
        if (message.Deleted)
        {
            // A tombstone: {room, offset, from, at, text: "", deleted: true}, nothing more of it.
            json.WriteBoolean("deleted"u8, true);
            return;
        }

        if (message.Cid is { } cid)
        {
            json.WriteString("cid"u8, cid);
        }

        if (message.Via is { } via)
        {
            json.WriteString("via"u8, via);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, ReadOnlySpan<byte> member, IReadOnlyList<string> values)
    {
        json.WriteStartArray(member);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
