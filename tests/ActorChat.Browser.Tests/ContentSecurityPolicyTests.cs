namespace ActorChat.Browser.Tests;

/// <summary>
/// The page's Content-Security-Policy in a real Chromium: its scripts reach their own server's
/// WebSocket (<c>connect-src 'self'</c> covers ws/wss of the page's origin in CSP Level 3) and no
/// other, so a script injected into the page could not send what it reads anywhere else.
/// </summary>
public sealed class ContentSecurityPolicyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>
    /// Opens a WebSocket to <c>url</c> from the page: "opened", "blocked connect-src" (the policy
    /// refused it), "threw …" or "closed …". A blocked socket also closes; the violation is
    /// reported before the close event's turn comes.
    /// </summary>
    private const string TryWebSocket = """
        url => new Promise(resolve => {
          document.addEventListener('securitypolicyviolation', e => resolve('blocked ' + e.effectiveDirective));
          let socket;
          try {
            socket = new WebSocket(url, 'actorchat.v1');
          } catch (e) {
            resolve('threw ' + e.name);
            return;
          }
          socket.onopen = () => { socket.close(1000); resolve('opened'); };
          socket.onclose = e => setTimeout(() => resolve('closed ' + e.code), 0);
        })
        """;

    [Fact]
    public async Task The_page_opens_a_socket_to_its_own_server_and_none_to_another()
    {
        // The other server would take the page's socket: it allows every origin.
        await using var other = await ChatServerInstance.StartAsync(null, "--ActorChat:AllowedOrigins:0=*");
        await using var server = await ChatServerInstance.StartAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(server.Url.ToString());

        Assert.Equal("opened", await page.EvaluateAsync<string>(TryWebSocket, $"ws://127.0.0.1:{server.Port}/"));
        Assert.Equal("blocked connect-src", await page.EvaluateAsync<string>(TryWebSocket, $"ws://127.0.0.1:{other.Port}/"));
        Assert.Equal("blocked connect-src", await page.EvaluateAsync<string>(TryWebSocket, $"wss://127.0.0.1:{other.Port}/"));
        await page.CloseAsync();
    }
}
