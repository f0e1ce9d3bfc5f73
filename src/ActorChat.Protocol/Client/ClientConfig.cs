using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorChat.Protocol.Client;

/// <summary>
/// <c>GET /client-config.json</c>: what the browser page needs to know of the server's settings
/// before it says <c>hello</c>. <see cref="AuthMode"/> is <c>anonymous</c>, <c>optional</c> or
/// <c>required</c>; <see cref="TokenRefreshUrl"/> is where the page gets a newer token before the
/// one it signed in with expires (null: it asks the user to sign in again instead).
/// </summary>
public sealed record ClientConfig(string AuthMode, string? TokenRefreshUrl)
{
    /// <summary>The body, written once at start by the source-generated serializer.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, ClientJsonContext.Default.ClientConfig);
}

/// <summary>The source-generated serializer of <see cref="ClientConfig"/>: camelCase, nulls written (the page reads a null refresh URL as "none").</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClientConfig))]
public sealed partial class ClientJsonContext : JsonSerializerContext;
