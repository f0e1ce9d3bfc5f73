using System.Text.Json;
using ActorChat.Protocol.Beej;

namespace ActorChat.Protocol.V1;

/// <summary>
/// The one place where <c>actorchat.v1</c> JSON is read or written (docs/PROTOCOL.md). Decoding never
/// throws; each encoder returns the UTF-8 bytes of one text frame.
/// </summary>
public static partial class V1Protocol
{
    /// <summary>The longest <c>ref</c> and <c>cid</c>, in UTF-16 code units.</summary>
    public const int MaxIdLength = 64;

    /// <summary>How many messages <c>join</c> and <c>history</c> return when the request names no <c>limit</c>.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest <c>limit</c> a <c>join</c> or <c>history</c> may ask for.</summary>
    public const int MaxLimit = 100;

    // System.Text.Json's default. Packets of the contract need 3 levels; unknown members may nest
    // deeper, up to this.
    private const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Decodes one text frame. Exactly one of the results is non-null. A packet is an object
    /// <c>{"type": string, "ref"?: string, "payload"?: object}</c>; an absent payload reads as <c>{}</c>.
    /// Members the packet's type does not define are ignored, whatever they hold; a member it defines
    /// must have its type (strings are strings, numbers integers), may not appear twice, and, when
    /// optional, may be null for absent.
    /// </summary>
    public static (ClientRequest? Request, RequestError? Error) Decode(ReadOnlySpan<byte> utf8)
    {
        var envelope = default(Envelope);
        try
        {
            ReadEnvelope(utf8, ref envelope);
        }
        catch (JsonException)
        {
            // The reader stops at the first thing it refuses, which may be depth rather than syntax.
            return WireJson.IsWellFormed(utf8)
                ? Fail(ErrorCodes.InvalidPacket, $"The packet is nested deeper than {MaxDepth} levels.", envelope.Ref)
                : Fail(ErrorCodes.InvalidJson, "The frame is not valid JSON.", envelope.Ref);
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader (GetString, ValueTextEquals) refuses a \u escape that leaves half a surrogate pair.
            return Fail(ErrorCodes.InvalidPacket, "A string holds an unpaired surrogate (\\uD800–\\uDFFF).", envelope.Ref);
        }

        if (envelope.Problem is { } problem)
        {
            return Fail(ErrorCodes.InvalidPacket, problem, envelope.Ref);
        }

        if (envelope.Kind == Kind.Unknown)
        {
            return Fail(ErrorCodes.UnknownType, "Unknown packet type.", envelope.Ref);
        }

        var fields = default(Fields);
        try
        {
            if (envelope.PayloadLength > 0)
            {
                ReadPayload(utf8.Slice(envelope.PayloadStart, envelope.PayloadLength), envelope.Kind, ref fields);
            }
        }
        catch (InvalidOperationException)
        {
            return Fail(ErrorCodes.InvalidPacket, "A string holds an unpaired surrogate (\\uD800–\\uDFFF).", envelope.Ref);
        }

        return fields.Problem is { } payloadProblem
            ? Fail(ErrorCodes.InvalidPacket, $"{envelope.TypeName}: {payloadProblem}", envelope.Ref)
            : Build(envelope, fields);
    }

    private static (ClientRequest?, RequestError?) Build(in Envelope envelope, in Fields fields)
    {
        var r = envelope.Ref;
        var type = envelope.TypeName;
        switch (envelope.Kind)
        {
            case Kind.Hello:
                return fields.Name is { } helloName
                    ? (new HelloRequest(r, helloName, fields.Session), null)
                    : Missing(type, "name", r);
            case Kind.Rename:
                return fields.Name is { } newName
                    ? (new RenameRequest(r, newName), null)
                    : Missing(type, "name", r);
            case Kind.Rooms:
                return (new RoomsRequest(r), null);
            case Kind.Bye:
                return (new ByeRequest(r), null);
            default:
                break;
        }

        // Every other packet is about one room.
        if (fields.Room is not { } room)
        {
            return Missing(type, "room", r);
        }

        if (envelope.Kind == Kind.Send && fields.Text is null)
        {
            return Missing(type, "text", r);
        }

        if (!RoomNames.IsValid(room))
        {
            return Fail(
                ErrorCodes.InvalidRoom,
                $"A room name has 1–{RoomNames.MaxLength} characters a-z, 0-9, '-' or '_', and starts with a letter or digit.",
                r);
        }

        return envelope.Kind switch
        {
            Kind.Join => (new JoinRequest(r, room, fields.Since, fields.Limit ?? DefaultLimit), null),
            Kind.Leave => (new LeaveRequest(r, room), null),
            Kind.Send => (new SendRequest(r, room, fields.Text!, fields.Cid), null),
            _ => (new HistoryRequest(r, room, fields.Before, fields.Limit ?? DefaultLimit), null),
        };
    }

    private static void ReadEnvelope(ReadOnlySpan<byte> utf8, ref Envelope envelope)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // Read to the end first: a frame that is not JSON at all is invalid-json, not invalid-packet.
            reader.Skip();
            reader.Read();
            envelope.Problem = "Expected a JSON object {\"type\": string, \"ref\"?: string, \"payload\"?: object}.";
            return;
        }

        var seenType = false;
        var seenRef = false;
        string? refProblem = null;
        var seenPayload = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                envelope.Problem ??= Once(ref seenType, "type");
                if (reader.TokenType == JsonTokenType.String)
                {
                    (envelope.Kind, envelope.TypeName) = KindOf(ref reader);
                }
                else
                {
                    envelope.Problem ??= "\"type\" must be a string.";
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("ref"u8))
            {
                reader.Read();
                if (seenRef)
                {
                    // Two refs: neither can be echoed as "the" ref.
                    refProblem = "\"ref\" appears twice.";
                    envelope.Ref = null;
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    var value = reader.GetString()!;
                    if (value.Length is > 0 and <= MaxIdLength)
                    {
                        envelope.Ref = value;
                    }
                    else
                    {
                        refProblem = $"\"ref\" must be a string of 1–{MaxIdLength} characters.";
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    refProblem = $"\"ref\" must be a string of 1–{MaxIdLength} characters.";
                }

                seenRef = true;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                envelope.Problem ??= Once(ref seenPayload, "payload");
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    envelope.PayloadStart = checked((int)reader.TokenStartIndex);
                    reader.Skip();
                    envelope.PayloadLength = checked((int)reader.BytesConsumed) - envelope.PayloadStart;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    envelope.Problem ??= "\"payload\" must be an object.";
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Past the object's end: throws when anything but white space follows it.
        reader.Read();

        if (refProblem is not null)
        {
            // Said first: the reply cannot carry the ref, so the client must learn why.
            envelope.Problem = refProblem;
        }
        else if (!seenType)
        {
            envelope.Problem ??= "Missing string field \"type\".";
        }
    }

    private static string? Once(ref bool seen, string member)
    {
        if (seen)
        {
            return $"\"{member}\" appears twice.";
        }

        seen = true;
        return null;
    }

    private static (Kind, string) KindOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("hello"u8) ? (Kind.Hello, V1PacketTypes.Hello)
        : reader.ValueTextEquals("join"u8) ? (Kind.Join, V1PacketTypes.Join)
        : reader.ValueTextEquals("leave"u8) ? (Kind.Leave, V1PacketTypes.Leave)
        : reader.ValueTextEquals("rooms"u8) ? (Kind.Rooms, V1PacketTypes.Rooms)
        : reader.ValueTextEquals("send"u8) ? (Kind.Send, V1PacketTypes.Send)
        : reader.ValueTextEquals("history"u8) ? (Kind.History, V1PacketTypes.History)
        : reader.ValueTextEquals("rename"u8) ? (Kind.Rename, V1PacketTypes.Rename)
        : reader.ValueTextEquals("bye"u8) ? (Kind.Bye, V1PacketTypes.Bye)
        : (Kind.Unknown, "?");

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
                default:
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

    private static (ClientRequest?, RequestError?) Missing(string type, string member, string? @ref) =>
        Fail(ErrorCodes.InvalidPacket, $"{type} needs a string \"payload.{member}\".", @ref);

    private static (ClientRequest?, RequestError?) Fail(string code, string message, string? @ref) =>
        (null, new RequestError(code, message, @ref));

    private static Field Defined(Kind kind) => kind switch
    {
        Kind.Hello => Field.Name | Field.Session,
        Kind.Join => Field.Room | Field.Since | Field.Limit,
        Kind.Leave => Field.Room,
        Kind.Send => Field.Room | Field.Text | Field.Cid,
        Kind.History => Field.Room | Field.Before | Field.Limit,
        Kind.Rename => Field.Name,
        _ => Field.None,
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
        : Field.None;

    private static string NameOf(Field field) => field switch
    {
        Field.Name => "name",
        Field.Session => "session",
        Field.Room => "room",
        Field.Since => "since",
        Field.Limit => "limit",
        Field.Text => "text",
        Field.Cid => "cid",
        _ => "before",
    };

    private enum Kind
    {
        Unknown,
        Hello,
        Join,
        Leave,
        Rooms,
        Send,
        History,
        Rename,
        Bye,
    }

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
    }

    private struct Envelope
    {
        public Kind Kind;
        public string TypeName;
        public string? Ref;
        public int PayloadStart;
        public int PayloadLength;
        public string? Problem;
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
        public string? Problem;
    }
}
