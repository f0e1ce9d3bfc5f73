using ActorChat.Protocol.Client;

namespace ActorChat.Host;

/// <summary>
/// <c>GET /client-config.json</c> on the chat listeners: the sign-in mode and the token refresh URL
/// the page needs (static files cannot carry a setting). The body is written once, at start.
/// </summary>
internal static class ClientConfigEndpoint
{
    public const string Path = "/client-config.json";

    public static IEndpointRouteBuilder MapClientConfig(this IEndpointRouteBuilder app, ChatServerOptions options)
    {
        var mode = AuthSetup.ModeOf(options.Auth).ToString().ToLowerInvariant();
        var body = new ClientConfig(mode, options.Client.RefreshUrl).ToUtf8Json();
        app.MapGet(Path, (HttpContext context) =>
        {
            // A changed setting must reach the next load of the page, not a cached copy.
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(body, "application/json");
        });
        return app;
    }
}
