using System.Buffers;
using System.Text.Json;

namespace ActorChat.Bench.RawKestrel;

/// <summary>A client packet's fields; a field that is missing or not a string is null.</summary>
internal sealed record ClientPacket(string? Type, string? Username, string? Message);

/// <summary>Decodes client frames and encodes server frames (UTF-8 JSON text).</summary>
internal static class Packets
{
    /// <summary>Reads <c>{"type": string, "payload": {...}}</c>; throws <see cref="JsonException"/> on invalid JSON.</summary>
    public static ClientPacket Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
        {
            return new ClientPacket(null, null, null);
        }

        return new ClientPacket(type.GetString(), StringField(payload, "username"), StringField(payload, "message"));
    }

    public static byte[] Join(string username) => Encode("chat-join", username, null, null);

    public static byte[] Leave(string username) => Encode("chat-leave", username, null, null);

    public static byte[] Message(string username, string message) => Encode("chat-message", username, "message", message);

    public static byte[] Error(string? username, string code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "chat-error");
            writer.WriteStartObject("payload");
            writer.WriteString("username", username ?? "");
            writer.WriteString("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Encode(string type, string username, string? field, string? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteStartObject("payload");
            writer.WriteString("username", username);
            if (field is not null)
            {
                writer.WriteString(field, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string? StringField(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
