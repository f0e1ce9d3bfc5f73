using System.Text.Json;

namespace ActorChat.Protocol.Beej;

/// <summary>
/// The one place where <c>beej-chat-protocol</c> JSON is read or written. Decoding never throws;
/// encoding returns the UTF-8 bytes of one text frame, so a broadcast is serialized once and the
/// same bytes go to every recipient.
/// </summary>
public static class ChatProtocol
{
    /// <summary>Decodes one text frame. Exactly one of the results is non-null.</summary>
    public static (ClientPacket? Packet, DecodeError? Error) Decode(ReadOnlySpan<byte> utf8)
    {
        WireIn? wire;
        try
        {
            wire = JsonSerializer.Deserialize(utf8, WireJsonContext.Default.WireIn);
        }
        catch (JsonException)
        {
            return WireJson.IsWellFormed(utf8)
                ? Invalid("Expected {\"type\": string, \"payload\": object} with string fields.")
                : (null, new DecodeError(ErrorCodes.InvalidJson, "The frame is not valid JSON."));
        }

        if (wire is null)
        {
            return Invalid("Expected a JSON object, got null.");
        }

        if (wire.Type is null)
        {
            return Invalid("Missing string field \"type\".");
        }

        if (wire.Payload is null)
        {
            return Invalid("Missing object field \"payload\".");
        }

        switch (wire.Type)
        {
            case PacketTypes.Join:
                return wire.Payload.Username is { } joinName
                    ? (new JoinPacket(joinName), null)
                    : Invalid("chat-join needs a string \"payload.username\".");
            case PacketTypes.Message:
                if (wire.Payload.Username is not { } name)
                {
                    return Invalid("chat-message needs a string \"payload.username\".");
                }

                return wire.Payload.Message is { } text
                    ? (new MessagePacket(name, text), null)
                    : Invalid("chat-message needs a string \"payload.message\".");
            default:
                return (null, new DecodeError(ErrorCodes.UnknownType, "Unknown packet type."));
        }
    }

    public static byte[] EncodeJoin(string username) =>
        Encode(PacketTypes.Join, new WireOutPayload(username));

    public static byte[] EncodeLeave(string username) =>
        Encode(PacketTypes.Leave, new WireOutPayload(username));

    public static byte[] EncodeMessage(string username, string message) =>
        Encode(PacketTypes.Message, new WireOutPayload(username) { Message = message });

    public static byte[] EncodeRename(string username, string previous) =>
        Encode(PacketTypes.Rename, new WireOutPayload(username) { Previous = previous });

    public static byte[] EncodeUsers(string username, IReadOnlyList<string> users) =>
        Encode(PacketTypes.Users, new WireOutPayload(username) { Users = users });

    /// <param name="username">The connection's bound name, or <c>""</c> before it joined.</param>
    public static byte[] EncodeError(string username, string code, string message) =>
        Encode(PacketTypes.Error, new WireOutPayload(username) { Code = code, Message = message });

    private static (ClientPacket?, DecodeError?) Invalid(string message) =>
        (null, new DecodeError(ErrorCodes.InvalidPacket, message));

    private static byte[] Encode(string type, WireOutPayload payload) =>
        JsonSerializer.SerializeToUtf8Bytes(new WireOut(type, payload), WireJsonContext.Default.WireOut);
}
