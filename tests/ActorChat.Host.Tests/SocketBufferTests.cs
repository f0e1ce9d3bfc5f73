using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorChat.Host.Tests;

/// <summary>The kernel send buffer of accepted sockets is bounded (accepted sockets inherit the listening socket's).</summary>
public sealed class SocketBufferTests
{
    [Theory]
    [InlineData(32 * 1024)]
    [InlineData(128 * 1024)]
    public async Task Listening_sockets_get_the_configured_send_buffer(int bytes)
    {
        await using var server = await TestServer.StartAsync($"--ActorChat:SocketSendBufferBytes={bytes}");
        var transport = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        using var socket = transport.CreateBoundListenSocket(new IPEndPoint(IPAddress.Loopback, 0));

        // Linux reports twice the requested size (it counts its own bookkeeping); other systems the size itself.
        Assert.Contains(socket.SendBufferSize, new[] { bytes, 2 * bytes });
    }

    [Fact]
    public async Task Zero_leaves_the_send_buffer_to_the_operating_system()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:SocketSendBufferBytes=0");
        var transport = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        using var bounded = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = transport.CreateBoundListenSocket(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(bounded.SendBufferSize, socket.SendBufferSize);
    }
}
