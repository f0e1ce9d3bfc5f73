using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorChat.Host;

/// <summary>
/// The server's listeners: the chat ones (<c>--urls</c> / <c>ASPNETCORE_URLS</c>, else
/// <see cref="ChatServerOptions.DefaultUrl"/>) and, when <see cref="ChatServerOptions.ManagementUrls"/>
/// is set, the management ones that alone serve <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>.
/// Kestrel is given each endpoint in code, so every connection knows which kind of listener took
/// it: management listeners tag their connections, and the request pipeline routes by the tag
/// rather than by a port number (which, for port 0, is known only after binding).
/// </summary>
public sealed class ChatListeners
{
    /// <summary>The paths served on the management listeners (on the chat ones when there are none).</summary>
    public static readonly IReadOnlyList<string> ManagementPaths = ["/metrics", "/healthz", "/readyz"];

    private static readonly object ManagementTag = new();

    private readonly IReadOnlyList<BindingAddress> _chatAddresses;
    private readonly IReadOnlyList<BindingAddress> _managementAddresses;
    private readonly List<ListenOptions> _chat = [];
    private readonly List<ListenOptions> _management = [];

    internal ChatListeners(IReadOnlyList<BindingAddress> chat, IReadOnlyList<BindingAddress> management)
    {
        _chatAddresses = chat;
        _managementAddresses = management;
    }

    /// <summary>True when /metrics, /healthz and /readyz have listeners of their own.</summary>
    public bool SeparateManagement => _managementAddresses.Count > 0;

    /// <summary>The chat listeners' addresses, e.g. <c>http://127.0.0.1:41234</c> (actual ports once the server has started).</summary>
    public IReadOnlyList<string> Chat => [.. _chat.Select(Display)];

    /// <summary>Where /metrics, /healthz and /readyz are served: the management listeners, or the chat ones when there are none.</summary>
    public IReadOnlyList<string> Management => SeparateManagement ? [.. _management.Select(Display)] : Chat;

    /// <summary>
    /// What a <see cref="ChatServerOptions.ManagementUrls"/> entry means: a bare port is
    /// <c>http://localhost:PORT</c> (loopback only); a URL stands for itself.
    /// </summary>
    public static string ManagementUrl(string entry)
    {
        var text = entry.Trim();
        return text.Length > 0 && text.All(char.IsAsciiDigit) ? $"http://localhost:{text}" : text;
    }

    /// <summary>A setting that names a chat listener, and its text.</summary>
    internal readonly record struct Entry(string Setting, string Text);

    /// <summary>The chat URLs: from <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else <see cref="ChatServerOptions.DefaultUrl"/>.</summary>
    internal static IReadOnlyList<Entry> ChatUrls(IConfiguration configuration, ChatServerOptions options)
    {
        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return urls.Length > 0
            ? [.. urls.Select(url => new Entry(WebHostDefaults.ServerUrlsKey, url))]
            : [new($"{ChatServerOptions.Section}:{nameof(ChatServerOptions.DefaultUrl)}", options.DefaultUrl)];
    }

    /// <summary>The listeners for validated <paramref name="options"/>.</summary>
    internal static ChatListeners Create(IConfiguration configuration, ChatServerOptions options) => new(
        [.. ChatUrls(configuration, options).Select(u => ParseChat(u.Text))],
        [.. options.ManagementUrls.Select(ParseManagement)]);

    internal static BindingAddress ParseChat(string text) =>
        TryParseChat(text, out var address, out var rule) ? address : throw new InvalidSettingsException(WebHostDefaults.ServerUrlsKey, text, rule);

    internal static BindingAddress ParseManagement(string text) =>
        TryParseManagement(text, out var address, out var rule) ? address : throw new InvalidSettingsException($"{ChatServerOptions.Section}:ManagementUrls", text, rule);

    /// <summary>A chat URL as Kestrel takes it from <c>--urls</c>: http or https, a host, a port, no path.</summary>
    internal static bool TryParseChat(string text, out BindingAddress address, out string rule)
    {
        const string Expected = "must be a URL to listen on, e.g. http://0.0.0.0:3490";
        if (!TryParse(text, out address) || (!IsScheme(address, "http") && !IsScheme(address, "https")))
        {
            rule = Expected;
            return false;
        }

        return CheckHostAndPort(address, out rule);
    }

    /// <summary>A management entry: a bare port (loopback), or an http URL on localhost, an IP address or every interface.</summary>
    internal static bool TryParseManagement(string text, out BindingAddress address, out string rule)
    {
        const string Expected = "must be a port (meaning http://localhost:PORT) or http://HOST:PORT with HOST localhost, an IP address or *";
        if (!TryParse(ManagementUrl(text), out address) || !IsScheme(address, "http") || address.IsNamedPipe)
        {
            rule = Expected;
            return false;
        }

        if (!address.IsUnixPipe && !IsLocalhost(address) && address.Host is not ("*" or "+") && !IPAddress.TryParse(Unbracketed(address.Host), out _))
        {
            rule = Expected;
            return false;
        }

        return CheckHostAndPort(address, out rule);
    }

    /// <summary>True when binding both would collide: the same TCP port on the same or an enclosing host.</summary>
    internal static bool Overlap(BindingAddress a, BindingAddress b)
    {
        if (a.IsUnixPipe || b.IsUnixPipe || a.IsNamedPipe || b.IsNamedPipe)
        {
            return a.IsUnixPipe && b.IsUnixPipe && a.UnixPipePath == b.UnixPipePath;
        }

        if (a.Port != b.Port || a.Port == 0)
        {
            return false;
        }

        return IsAnyIP(a) || IsAnyIP(b)
            || string.Equals(Unbracketed(a.Host), Unbracketed(b.Host), StringComparison.OrdinalIgnoreCase)
            || (IsLocalhost(a) && IsLoopback(b)) || (IsLocalhost(b) && IsLoopback(a));

        // localhost binds both loopback addresses.
        static bool IsLoopback(BindingAddress address) =>
            IPAddress.TryParse(Unbracketed(address.Host), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>Adds every listener to Kestrel; management ones tag their connections.</summary>
    internal void Listen(KestrelServerOptions kestrel)
    {
        _chat.Clear();
        _management.Clear();
        foreach (var address in _chatAddresses)
        {
            Listen(kestrel, address, listen => _chat.Add(listen));
        }

        foreach (var address in _managementAddresses)
        {
            Listen(kestrel, address, listen =>
            {
                _management.Add(listen);
                listen.Use(next => connection =>
                {
                    TagManagement(connection.Items);
                    return next(connection);
                });
            });
        }
    }

    /// <summary>Marks a connection's items as those of a management listener's connection.</summary>
    internal static void TagManagement(IDictionary<object, object?> items) => items[ManagementTag] = ManagementTag;

    /// <summary>True when the request came in on a management listener.</summary>
    internal static bool OnManagementListener(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ManagementTag) == true;

    /// <summary>True for /metrics, /healthz, /readyz, the server API (/api, <see cref="ChatApi"/>) and anything under them.</summary>
    internal static bool IsManagementPath(PathString path) =>
        ManagementPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
        || path.StartsWithSegments(ChatApi.Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>How Kestrel itself binds a URL from <c>--urls</c>: localhost on both loopbacks, an IP as is, any other host on every interface.</summary>
    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, Action<ListenOptions> configure)
    {
        Action<ListenOptions> options = IsScheme(address, "https")
            ? listen =>
            {
                listen.UseHttps();
                configure(listen);
            }
        : configure;

        if (address.IsUnixPipe)
        {
            kestrel.ListenUnixSocket(address.UnixPipePath, options);
        }
        else if (address.IsNamedPipe)
        {
            kestrel.ListenNamedPipe(address.NamedPipeName, options);
        }
        else if (IsLocalhost(address))
        {
            kestrel.ListenLocalhost(address.Port, options);
        }
        else if (IPAddress.TryParse(Unbracketed(address.Host), out var ip))
        {
            kestrel.Listen(ip, address.Port, options);
        }
        else
        {
            kestrel.ListenAnyIP(address.Port, options);
        }
    }

    /// <summary>The listener's URL as Kestrel shows it, e.g. <c>http://127.0.0.1:41234</c> (the bound port once started).</summary>
    private static string Display(ListenOptions listen) => listen.ToString() ?? "";

    private static bool TryParse(string text, out BindingAddress address)
    {
        try
        {
            address = BindingAddress.Parse(text);
            return true;
        }
        catch (FormatException)
        {
            address = null!;
            return false;
        }
    }

    private static bool CheckHostAndPort(BindingAddress address, out string rule)
    {
        rule = "";
        if (address.IsUnixPipe || address.IsNamedPipe)
        {
            return true;
        }

        if (address.PathBase.Length > 0)
        {
            rule = "must not have a path";
        }
        else if (address.Port is < 0 or > 65535)
        {
            rule = "the port must be between 0 and 65535";
        }
        else if (address.Port == 0 && IsLocalhost(address))
        {
            rule = "port 0 (any free port) needs an IP address, e.g. http://127.0.0.1:0";
        }

        return rule.Length == 0;
    }

    private static bool IsScheme(BindingAddress address, string scheme) => string.Equals(address.Scheme, scheme, StringComparison.OrdinalIgnoreCase);

    private static bool IsLocalhost(BindingAddress address) => string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when Kestrel binds every interface for the address: a wildcard, an unspecified IP, or a host name other than localhost.</summary>
    private static bool IsAnyIP(BindingAddress address) =>
        IPAddress.TryParse(Unbracketed(address.Host), out var ip)
            ? ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)
            : !IsLocalhost(address);

    private static string Unbracketed(string host) => host.TrimStart('[').TrimEnd(']');
}
