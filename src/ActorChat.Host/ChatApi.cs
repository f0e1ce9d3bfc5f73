using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using ActorChat.Protocol.Api;
using Microsoft.AspNetCore.RateLimiting;

namespace ActorChat.Host;

/// <summary>
/// The server API (README "Server API", docs/PROTOCOL.md Part D): HTTP and JSON for the operator's
/// backend, with ASP.NET Core minimal APIs. Served only on the management listeners
/// (<see cref="ChatServerOptions.ManagementUrls"/>), there only on loopback addresses unless
/// <see cref="AuthOptions.ApiOnAllInterfaces"/>, and only when <see cref="AuthOptions.ApiKeys"/>
/// are set: everywhere else every <c>/api</c> path is 404, as if it did not exist. Every call needs
/// one of the keys (401 otherwise), is rate limited per key (429), and answers errors as RFC 7807
/// problem details. The routes are in <see cref="ChatApiRooms"/>; the document of all of them is at
/// <c>GET /api/openapi.json</c>.
/// </summary>
internal static class ChatApi
{
    public const string Prefix = "/api";

    /// <summary>The OpenAPI document's name: it is served at <c>/api/{name}.json</c>.</summary>
    private const string DocumentName = "openapi";

    private const string RatePolicy = "actorchat-api";

    /// <summary>The API's services: keys, problem details, its JSON context, its rate limit and its OpenAPI document.</summary>
    public static IServiceCollection AddChatApi(this IServiceCollection services, ChatServerOptions options)
    {
        var auth = options.Auth;
        services.AddSingleton(new ChatApiKeys(auth.ApiKeys));
        services.AddSingleton<ChatApiRooms>();
        services.AddSingleton<ChatApiModeration>();
        services.AddSingleton<ChatApiServer>();
        services.AddProblemDetails();

        // Minimal APIs read and write the API's bodies with the protocol module's source-generated context.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                var http = rejected.HttpContext;
                var keyId = http.RequestServices.GetRequiredService<ChatApiKeys>().Authenticate(http) ?? "";
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorChat.Host").ApiRateLimited(keyId);
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return new ValueTask(Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"This key may make {auth.ApiRequestsPerSecond} requests a second (bursts of {auth.ApiRequestBurst}); try again after {http.Response.Headers.RetryAfter} s.").ExecuteAsync(http));
            };

            // Per key: the partition is the key's id. A request without a valid key is not limited
            // here; the endpoint filter refuses it with 401 before it does anything.
            limiter.AddPolicy(RatePolicy, http =>
                http.RequestServices.GetRequiredService<ChatApiKeys>().Authenticate(http) is { } keyId
                    ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = auth.ApiRequestBurst,
                        TokensPerPeriod = auth.ApiRequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
        });

        services.AddOpenApi(DocumentName, openApi =>
        {
            // The API's routes only: not /metrics, /healthz, /readyz or the page.
            openApi.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "ActorChat server API";
                document.Info.Version = "1";
                document.Info.Description = "For the operator's backend: every call needs Authorization: Bearer <key> (ActorChat:Auth:ApiKeys). Errors are RFC 7807 problem details.";
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// Answers 404 for every <c>/api</c> path the API does not serve: without keys, on a chat
    /// listener, and on a management listener's address that is not loopback (unless
    /// <see cref="AuthOptions.ApiOnAllInterfaces"/>). Inside the API, an empty error response
    /// (a route that does not exist, a query that does not bind) gets a problem body.
    /// </summary>
    public static void UseChatApiGate(this WebApplication app, ChatListeners listeners, AuthOptions auth, ILogger logger)
    {
        var served = auth.ApiKeys.Length > 0 && listeners.SeparateManagement;
        app.Use((context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return next(context);
            }

            if (Serves(context, served, auth.ApiOnAllInterfaces))
            {
                return next(context);
            }

            logger.FileNotFound(context.Request.Path.ToString());
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        if (served)
        {
            app.UseWhen(context => context.Request.Path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase), api => api.UseStatusCodePages());
        }

        if (auth.ApiKeys.Length > 0 && !listeners.SeparateManagement)
        {
            logger.ApiNowhere();
        }
    }

    /// <summary>Maps the API's routes (none without keys: every <c>/api</c> path is then 404).</summary>
    public static void MapChatApi(this WebApplication app, AuthOptions auth)
    {
        if (auth.ApiKeys.Length == 0)
        {
            return;
        }

        var api = app.MapGroup(Prefix)
            .RequireRateLimiting(RatePolicy)
            .AddEndpointFilter(RequireKey)
            .WithTags("ActorChat");
        ChatApiRooms.Map(api);
        ChatApiServer.Map(api);
        api.MapOpenApi("/{documentName}.json");
    }

    /// <summary>Where the API answers, for the start-up log (event 1060).</summary>
    public static void LogListening(ILogger logger, ChatListeners listeners, AuthOptions auth)
    {
        if (auth.ApiKeys.Length > 0 && listeners.SeparateManagement)
        {
            logger.ApiListening(string.Join(", ", listeners.Management), auth.ApiKeys.Length, auth.ApiOnAllInterfaces ? "" : " (loopback addresses only)");
        }
    }

    /// <summary>
    /// Whether the API answers <paramref name="context"/>: it is <paramref name="served"/> (keys and
    /// management listeners are set), the request came in on a management listener, at a loopback
    /// address unless <paramref name="allInterfaces"/>.
    /// </summary>
    internal static bool Serves(HttpContext context, bool served, bool allInterfaces) =>
        served && ChatListeners.OnManagementListener(context) && (allInterfaces || IsLoopback(context.Connection.LocalIpAddress));

    /// <summary>A unix socket is local; an IP address must be a loopback one (IPv4 mapped into IPv6 included).</summary>
    private static bool IsLoopback(IPAddress? local) =>
        local is null || IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local);

    private static async ValueTask<object?> RequireKey(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        if (http.RequestServices.GetRequiredService<ChatApiKeys>().Authenticate(http) is not null)
        {
            return await next(invocation).ConfigureAwait(false);
        }

        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorChat.Host")
            .ApiUnauthorized(http.Request.Method, http.Request.Path.ToString(), http.Connection.RemoteIpAddress?.ToString() ?? "local");
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: "Send one of the server's API keys as Authorization: Bearer <key> (ActorChat:Auth:ApiKeys).");
    }
}
