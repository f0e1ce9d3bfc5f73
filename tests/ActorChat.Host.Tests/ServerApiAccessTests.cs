using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ActorChat.Host.Tests;

/// <summary>
/// Who reaches the server API: only callers with a key (401 problem otherwise), only on the
/// management listeners on loopback (404 on the chat port), not at all without keys (404); its own
/// rate limit per key (429 problem); and its OpenAPI document of every route.
/// </summary>
public sealed class ServerApiAccessTests
{
    /// <summary>Every route of the API, with a request that would succeed with a key.</summary>
    private static readonly (HttpMethod Method, string Path, string? Body)[] Routes =
    [
        (HttpMethod.Get, "api/rooms", null),
        (HttpMethod.Get, "api/rooms/lobby", null),
        (HttpMethod.Get, "api/rooms/lobby/presence", null),
        (HttpMethod.Get, "api/rooms/lobby/messages?limit=5", null),
        (HttpMethod.Post, "api/rooms/lobby/messages", """{"text":"hello"}"""),
        (HttpMethod.Get, "api/rooms/lobby/audit", null),
        (HttpMethod.Get, "api/bans", null),
        (HttpMethod.Get, "api/audit", null),
        (HttpMethod.Post, "api/rooms/lobby/configure", """{"topic":"welcome"}"""),
        (HttpMethod.Get, "api/openapi.json", null),
    ];

    [Fact]
    public async Task Every_route_without_a_key_or_with_a_wrong_key_is_401_problem_and_with_a_key_it_answers()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var none = server.Api(key: null);
        using var wrong = server.Api(ApiServer.BackendKey + "x");
        using var prefix = server.Api(ApiServer.BackendKey[..^1]);
        using var basic = server.Api(key: null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", ApiServer.BackendKey);
        using var backend = server.Api();
        using var ops = server.Api(ApiServer.OpsKey);

        foreach (var (method, path, body) in Routes)
        {
            foreach (var refused in new[] { none, wrong, prefix, basic })
            {
                using var response = await refused.SendAsync(Request(method, path, body));
                await ApiServer.ReadProblemAsync(response, 401);
                Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }

            foreach (var allowed in new[] { backend, ops })
            {
                using var response = await allowed.SendAsync(Request(method, path, body));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    [Fact]
    public async Task On_the_chat_port_every_api_path_is_404_even_with_a_key()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var chat = ApiServer.Client(server.Chat, ApiServer.BackendKey);

        foreach (var (method, path, body) in Routes.Append((HttpMethod.Get, "API/ROOMS", null)))
        {
            using var response = await chat.SendAsync(Request(method, path, body));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} on the chat port: {(int)response.StatusCode}");
        }

        // The same requests reach the API on the management port.
        using var api = server.Api();
        using var listed = await api.GetAsync("API/ROOMS");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    [Fact]
    public async Task Without_keys_every_api_path_is_404_and_with_keys_but_no_management_listener_too()
    {
        await using (var noKeys = await ApiServer.StartAsync(ApiServer.Management))
        {
            using var api = noKeys.Api();
            foreach (var (method, path, body) in Routes)
            {
                using var response = await api.SendAsync(Request(method, path, body));
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} without keys: {(int)response.StatusCode}");
            }

            using var metrics = await api.GetAsync("metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        }

        // Keys but no management listener: the API is served nowhere, never on the chat port.
        await using var chatOnly = await ApiServer.StartAsync([.. ApiServer.Keys]);
        using var chat = ApiServer.Client(chatOnly.Chat, ApiServer.BackendKey);
        foreach (var (method, path, body) in Routes)
        {
            using var response = await chat.SendAsync(Request(method, path, body));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} on a server without management listeners: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("127.8.9.10", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("10.1.2.3", false, false)]
    [InlineData("fd00::5", false, false)]
    [InlineData("10.1.2.3", true, true)]
    public void On_a_management_listener_the_api_answers_on_loopback_addresses_only_unless_all_interfaces_are_allowed(string local, bool allInterfaces, bool served)
    {
        var context = ManagementRequest(IPAddress.Parse(local));

        Assert.Equal(served, ChatApi.Serves(context, served: true, allInterfaces));
        Assert.False(ChatApi.Serves(context, served: false, allInterfaces));
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_problem_with_retry_after_and_another_key_does_not()
    {
        await using var server = await ApiServer.StartWithApiAsync("--ActorChat:Auth:ApiRequestsPerSecond=1", "--ActorChat:Auth:ApiRequestBurst=2");
        using var backend = server.Api();
        using var ops = server.Api(ApiServer.OpsKey);

        // One token a second after a burst of two: of 30 requests in a row, some are refused
        // (all 30 would pass only if they took over 28 s).
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var response = await backend.GetAsync("api/rooms");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            var problem = await ApiServer.ReadProblemAsync(limited, 429);
            Assert.Contains("1 requests a second", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
        }

        // Per key: the other key still has its burst.
        using var other = await ops.GetAsync("api/rooms");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_openapi_3_and_lists_every_route_and_only_the_api()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();

        using var response = await api.GetAsync("api/openapi.json");
        var document = await ApiServer.ReadJsonAsync(response, 200);

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        var routes = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [
                "DELETE /api/bans/{id}",
                "DELETE /api/rooms/{room}/messages/{offset}",
                "GET /api/audit",
                "GET /api/bans",
                "GET /api/rooms",
                "GET /api/rooms/{room}",
                "GET /api/rooms/{room}/audit",
                "GET /api/rooms/{room}/messages",
                "GET /api/rooms/{room}/presence",
                "POST /api/bans",
                "POST /api/disconnect",
                "POST /api/rooms/{room}/ban",
                "POST /api/rooms/{room}/configure",
                "POST /api/rooms/{room}/grant",
                "POST /api/rooms/{room}/kick",
                "POST /api/rooms/{room}/messages",
                "POST /api/rooms/{room}/mute",
                "POST /api/rooms/{room}/unban",
                "POST /api/rooms/{room}/unmute",
            ],
            routes);

        // The publish body and the history page are described, and problems for the errors.
        var post = paths.GetProperty("/api/rooms/{room}/messages").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), post.GetRawText());
        foreach (var status in new[] { "200", "400", "401", "404", "429" })
        {
            Assert.True(post.GetProperty("responses").TryGetProperty(status, out _), $"POST messages documents no {status}: {post.GetRawText()}");
        }

        var history = paths.GetProperty("/api/rooms/{room}/messages").GetProperty("get");
        var parameters = history.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("before", parameters);
        Assert.Contains("limit", parameters);
    }

    [Fact]
    public async Task The_api_logs_where_it_is_refusals_and_posts_by_key_id_and_never_a_key()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await ApiServer.StartAsync(logs, [ApiServer.Management, .. ApiServer.Keys]))
        {
            using var backend = server.Api();
            using var wrong = server.Api("wrong-" + ApiServer.OpsKey);
            using var posted = await ApiServer.PostAsync(backend, "news", """{"text":"hello"}""");
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            using var refused = await wrong.GetAsync("api/rooms");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

            var listening = Assert.Single(logs.Entries, e => e.EventId == 1060).Message;
            Assert.Contains(server.ManagementUri!.GetLeftPart(UriPartial.Authority), listening, StringComparison.Ordinal);
            Assert.Contains("/api/rooms", Assert.Single(logs.Entries, e => e.EventId == 1062).Message, StringComparison.Ordinal);
            Assert.Contains("backend", Assert.Single(logs.Entries, e => e.EventId == 1063).Message, StringComparison.Ordinal);
        }

        foreach (var entry in logs.Entries)
        {
            foreach (var key in new[] { ApiServer.BackendKey, ApiServer.OpsKey })
            {
                Assert.DoesNotContain(key, entry.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(entry.State.Values, v => v?.ToString()?.Contains(key, StringComparison.Ordinal) == true);
            }
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? body) =>
        new(method, path) { Content = body is null ? null : ApiServer.Json(body) };

    /// <summary>A request as a management listener hands it over, arriving at <paramref name="local"/>.</summary>
    private static DefaultHttpContext ManagementRequest(IPAddress local)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/rooms";
        context.Connection.LocalIpAddress = local;
        var items = new ConnectionItems();
        ChatListeners.TagManagement(items.Items);
        context.Features.Set<IConnectionItemsFeature>(items);
        return context;
    }

    private sealed class ConnectionItems : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    }
}
