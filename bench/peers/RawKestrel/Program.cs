// Benchmark peer: beej-chat-protocol on plain ASP.NET Core WebSockets, without actors — the
// ceiling for ActorChat's stack (see bench/README.md). Usage: RawKestrel --port N (or PORT=N);
// binds 127.0.0.1 only.
using System.Globalization;
using System.Net;
using ActorChat.Bench.RawKestrel;

var port = PortOption.Parse(args);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
builder.Services.AddSingleton<ChatRoom>();

var app = builder.Build();
app.UseWebSockets();
app.Map("/", async (HttpContext context, ChatRoom room) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }

    if (!context.WebSockets.WebSocketRequestedProtocols.Contains(ChatRoom.Protocol))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync(ChatRoom.Protocol);
    await room.RunAsync(socket, context.RequestAborted);
});

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw-kestrel peer listening on ws://127.0.0.1:{port}/")));
await app.RunAsync();
