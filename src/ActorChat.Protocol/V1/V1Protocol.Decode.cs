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
                // With a token the name may come from its claim (V1Protocol.Identity.cs).
                return fields.Name is not null || fields.Token is not null
                    ? (new HelloRequest(r, fields.Name ?? "", fields.Session) { Token = fields.Token }, null)
                    : Missing(type, "name", r);
            case Kind.Refresh:
                return fields.Token is { } refreshToken
                    ? (new RefreshRequest(r, refreshToken), null)
                    : Missing(type, "token", r);
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

        if (envelope.Kind >= Kind.Configure)
        {
            return BuildModeration(envelope, fields, room);
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
        : reader.ValueTextEquals("refresh"u8) ? (Kind.Refresh, V1PacketTypes.Refresh)
        : ModerationKindOf(ref reader);

    private static (ClientRequest?, RequestError?) Missing(string type, string member, string? @ref) =>
        Fail(ErrorCodes.InvalidPacket, $"{type} needs a string \"payload.{member}\".", @ref);

    private static (ClientRequest?, RequestError?) Fail(string code, string message, string? @ref) =>
        (null, new RequestError(code, message, @ref));

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
        Refresh,
        Configure,
        Grant,
        Bans,
        Kick,
        Ban,
        Unban,
        Mute,
        Unmute,
        Audit,
        Delete,
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
}
