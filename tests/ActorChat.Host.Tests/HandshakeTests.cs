using System.Net;
using System.Net.Sockets;

namespace ActorChat.Host.Tests;

/// <summary>One server for the class: these tests never join, so they cannot see each other's broadcasts.</summary>
public sealed class HandshakeServerFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "http://allowed.example";

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync($"--ActorChat:AllowedOrigins:0={AllowedOrigin}");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class HandshakeTests(HandshakeServerFixture fixture) : IClassFixture<HandshakeServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("beej-chat-protocol")]
    [InlineData("x", "beej-chat-protocol")]
    [InlineData("beej-chat-protocol", "y")]
    [InlineData("a", "b", "beej-chat-protocol", "c")]
    public async Task The_chat_protocol_is_selected_wherever_it_appears_in_the_offer(params string[] offer)
    {
        await using var client = await ChatClient.ConnectAsync(Server.WebSocket, protocols: offer);

        Assert.Equal("beej-chat-protocol", client.SubProtocolSelected);
        await AssertLiveAsync(client);
    }

    [Theory]
    [InlineData]
    [InlineData("chat")]
    [InlineData("x", "beej-chat-protocol-v2")]
    public async Task An_offer_without_the_chat_protocol_is_refused_with_400(params string[] offer)
    {
        Assert.Equal(HttpStatusCode.BadRequest, await ChatClient.ConnectRefusedAsync(Server.WebSocket, protocols: offer));
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("https://evil.example")]
    [InlineData("null")]
    [InlineData("http://allowed.example:8080")]
    [InlineData("https://allowed.example")]
    [InlineData("http://127.0.0.1.evil.example")]
    public async Task A_cross_site_origin_is_refused_with_403(string origin)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(Server.WebSocket, origin));
    }

    [Fact]
    public async Task The_page_origin_on_another_port_or_scheme_is_refused_with_403()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(Server.WebSocket, $"http://127.0.0.1:{OtherPort()}"));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(Server.WebSocket, $"https://127.0.0.1:{Server.Port}"));
    }

    [Fact]
    public async Task The_page_own_origin_is_allowed()
    {
        await using var client = await Server.ConnectAsync(Server.Origin);
        await AssertLiveAsync(client);
    }

    [Fact]
    public async Task An_origin_in_the_allow_list_is_allowed()
    {
        await using var client = await Server.ConnectAsync(HandshakeServerFixture.AllowedOrigin);
        await AssertLiveAsync(client);
    }

    [Fact]
    public async Task No_origin_is_allowed()
    {
        await using var client = await Server.ConnectAsync();
        await AssertLiveAsync(client);
    }

    [LocalhostIsLoopbackFact]
    public async Task The_localhost_origin_works_when_the_page_is_on_localhost()
    {
        var localhost = new Uri($"ws://localhost:{Server.Port}/");
        await using (var client = await ChatClient.ConnectAsync(localhost, $"http://localhost:{Server.Port}"))
        {
            await AssertLiveAsync(client);
        }

        // Same-origin means the host the request came in on: localhost is not 127.0.0.1.
        Assert.Equal(HttpStatusCode.Forbidden, await ChatClient.ConnectRefusedAsync(Server.WebSocket, $"http://localhost:{Server.Port}"));
    }

    /// <summary>A live, admitted chat connection answers a message before joining with not-joined (to it alone).</summary>
    private static async Task AssertLiveAsync(ChatClient client)
    {
        await client.SayAsync("nobody", "hello?");
        await client.ExpectErrorAsync("not-joined");
    }

    private static int OtherPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A fact that needs <c>localhost</c> to resolve to 127.0.0.1 (the test server listens there only).
/// Where it does not, the test is reported as skipped with the reason, never as passed: xunit 2
/// reads <see cref="FactAttribute.Skip"/> from the attribute instance at discovery.
/// </summary>
public sealed class LocalhostIsLoopbackFactAttribute : FactAttribute
{
    public LocalhostIsLoopbackFactAttribute()
    {
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses("localhost");
        }
        catch (SocketException ex)
        {
            Skip = $"localhost does not resolve on this machine ({ex.Message}); map it to 127.0.0.1 in /etc/hosts to run this test.";
            return;
        }

        if (!addresses.Contains(IPAddress.Loopback))
        {
            Skip = $"localhost resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, not 127.0.0.1; map it to 127.0.0.1 in /etc/hosts to run this test.";
        }
    }
}
