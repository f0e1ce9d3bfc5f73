using System.Text.Json;

namespace ActorChat.Protocol.V1;

/// <summary>
/// Decoding, the payload: the members each packet type defines, read from a payload object already
/// known to be well-formed, each checked for its type and range (the envelope is in V1Protocol.Decode.cs).
/// </summary>
public static partial class V1Protocol
{
    /// <summary>Reads the members <paramref name="kind"/> defines from a payload object already known to be well-formed.</summary>
    private static void ReadPayload(ReadOnlySpan<byte> payload, Kind kind, ref Fields fields)
    {
        var defined = Defined(kind);
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && fields.Problem is null)
        {
            var field = FieldOf(ref reader) & defined;
            reader.Read();
            if (field == Field.None)
            {
                reader.Skip();
                continue;
            }

            if ((fields.Seen & field) != 0)
            {
                fields.Problem = $"\"payload.{NameOf(field)}\" appears twice.";
                return;
            }

            fields.Seen |= field;
            switch (field)
            {
                case Field.Name:
                    fields.Name = String(ref reader, ref fields, "name", optional: false);
                    break;
                case Field.Session:
                    fields.Session = String(ref reader, ref fields, "session", optional: true);
                    break;
                case Field.Room:
                    fields.Room = String(ref reader, ref fields, "room", optional: false);
                    break;
                case Field.Text:
                    fields.Text = String(ref reader, ref fields, "text", optional: false);
                    break;
                case Field.Cid:
                    fields.Cid = String(ref reader, ref fields, "cid", optional: true);
                    if (fields.Cid is { Length: 0 or > MaxIdLength })
                    {
                        fields.Problem = $"\"payload.cid\" must be a string of 1–{MaxIdLength} characters.";
                    }

                    break;
                case Field.Limit:
                    fields.Limit = (int?)Integer(ref reader, ref fields, "limit", 1, MaxLimit);
                    break;
                case Field.Before:
                    fields.Before = Integer(ref reader, ref fields, "before", 0, long.MaxValue);
                    break;
                case Field.Since:
                    fields.Since = Since(ref reader, ref fields);
                    break;
                case Field.Token:
                    fields.Token = Token(ref reader, ref fields, optional: kind == Kind.Hello);
                    break;
                default:
                    ReadModerationField(field, ref reader, ref fields);
                    break;
            }
        }
    }

    private static string? String(ref Utf8JsonReader reader, ref Fields fields, string member, bool optional)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        if (!optional || reader.TokenType != JsonTokenType.Null)
        {
            fields.Problem = $"\"payload.{member}\" must be a string.";
        }

        reader.Skip();
        return null;
    }

    private static long? Integer(ref Utf8JsonReader reader, ref Fields fields, string member, long min, long max)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= min && value <= max)
        {
            return value;
        }

        fields.Problem = max == long.MaxValue
            ? $"\"payload.{member}\" must be an integer ≥ {min}."
            : $"\"payload.{member}\" must be an integer from {min} to {max}.";
        reader.Skip();
        return null;
    }

    /// <summary><c>since: {epoch: string, offset: integer ≥ 0}</c>, or null for absent.</summary>
    private static StreamPosition? Since(ref Utf8JsonReader reader, ref Fields fields)
    {
        const string Shape = "\"payload.since\" must be {\"epoch\": string, \"offset\": integer ≥ 0}.";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            fields.Problem = Shape;
            reader.Skip();
            return null;
        }

        string? epoch = null;
        long offset = -1;
        var seenEpoch = false;
        var seenOffset = false;
        var ok = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isEpoch = reader.ValueTextEquals("epoch"u8);
            var isOffset = !isEpoch && reader.ValueTextEquals("offset"u8);
            reader.Read();
            if (isEpoch)
            {
                ok &= !seenEpoch && reader.TokenType == JsonTokenType.String;
                seenEpoch = true;
                epoch = ok ? reader.GetString() : null;
            }
            else if (isOffset)
            {
                ok &= !seenOffset && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out offset) && offset >= 0;
                seenOffset = true;
            }

            reader.Skip();
        }

        if (!ok || epoch is null || !seenOffset)
        {
            fields.Problem = Shape;
            return null;
        }

        return new StreamPosition(epoch, offset);
    }

    private static Field Defined(Kind kind) => kind switch
    {
        Kind.Hello => Field.Name | Field.Session | Field.Token,
        Kind.Refresh => Field.Token,
        Kind.Join => Field.Room | Field.Since | Field.Limit,
        Kind.Leave => Field.Room,
        Kind.Send => Field.Room | Field.Text | Field.Cid,
        Kind.History => Field.Room | Field.Before | Field.Limit,
        Kind.Rename => Field.Name,
        _ => ModerationFields(kind),
    };

    private static Field FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("name"u8) ? Field.Name
        : reader.ValueTextEquals("session"u8) ? Field.Session
        : reader.ValueTextEquals("room"u8) ? Field.Room
        : reader.ValueTextEquals("since"u8) ? Field.Since
        : reader.ValueTextEquals("limit"u8) ? Field.Limit
        : reader.ValueTextEquals("text"u8) ? Field.Text
        : reader.ValueTextEquals("cid"u8) ? Field.Cid
        : reader.ValueTextEquals("before"u8) ? Field.Before
        : reader.ValueTextEquals("token"u8) ? Field.Token
        : ModerationFieldOf(ref reader);

    private static string NameOf(Field field) => field switch
    {
        Field.Name => "name",
        Field.Session => "session",
        Field.Room => "room",
        Field.Since => "since",
        Field.Limit => "limit",
        Field.Text => "text",
        Field.Cid => "cid",
        Field.Token => "token",
        Field.Before => "before",
        _ => ModerationFieldName(field),
    };

    [Flags]
    private enum Field
    {
        None = 0,
        Name = 1,
        Session = 2,
        Room = 4,
        Since = 8,
        Limit = 16,
        Text = 32,
        Cid = 64,
        Before = 128,
        Visibility = 1 << 8,
        Anonymous = 1 << 9,
        Posting = 1 << 10,
        SlowMode = 1 << 11,
        Topic = 1 << 12,
        User = 1 << 13,
        Role = 1 << 14,
        Target = 1 << 15,
        Duration = 1 << 16,
        Reason = 1 << 17,
        Ban = 1 << 18,
        Token = 1 << 19,
        Offset = 1 << 20,
    }

    private struct Fields
    {
        public Field Seen;
        public string? Name;
        public string? Session;
        public string? Room;
        public string? Text;
        public string? Cid;
        public int? Limit;
        public long? Before;
        public StreamPosition? Since;
        public string? Token;
        public string? Problem;

        // Roles and moderation (V1Protocol.DecodeModeration.cs).
        public string? Visibility;
        public string? Anonymous;
        public string? Posting;
        public int? SlowMode;
        public string? Topic;
        public string? User;
        public string? Role;
        public TargetSpec? Target;
        public long? Duration;
        public string? Reason;
        public long? Ban;
        public long? Offset;
    }
}
