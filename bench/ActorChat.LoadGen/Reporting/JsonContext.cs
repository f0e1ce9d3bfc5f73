using System.Text.Json.Serialization;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Source-generated JSON for the results file.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class JsonContext : JsonSerializerContext;
