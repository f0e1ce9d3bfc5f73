using System.Text.Json;

namespace ActorChat.Protocol.V1;

/// <summary>
/// Identity (PROTOCOL-V1.1 Part A): the <c>token</c> of <c>hello</c> and <c>refresh</c>, and the
/// <c>welcome</c> that names the user and <c>refreshed</c>. A token is only carried here, never
/// looked into: it is checked by the actors' validator.
/// </summary>
public static partial class V1Protocol
{
    /// <summary>
    /// <c>welcome {session, name, resumed, rooms, user: {id, name, roles}, expiresAt}</c>, the reply to
    /// <c>hello</c>: <paramref name="userId"/> and <paramref name="expiresAt"/> are null (written as
    /// null) for an anonymous member, whose <paramref name="roles"/> are empty.
    /// </summary>
    public static byte[] EncodeWelcome(
        string? requestRef,
        string session,
        string name,
        bool resumed,
        IReadOnlyList<string> rooms,
        string? userId,
        IReadOnlyList<string> roles,
        DateTimeOffset? expiresAt)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        ArgumentNullException.ThrowIfNull(roles);
        using var frame = FrameWriter.Start("welcome"u8, requestRef);
        var json = frame.Json;
        json.WriteString("session"u8, session);
        json.WriteString("name"u8, name);
        json.WriteBoolean("resumed"u8, resumed);
        WriteStrings(json, "rooms"u8, rooms);
        json.WriteStartObject("user"u8);
        if (userId is null)
        {
            json.WriteNull("id"u8);
        }
        else
        {
            json.WriteString("id"u8, userId);
        }

        json.WriteString("name"u8, name);
        WriteStrings(json, "roles"u8, roles);
        json.WriteEndObject();
        WriteExpiresAt(json, expiresAt);
        return frame.Finish();
    }

    /// <summary><c>refreshed {expiresAt}</c>, the reply to <c>refresh</c>: the new token's <c>exp</c>.</summary>
    public static byte[] EncodeRefreshed(string? requestRef, DateTimeOffset expiresAt)
    {
        using var frame = FrameWriter.Start("refreshed"u8, requestRef);
        WriteExpiresAt(frame.Json, expiresAt);
        return frame.Finish();
    }

    private static void WriteExpiresAt(Utf8JsonWriter json, DateTimeOffset? expiresAt)
    {
        if (expiresAt is { } at)
        {
            json.WriteString("expiresAt"u8, FormatTime(at));
        }
        else
        {
            json.WriteNull("expiresAt"u8);
        }
    }

    /// <summary><c>payload.token</c>: a non-empty string (or, in <c>hello</c>, null for absent).</summary>
    private static string? Token(ref Utf8JsonReader reader, ref Fields fields, bool optional)
    {
        var token = String(ref reader, ref fields, "token", optional);
        if (token is { Length: 0 })
        {
            fields.Problem = "\"payload.token\" must be a non-empty string.";
            return null;
        }

        return token;
    }
}
