using System.ComponentModel.DataAnnotations;
using ActorChat.Actors;

namespace ActorChat.Host;

/// <summary>Server settings, bound from the <c>ActorChat</c> configuration section (appsettings.json, environment <c>ActorChat__Name</c>, or <c>--ActorChat:Name=value</c>).</summary>
public sealed class ChatServerOptions
{
    public const string Section = "ActorChat";

    /// <summary>Where the server listens when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> is given.</summary>
    [Required]
    public string DefaultUrl { get; set; } = "http://localhost:3490";

    /// <summary>Origins (scheme://host[:port]) allowed besides the page's own; <c>*</c> allows any.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Largest message a client may send, in bytes; a larger one closes the connection with 1009.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Open WebSocket connections allowed in total; more are refused with HTTP 503.</summary>
    [Range(1, 10_000_000)]
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>
    /// Open WebSocket connections allowed from one client address (an IPv4 address or an IPv6 /64);
    /// more are accepted and closed at once with 1013. High, because offices, campuses and
    /// carrier-grade NAT put thousands of people behind one address; the rate below is what stops
    /// a single host from opening connections in a flood.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 1000;

    /// <summary>New WebSocket connections per second one client address may open, sustained (a token bucket).</summary>
    public double ConnectionsPerSecondPerAddress { get; set; } = 20;

    /// <summary>New WebSocket connections one client address may open in a burst above that rate.</summary>
    public int ConnectionBurstPerAddress { get; set; } = 200;

    /// <summary>
    /// Kernel send buffer of each accepted socket, in bytes (0: the OS's autotuning, up to several
    /// MiB). A small bound keeps the memory a stalled reader can pin in the kernel small, and lets
    /// the outbound queue bound (<see cref="ChatSettings.MaxOutboundBytes"/>) notice it sooner.
    /// </summary>
    [Range(0, 64 * 1024 * 1024)]
    public int SocketSendBufferBytes { get; set; } = 128 * 1024;

    /// <summary>How often the server pings an idle connection.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the server waits for a pong before it drops the connection.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a close handshake may take before the connection is aborted.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, 1001 closes are spread at random over this window so clients do not all reconnect at once.</summary>
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, how long to wait for every connection to finish closing.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Proxy addresses whose X-Forwarded-For / X-Forwarded-Proto headers are trusted. Empty: none.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>The limits the actors enforce: name and message length, outbound queue bytes, rate limits.</summary>
    public ChatSettings Limits { get; set; } = new();
}
