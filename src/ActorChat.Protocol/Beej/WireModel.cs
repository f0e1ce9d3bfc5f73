using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorChat.Protocol.Beej;

internal sealed class WireIn
{
    public string? Type { get; set; }

    public WireInPayload? Payload { get; set; }
}

internal sealed class WireInPayload
{
    public string? Username { get; set; }

    public string? Message { get; set; }
}

internal sealed record WireOut(string Type, WireOutPayload Payload);

internal sealed record WireOutPayload(string Username)
{
    public string? Message { get; init; }

    public string? Previous { get; init; }

    public string? Code { get; init; }

    public IReadOnlyList<string>? Users { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    MaxDepth = 8)]
[JsonSerializable(typeof(WireIn))]
[JsonSerializable(typeof(WireOut))]
internal sealed partial class WireJsonContext : JsonSerializerContext;

internal static class WireJson
{
    /// <summary>True when <paramref name="utf8"/> is syntactically valid JSON (used only to name an error).</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
