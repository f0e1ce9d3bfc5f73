using System.Text;
using System.Text.Json;

namespace ActorChat.Protocol.Tests;

/// <summary>Test-side helpers for looking at frames.</summary>
internal static class Wire
{
    public static string Text(ReadOnlyMemory<byte> frame) => Encoding.UTF8.GetString(frame.Span);

    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>The frame parsed, for assertions on values rather than bytes.</summary>
    public static JsonElement Parse(ReadOnlyMemory<byte> frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.Clone();
    }
}
