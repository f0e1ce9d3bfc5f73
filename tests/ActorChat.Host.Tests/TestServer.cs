using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using System.Diagnostics.Metrics;
using System.Net;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorChat.Host.Tests;

/// <summary>
/// A real ActorChat server (Kestrel + Akka) in this process, on 127.0.0.1 and a free port.
/// Each test starts its own, so no test sees another's broadcasts.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    /// <summary>
    /// The bound on every await in the tests: generous, since machines are shared and slow, and
    /// scaled by <see cref="TestTime.Factor"/> (<c>ACTORCHAT_TEST_TIMEFACTOR</c>). It bounds waits
    /// for conditions; nothing is expected to take this long.
    /// </summary>
    public static readonly TimeSpan Timeout = TestTime.Timeout;

    /// <summary>
    /// A server timer no test waits out: longer than any wait bound a test puts on an outcome that
    /// must come before it (at least a minute, and three times <see cref="Timeout"/>). A setting
    /// gets it through <see cref="LongTimerFor"/>, which keeps it within the setting's range.
    /// </summary>
    public static readonly TimeSpan LongTimer = LongTimerAt(TestTime.Factor);

    /// <summary><see cref="LongTimer"/> at the time factor <paramref name="factor"/>.</summary>
    internal static TimeSpan LongTimerAt(double factor) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, (TimeSpan.FromSeconds(TestTime.TimeoutSeconds) * factor * 3).Ticks));

    /// <summary>
    /// <see cref="LongTimer"/> for the duration setting <paramref name="setting"/> (its path under
    /// <c>ActorChat</c>, e.g. <c>Rooms:PresenceInterval</c>), but no more than the upper bound the
    /// server's validation allows it, so that a server starts at every <see cref="TestTime.Factor"/>.
    /// The caps (10 min for the keepalive and the close timeout, 1 min for the presence interval,
    /// 1 h for the grace) are right for a server and still "long" for a test: each is far beyond
    /// what any test takes, even where a large factor puts it below <see cref="LongTimer"/>.
    /// </summary>
    public static TimeSpan LongTimerFor(string setting) => LongTimerFor(setting, TestTime.Factor);

    /// <summary><see cref="LongTimerFor(string)"/> at the time factor <paramref name="factor"/>.</summary>
    internal static TimeSpan LongTimerFor(string setting, double factor)
    {
        var cap = SettingRange(setting).Maximum;
        var wanted = LongTimerAt(factor);
        return wanted < cap ? wanted : cap;
    }

    /// <summary><c>--ActorChat:{setting}={LongTimerFor(setting)}</c>, a command-line override.</summary>
    public static string LongTimerSetting(string setting) => LongTimerSetting(setting, TestTime.Factor);

    /// <summary><see cref="LongTimerSetting(string)"/> at the time factor <paramref name="factor"/>.</summary>
    internal static string LongTimerSetting(string setting, double factor) => $"--ActorChat:{setting}={LongTimerFor(setting, factor):c}";

    /// <summary>
    /// The shortest of the timers <see cref="LongTimerSettings"/> sets: a connection ended before
    /// this was not ended by one of them.
    /// </summary>
    public static TimeSpan ShortestLongTimer { get; } = new[] { "CloseTimeout", "KeepAliveInterval", "KeepAliveTimeout" }.Select(s => LongTimerFor(s)).Min();

    /// <summary>
    /// Settings that push every server timer that ends a connection by itself (the close handshake's
    /// timeout, the keepalive) out to <see cref="LongTimerFor"/>: for tests that prove something
    /// happens without one of those timers, e.g. a connection ended by its actor.
    /// </summary>
    public static string[] LongTimerSettings =>
    [
        LongTimerSetting("CloseTimeout"),
        LongTimerSetting("KeepAliveInterval"),
        LongTimerSetting("KeepAliveTimeout"),
    ];

    /// <summary>The range validation allows the duration setting at <paramref name="setting"/> (a path under <c>ActorChat</c>).</summary>
    internal static (TimeSpan Minimum, TimeSpan Maximum) SettingRange(string setting)
    {
        var type = typeof(ChatServerOptions);
        System.Reflection.PropertyInfo? property = null;
        foreach (var part in setting.Split(':'))
        {
            property = type.GetProperty(part) ?? throw new ArgumentException($"ActorChat:{setting}: no such setting", nameof(setting));
            type = property.PropertyType;
        }

        var range = property?.GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), inherit: true).OfType<System.ComponentModel.DataAnnotations.RangeAttribute>().SingleOrDefault();
        if (range is null || type != typeof(TimeSpan))
        {
            throw new ArgumentException($"ActorChat:{setting}: not a duration setting with a range", nameof(setting));
        }

        var parse = (object bound) => TimeSpan.Parse((string)bound, System.Globalization.CultureInfo.InvariantCulture);
        return (parse(range.Minimum), parse(range.Maximum));
    }

    /// <summary>
    /// The setting every test server starts with (a test may override it): history in memory, so
    /// that no test writes the default <c>data/actorchat.db</c> next to the tests.
    /// </summary>
    public const string MemoryHistory = "--ActorChat:History:Provider=memory";

    private bool _stopped;

    private TestServer(WebApplication app, Uri http)
    {
        App = app;
        Http = http;
        WebSocket = new UriBuilder(http) { Scheme = "ws" }.Uri;
    }

    public WebApplication App { get; }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Http { get; }

    /// <summary>The chat endpoint, e.g. <c>ws://127.0.0.1:41234/</c>.</summary>
    public Uri WebSocket { get; }

    public int Port => Http.Port;

    /// <summary>The page's own origin as a browser would send it.</summary>
    public string Origin => $"http://127.0.0.1:{Port}";

    /// <summary>Starts a server. <paramref name="settings"/> are command-line style overrides, e.g. <c>--ActorChat:MaxFrameBytes=1024</c>.</summary>
    public static Task<TestServer> StartAsync(params string[] settings) => StartAsync((ILoggerProvider?)null, settings);

    /// <summary>Starts a server whose logs (Debug and up) go to <paramref name="output"/>.</summary>
    public static Task<TestServer> StartAsync(Xunit.Abstractions.ITestOutputHelper? output, params string[] settings) =>
        StartAsync(output is null ? null : new TestOutputLoggerProvider(output), settings);

    /// <summary>Starts a server whose logs (Debug and up) go to <paramref name="logs"/>.</summary>
    public static async Task<TestServer> StartAsync(ILoggerProvider? logs, params string[] settings)
    {
        // ChatClient (ClientWebSocket) answers the server's pings only while it is reading, and many
        // tests leave a client unread for a while on purpose: the keepalive, which would drop such
        // a client as a dead peer, is pushed out of the way unless a test sets it (later wins).
        // History is kept in memory, so no test writes a data/ folder, unless a test sets it.
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            LongTimerSetting("KeepAliveInterval"),
            LongTimerSetting("KeepAliveTimeout"),
            MemoryHistory,
            .. settings,
        ];
        var builder = ChatServer.CreateBuilder(args);
        builder.Logging.ClearProviders();
        if (logs is null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }
        else
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddFilter("Microsoft", LogLevel.Information);
            builder.Logging.AddFilter("ActorChat", LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        }

        var app = builder.Build();
        app.UseActorChat();
        using var cts = new CancellationTokenSource(Timeout * 3);
        await app.StartAsync(cts.Token);

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var http = new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
        return new TestServer(app, http);
    }

    /// <summary>Connects a chat client (subprotocol offered, no Origin unless given).</summary>
    public Task<ChatClient> ConnectAsync(string? origin = null) => ChatClient.ConnectAsync(WebSocket, origin);

    /// <summary>Connects a client and joins it as <paramref name="name"/>, consuming its own chat-join and chat-users.</summary>
    public async Task<ChatClient> JoinAsync(string name)
    {
        var client = await ConnectAsync();
        await client.JoinAsync(name);
        var join = await client.ExpectAsync("chat-join");
        Assert.Equal(name.Trim(), join.Username());
        var users = await client.ExpectAsync("chat-users");
        Assert.Equal(name.Trim(), users.Username());
        return client;
    }

    /// <summary>The connections open on the server (the gateway's count) and the names in the lobby (as its last presence diff left them).</summary>
    public async Task<LobbyMembers> MembersAsync()
    {
        var registry = App.Services.GetRequiredService<ActorRegistry>();
        using var cts = new CancellationTokenSource(Timeout);
        var gateway = await registry.GetAsync<ChatGateway>(cts.Token);
        var status = await gateway.Ask<ChatGateway.Status>(ChatGateway.GetStatus.Instance, Timeout, cts.Token);
        var rooms = await registry.GetAsync<ChatCluster.RoomShardRegion>(cts.Token);
        var lobby = await rooms.Ask<RoomContract.Status>(new RoomContract.GetStatus(RoomNames.Lobby), Timeout, cts.Token);
        return new LobbyMembers(status.Connections, lobby.Names);
    }

    /// <summary>
    /// The connection actors alive now (the host names them <c>connection-{id}</c> under
    /// <c>/user/chat</c>), found with <see cref="Identify"/>: one answer per connection the room holds.
    /// </summary>
    public async Task<IReadOnlyList<IActorRef>> ConnectionActorsAsync()
    {
        var expected = (await MembersAsync()).Connections;
        var system = App.Services.GetRequiredService<ActorSystem>();
        using var inbox = Inbox.Create(system);
        system.ActorSelection("/user/chat/connection-*").Tell(new Identify(null), inbox.Receiver);
        var found = new List<IActorRef>();
        while (found.Count < expected)
        {
            // A selection that matches nothing answers once with no subject.
            if (Assert.IsType<ActorIdentity>(await inbox.ReceiveAsync(Timeout)).Subject is { } actor)
            {
                found.Add(actor);
            }
        }

        return found;
    }

    /// <summary>Polls the room until <paramref name="condition"/> holds (the bound is <see cref="Timeout"/>).</summary>
    public async Task WaitForRoomAsync(Func<LobbyMembers, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var members = await MembersAsync();
            if (condition(members))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for the room: {what}. Last: {members.Connections} connections, names [{string.Join(", ", members.Names)}]");
            await Task.Delay(20);
        }
    }

    /// <summary>The ActorChat meter of this server only (each app has its own meter factory).</summary>
    public MeterListener ListenToMetrics(Action<string, long> onMeasurement)
    {
        var factory = App.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ChatMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => onMeasurement(instrument.Name, value));
        listener.Start();
        return listener;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = Http, Timeout = Timeout };

    /// <summary>Sends <paramref name="requestTarget"/> verbatim (no URI normalization) and returns the status code and body.</summary>
    public async Task<(int Status, string Response)> RawGetAsync(string requestTarget, params (string Name, string Value)[] headers)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = tcp.GetStream();
        var extra = string.Concat(headers.Select(h => $"{h.Name}: {h.Value}\r\n"));
        var request = $"GET {requestTarget} HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\n{extra}Connection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), cts.Token);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        var response = await reader.ReadToEndAsync(cts.Token);
        var statusLine = response.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ');
        Assert.True(parts.Length >= 2 && parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal), $"Not an HTTP response: {statusLine}");
        return (int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), response);
    }

    /// <summary>Stops the server the way SIGTERM does (drain first).</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        using var cts = new CancellationTokenSource(Timeout * 3);
        await App.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            try
            {
                await StopAsync();
            }
            catch (OperationCanceledException)
            {
                // Disposal below ends whatever did not stop in time.
            }
        }

        await App.DisposeAsync();
    }
}

/// <summary>What <see cref="TestServer.MembersAsync"/> found: open connections, and the lobby's names.</summary>
public sealed record LobbyMembers(int Connections, IReadOnlyList<string> Names);
