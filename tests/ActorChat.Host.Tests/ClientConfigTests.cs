using System.Net;
using System.Text.Json;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>GET /client-config.json</c>: the page learns the sign-in mode and where to refresh its token
/// (<c>Client:TokenRefreshUrl</c>); an absolute refresh URL's origin is the one the page's policy
/// lets it fetch besides its own.
/// </summary>
public sealed class ClientConfigTests
{
    [Fact]
    public async Task By_default_the_page_is_told_anonymous_and_no_refresh_url_and_fetches_only_its_own_origin()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/client-config.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("anonymous", body.RootElement.GetProperty("authMode").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("tokenRefreshUrl").ValueKind);
        Assert.Contains("connect-src 'self';", Policy(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_absolute_refresh_url_is_served_and_its_origin_added_to_connect_src()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Client:TokenRefreshUrl=https://id.example.com:8443/chat/token");
        using var http = server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/client-config.json", UriKind.Relative));
        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https://id.example.com:8443/chat/token", body.RootElement.GetProperty("tokenRefreshUrl").GetString());
        Assert.Contains("connect-src 'self' https://id.example.com:8443;", Policy(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_keeps_the_policy_to_the_page_s_own_origin()
    {
        await using var server = await TestServer.StartAsync("--ActorChat:Client:TokenRefreshUrl=/auth/refresh");
        using var http = server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/client-config.json", UriKind.Relative));

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("/auth/refresh", body.RootElement.GetProperty("tokenRefreshUrl").GetString());
        Assert.Contains("connect-src 'self';", Policy(response), StringComparison.Ordinal);
    }

    private static string Policy(HttpResponseMessage response) =>
        string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
}
