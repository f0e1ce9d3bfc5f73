namespace ActorChat.Host;

/// <summary>The <c>ActorChat:Client</c> settings: what the browser page is told (<c>GET /client-config.json</c>).</summary>
public sealed class ClientOptions
{
    /// <summary>
    /// Where the page gets a newer token before its token expires: an absolute http(s) URL or a path
    /// starting with <c>/</c> (the page's own origin). The page POSTs to it with its cookies
    /// (<c>credentials: 'include'</c>) and sends the <c>token</c> of the JSON answer as
    /// <c>refresh</c>. Null (the default): no refresh; when the token expires the page asks the user
    /// to sign in again.
    /// </summary>
    public string? TokenRefreshUrl { get; set; }

    /// <summary>The refresh URL when one is set (an empty value means none).</summary>
    public string? RefreshUrl => string.IsNullOrWhiteSpace(TokenRefreshUrl) ? null : TokenRefreshUrl.Trim();

    /// <summary>
    /// The origin the page must be allowed to fetch besides its own (the page's Content-Security-Policy
    /// has <c>connect-src 'self'</c>): that of an absolute refresh URL, else null.
    /// </summary>
    /// <remarks>A path is checked first: on Unix <see cref="Uri"/> takes "/auth/refresh" for an absolute file URL.</remarks>
    public string? RefreshOrigin =>
        RefreshUrl is { } url && !url.StartsWith('/') && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;

    /// <summary>Why <see cref="TokenRefreshUrl"/> cannot be used, or null.</summary>
    internal string? FindProblem()
    {
        if (RefreshUrl is not { } url)
        {
            return null;
        }

        const string Rule = "must be an absolute http(s) URL or a path starting with /, e.g. /auth/refresh or https://id.example.com/chat-token";
        if (url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return Rule;
        }

        if (url.StartsWith('/'))
        {
            // "//host/…" is a URL of another host, not a path; "/\host" is read as one by browsers.
            return url.Length > 1 && url[1] is '/' or '\\' ? Rule : null;
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0 && uri.Host.Length > 0
            ? null
            : Rule;
    }
}
