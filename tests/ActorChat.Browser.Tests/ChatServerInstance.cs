using ActorChat.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorChat.Browser.Tests;

/// <summary>
/// A real ActorChat server (Kestrel) in this process on 127.0.0.1. It binds port 0 and reports the
/// port the system gave it: a port probed free beforehand could be taken by another process
/// before the server binds it.
/// </summary>
internal sealed class ChatServerInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChatServerInstance(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>
    /// A member whose socket dropped (a closed tab) is shown as left after this, not after the
    /// default 15 s grace that spares a reconnecting member a leave and a join.
    /// </summary>
    public const string ShortPresenceGrace = "--ActorChat:Rooms:PresenceGrace=00:00:00.200";

    /// <summary>Settings for durable history in the SQLite file <paramref name="path"/> (the tests' default is memory).</summary>
    public static string[] Sqlite(string path) =>
        ["--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={path}"];

    /// <summary>The page's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The port the server bound.</summary>
    public int Port => Url.Port;

    /// <summary>Starts a server on a port of the system's choosing.</summary>
    /// <param name="webRoot">Serve this folder instead of <c>wwwroot/</c>.</param>
    /// <param name="settings">More command-line settings, e.g. <c>--ActorChat:MaxConnections=1</c>.</param>
    public static Task<ChatServerInstance> StartAsync(string? webRoot = null, params string[] settings) =>
        StartOnPortAsync(0, webRoot, settings);

    /// <summary>
    /// Starts a server again on the port an earlier one bound (<see cref="Port"/>), where its
    /// pages reconnect. The port came from a server, never from a probe.
    /// </summary>
    public static Task<ChatServerInstance> RestartAsync(int port, string? webRoot = null, params string[] settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        return StartOnPortAsync(port, webRoot, settings);
    }

    private static async Task<ChatServerInstance> StartOnPortAsync(int port, string? webRoot, string[] settings)
    {
        // History in memory, so no test writes data/actorchat.db next to the tests; a test may override it.
        List<string> args = ["--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", "--ActorChat:DrainWindow=00:00:00.200", "--ActorChat:History:Provider=memory"];
        if (webRoot is not null)
        {
            args.AddRange(["--webroot", webRoot]);
        }

        args.AddRange(settings);
        var app = ChatServer.CreateBuilder([.. args]).Build();
        try
        {
            app.UseActorChat();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var url = new Uri(address + "/");
            if (url.Port == 0 || (port != 0 && url.Port != port))
            {
                throw new InvalidOperationException($"The server reports {address}, not the port it bound.");
            }

            return new ChatServerInstance(app, url);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
