namespace ActorChat.Host;

/// <summary>
/// Cross-site WebSocket hijacking protection: a browser's <c>Origin</c> must be the page's own
/// origin (the scheme and host the request came in on) or one of the configured allowed origins.
/// </summary>
internal static class OriginPolicy
{
    public static bool IsAllowed(string origin, HttpRequest request, IReadOnlyCollection<string> allowed)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return allowed.Contains("*");
        }

        var own = request.IsHttps ? "https" : "http";
        if (uri.Scheme == own && request.Host.HasValue && SameHostAndPort(uri, request.Host, own))
        {
            return true;
        }

        foreach (var entry in allowed)
        {
            if (entry == "*" || (Uri.TryCreate(entry, UriKind.Absolute, out var ok)
                && ok.Scheme == uri.Scheme && ok.Port == uri.Port
                && string.Equals(ok.IdnHost, uri.IdnHost, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameHostAndPort(Uri origin, HostString host, string scheme)
    {
        var port = host.Port ?? (scheme == "https" ? 443 : 80);
        return origin.Port == port && string.Equals(origin.IdnHost, host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }
}
