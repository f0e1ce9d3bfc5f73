using System.Net;
using System.Net.Sockets;
using ActorChat.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorChat.Browser.Tests;

/// <summary>A real ActorChat server (Kestrel) in this process, on a loopback port.</summary>
internal sealed class ChatServerInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChatServerInstance(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<ChatServerInstance> StartAsync(int port = 0, string? webRoot = null)
    {
        List<string> args = ["--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", "--ActorChat:DrainWindow=00:00:00.200"];
        if (webRoot is not null)
        {
            args.AddRange(["--webroot", webRoot]);
        }

        var app = ChatServer.CreateBuilder([.. args]).Build();
        app.UseActorChat();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ChatServerInstance(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
