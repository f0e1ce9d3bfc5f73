using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>ActorChat:ManagementUrls</c>: when set, /metrics, /healthz and /readyz are served only on the
/// management listeners and the chat (socket and page) only on the chat ones; when not set, all
/// of it is on the chat listeners, as before.
/// </summary>
public sealed class ManagementUrlTests
{
    [Fact]
    public async Task With_management_urls_metrics_and_health_are_served_there_only_and_the_chat_only_on_the_chat_port()
    {
        var logs = new LogCapture();
        await using var app = await StartAsync(logs, "--ActorChat:ManagementUrls:0=http://127.0.0.1:0");
        var listeners = app.Services.GetRequiredService<ChatListeners>();
        Assert.True(listeners.SeparateManagement);
        var chat = new Uri(Assert.Single(listeners.Chat));
        var management = new Uri(Assert.Single(listeners.Management));
        Assert.NotEqual(chat.Port, management.Port);
        Assert.NotEqual(0, management.Port);

        using var http = new HttpClient { Timeout = TestServer.Timeout };
        foreach (var path in ChatListeners.ManagementPaths)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, management, path));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, chat, path));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, chat, path.ToUpperInvariant() + "/"));
        }

        Assert.Contains("actorchat", await http.GetStringAsync(new Uri(management, "/metrics")), StringComparison.Ordinal);
        Assert.Equal("Healthy", await http.GetStringAsync(new Uri(management, "/readyz")));

        foreach (var path in new[] { "/", "/index.html", "/app.js" })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, chat, path));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, management, path));
        }

        // The chat socket: refused on the management listener, working on the chat one.
        Assert.Equal(HttpStatusCode.NotFound, await ChatClient.ConnectRefusedAsync(WebSocketUri(management)));
        await using (var alice = await ChatClient.ConnectAsync(WebSocketUri(chat)))
        {
            await alice.JoinAsync("alice");
            await alice.ExpectAsync("chat-join");
        }

        // Event 1001 names the chat listener only, event 1030 the management one.
        var listening = Assert.Single(logs.Entries, e => e.Id == 1001).Message;
        Assert.Contains(chat.GetLeftPart(UriPartial.Authority), listening, StringComparison.Ordinal);
        Assert.DoesNotContain($":{management.Port}", listening, StringComparison.Ordinal);
        var managementLog = Assert.Single(logs.Entries, e => e.Id == 1030).Message;
        Assert.Contains(management.GetLeftPart(UriPartial.Authority), managementLog, StringComparison.Ordinal);
        Assert.Contains("/metrics", managementLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_management_urls_metrics_health_and_the_chat_share_the_chat_port()
    {
        var logs = new LogCapture();
        await using var app = await StartAsync(logs);
        var listeners = app.Services.GetRequiredService<ChatListeners>();
        Assert.False(listeners.SeparateManagement);
        var chat = new Uri(Assert.Single(listeners.Chat));
        Assert.Equal(listeners.Chat, listeners.Management);

        using var http = new HttpClient { Timeout = TestServer.Timeout };
        foreach (var path in ChatListeners.ManagementPaths.Append("/"))
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, chat, path));
        }

        await using (var alice = await ChatClient.ConnectAsync(WebSocketUri(chat)))
        {
            await alice.JoinAsync("alice");
            await alice.ExpectAsync("chat-join");
        }

        Assert.DoesNotContain(logs.Entries, e => e.Id == 1030);
    }

    [Theory]
    [InlineData("9090", "http://localhost:9090")]
    [InlineData(" 9090 ", "http://localhost:9090")]
    [InlineData("http://0.0.0.0:9090", "http://0.0.0.0:9090")]
    [InlineData("http://[::1]:9090", "http://[::1]:9090")]
    public void A_bare_port_means_loopback(string entry, string url)
    {
        Assert.Equal(url, ChatListeners.ManagementUrl(entry));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, Uri listener, string path)
    {
        using var response = await http.GetAsync(new Uri(listener, path));
        return response.StatusCode;
    }

    private static Uri WebSocketUri(Uri http) => new UriBuilder(http) { Scheme = "ws", Path = "/" }.Uri;

    /// <summary>A server on 127.0.0.1 port 0 (TestServer expects a single 127.0.0.1 address, and here there are two).</summary>
    private static async Task<WebApplication> StartAsync(ILoggerProvider logs, params string[] settings)
    {
        var builder = ChatServer.CreateBuilder(["--urls", "http://127.0.0.1:0", TestServer.MemoryHistory, .. settings]);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);
        var app = builder.Build();
        app.UseActorChat();
        using var cts = new CancellationTokenSource(TestServer.Timeout * 3);
        await app.StartAsync(cts.Token);
        return app;
    }

    private sealed record LogEntry(int Id, string Message);

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(eventId.Id, formatter(state, exception)));
        }
    }
}
