using System.Net;

namespace ActorChat.Host.Tests;

/// <summary>One server for the class: these tests only make HTTP requests.</summary>
public sealed class StaticServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class StaticFileTests(StaticServerFixture fixture) : IClassFixture<StaticServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    public async Task The_page_is_served_as_html(string path)
    {
        using var http = Server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=\"chat-output\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/app.js", "text/javascript", "application/javascript")]
    [InlineData("/style.css", "text/css", "text/css")]
    [InlineData("/favicon.ico", "image/x-icon", "image/vnd.microsoft.icon")]
    [InlineData("/favicon.svg", "image/svg+xml", "image/svg+xml")]
    public async Task Files_are_served_with_their_content_type(string path, string type, string alternative)
    {
        using var http = Server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(response.Content.Headers.ContentType?.MediaType, new[] { type, alternative });
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/nope.js")]
    [InlineData("/appsettings.json")]
    [InlineData("/ActorChat.Host.dll")]
    [InlineData("/hocon/actorchat.hocon")]
    [InlineData("/wwwroot/index.html")]
    public async Task Anything_else_is_404(string path)
    {
        using var http = Server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/%")]
    [InlineData("/%00")]
    [InlineData("/%zz")]
    [InlineData("/index.html%00.js")]
    [InlineData("/../appsettings.json")]
    [InlineData("/..%2fappsettings.json")]
    [InlineData("/..%2Fappsettings.json")]
    [InlineData("/%2e%2e/appsettings.json")]
    [InlineData("/%2e%2e%2fappsettings.json")]
    [InlineData("/..\\appsettings.json")]
    [InlineData("/..%5cappsettings.json")]
    [InlineData("/../../../../../../etc/passwd")]
    [InlineData("//etc/passwd")]
    [InlineData("/./../hocon/actorchat.hocon")]
    public async Task Malformed_and_traversal_paths_get_a_4xx_and_never_a_file_outside_the_root(string target)
    {
        var (status, response) = await Server.RawGetAsync(target);

        Assert.InRange(status, 400, 499);
        Assert.DoesNotContain("DefaultUrl", response, StringComparison.Ordinal); // appsettings.json
        Assert.DoesNotContain("root:", response, StringComparison.Ordinal); // /etc/passwd
        Assert.DoesNotContain("akka {", response, StringComparison.Ordinal); // the HOCON file

        // The server is still fine.
        using var http = Server.CreateHttpClient();
        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task The_page_forbids_inline_script_sniffing_and_sockets_to_other_hosts()
    {
        using var http = Server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.DoesNotContain("'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-eval'", csp, StringComparison.Ordinal);
        var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(directives, d => d.StartsWith("script-src ", StringComparison.Ordinal) || d.StartsWith("default-src ", StringComparison.Ordinal));

        // Sockets to the page's own origin only: no scheme or host wildcard.
        Assert.Equal("connect-src 'self'", Assert.Single(directives, d => d.StartsWith("connect-src ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_200(string path)
    {
        using var http = Server.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A site can ship its own page: <c>--webroot DIR</c> serves that folder instead.</summary>
public sealed class WebRootTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("actorchat-webroot-");

    public WebRootTests()
    {
        File.WriteAllText(Path.Combine(_root.FullName, "index.html"), "<!doctype html><title>custom</title><p id=\"custom-root\">our own page</p>");
        Directory.CreateDirectory(Path.Combine(_root.FullName, "sub"));
        File.WriteAllText(Path.Combine(_root.FullName, "sub", "note.txt"), "a note");
    }

    [Fact]
    public async Task A_custom_web_root_is_served_instead_of_the_default_one()
    {
        await using var server = await TestServer.StartAsync("--webroot", _root.FullName);
        using var http = server.CreateHttpClient();

        using (var page = await http.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("custom-root", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var note = await http.GetAsync(new Uri("/sub/note.txt", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, note.StatusCode);
            Assert.Equal("text/plain", note.Content.Headers.ContentType?.MediaType);
        }

        // Not the default client, and no directory listing.
        foreach (var path in new[] { "/app.js", "/sub/", "/sub" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }

        // The chat endpoint is unaffected.
        await using var client = await server.JoinAsync("alice");
    }

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>Kestrel limits against slow or oversized requests.</summary>
public sealed class RequestLimitTests
{
    [Fact]
    public async Task An_oversized_request_header_is_refused()
    {
        await using var server = await TestServer.StartAsync();

        var (status, _) = await server.RawGetAsync("/", ("X-Padding", new string('a', 32 * 1024)));

        Assert.Equal(431, status);
    }

    [Fact]
    public async Task A_request_whose_headers_never_finish_is_dropped()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(TestTime.Seconds(40));
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nX-Slow: "), cts.Token);

        // The header timeout (10 s) ends the connection, with or without a 408 first.
        var buffer = new byte[4096];
        var response = new System.Text.StringBuilder();
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                response.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            // Reset: also an end.
        }

        Assert.False(cts.IsCancellationRequested, "The half-sent request was never dropped.");
        Assert.True(response.Length == 0 || response.ToString().StartsWith("HTTP/1.1 408", StringComparison.Ordinal), response.ToString());
    }
}
