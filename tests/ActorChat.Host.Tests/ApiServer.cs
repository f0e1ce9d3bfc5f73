using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorChat.Host.Tests;

/// <summary>
/// A real server with the server API: chat on 127.0.0.1 port 0, management (where the API is) on
/// another 127.0.0.1 port 0, two API keys (<see cref="BackendKey"/>, <see cref="OpsKey"/>).
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    public const string BackendKey = "backend-0123456789abcdef0123456789abcdef";
    public const string OpsKey = "ops-fedcba9876543210fedcba9876543210fedc";

    /// <summary>The two keys, as settings.</summary>
    public static readonly string[] Keys =
    [
        "--ActorChat:Auth:ApiKeys:0:Id=backend",
        $"--ActorChat:Auth:ApiKeys:0:Key={BackendKey}",
        "--ActorChat:Auth:ApiKeys:1:Id=ops",
        $"--ActorChat:Auth:ApiKeys:1:Key={OpsKey}",
    ];

    /// <summary>A management listener of its own, on loopback.</summary>
    public const string Management = "--ActorChat:ManagementUrls:0=http://127.0.0.1:0";

    private ApiServer(WebApplication app, Uri chat, Uri? management)
    {
        App = app;
        Chat = chat;
        ManagementUri = management;
        WebSocket = new UriBuilder(chat) { Scheme = "ws" }.Uri;
    }

    public WebApplication App { get; }

    public Uri Chat { get; }

    /// <summary>The management listener; null when the server has none.</summary>
    public Uri? ManagementUri { get; }

    public Uri WebSocket { get; }

    /// <summary>Starts a server with <paramref name="settings"/> (command-line style); none given: keys and a management listener.</summary>
    public static async Task<ApiServer> StartAsync(ILoggerProvider? logs, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            TestServer.LongTimerSetting("KeepAliveInterval"),
            TestServer.LongTimerSetting("KeepAliveTimeout"),
            TestServer.MemoryHistory,
            .. settings,
        ];
        var builder = ChatServer.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logs is null ? LogLevel.Warning : LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddFilter("ActorChat", LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        }

        var app = builder.Build();
        app.UseActorChat();
        using var cts = new CancellationTokenSource(TestServer.Timeout * 3);
        await app.StartAsync(cts.Token);
        var listeners = app.Services.GetRequiredService<ChatListeners>();
        var chat = new Uri(Assert.Single(listeners.Chat) + "/");
        Uri? management = listeners.SeparateManagement ? new Uri(Assert.Single(listeners.Management) + "/") : null;
        return new ApiServer(app, chat, management);
    }

    public static Task<ApiServer> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <summary>The usual API server: both keys, a management listener, and <paramref name="settings"/>.</summary>
    public static Task<ApiServer> StartWithApiAsync(params string[] settings) => StartAsync(null, [Management, .. Keys, .. settings]);

    /// <summary>A client of the management listener sending <paramref name="key"/> (none: no Authorization header).</summary>
    public HttpClient Api(string? key = BackendKey) => Client(ManagementUri ?? throw new InvalidOperationException("No management listener."), key);

    /// <summary>A client of <paramref name="listener"/> sending <paramref name="key"/> as a bearer token.</summary>
    public static HttpClient Client(Uri listener, string? key)
    {
        var http = new HttpClient { BaseAddress = listener, Timeout = TestServer.Timeout };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>A JSON body.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Posts <paramref name="json"/> to <c>/api/rooms/{room}/messages</c>.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient api, string room, string json) => api.PostAsync($"api/rooms/{room}/messages", Json(json));

    /// <summary>The response's JSON, after checking its status and content type.</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, int status, string contentType = "application/json")
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>An RFC 7807 problem with <paramref name="status"/>: its JSON.</summary>
    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, int status)
    {
        var problem = await ReadJsonAsync(response, status, "application/problem+json");
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), problem.GetRawText());
        return problem;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TestServer.Timeout * 3);
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Disposal below ends whatever did not stop in time.
        }

        await App.DisposeAsync();
    }
}
