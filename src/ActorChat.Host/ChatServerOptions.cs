using System.ComponentModel.DataAnnotations;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.History;

namespace ActorChat.Host;

/// <summary>
/// Server settings, bound from the <c>ActorChat</c> configuration section (appsettings.json,
/// environment <c>ActorChat__Name</c>, or <c>--ActorChat:Name=value</c>) and checked once at start by
/// <see cref="ChatServerSettings.Read"/>. Every number and duration carries its allowed range: a
/// value outside it, or one that is not a number or duration at all, stops the server at start
/// with one line naming the setting. The defaults here are repeated in appsettings.json (a test
/// keeps the two equal).
/// </summary>
public sealed class ChatServerOptions
{
    public const string Section = "ActorChat";

    /// <summary>Where the server listens when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> is given.</summary>
    public string DefaultUrl { get; set; } = "http://localhost:3490";

    /// <summary>Origins (scheme://host[:port]) allowed besides the page's own; <c>*</c> allows any.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Largest message a client may send, in bytes; a larger one closes the connection with 1009.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Open WebSocket connections allowed in total; more are accepted and closed at once with 1013 "server is full" (plain HTTP 503 past the bound on refusals in flight).</summary>
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
    [Range(0d, 1_000_000_000d)]
    public double ConnectionsPerSecondPerAddress { get; set; } = 20;

    /// <summary>New WebSocket connections one client address may open in a burst above that rate.</summary>
    [Range(1, 1_000_000_000)]
    public int ConnectionBurstPerAddress { get; set; } = 200;

    /// <summary>
    /// Kernel send buffer of each accepted socket, in bytes (0: the OS's autotuning, up to several
    /// MiB). A small bound keeps the memory a stalled reader can pin in the kernel small, and lets
    /// the outbound queue bound (<see cref="ChatSettings.MaxOutboundBytes"/>) notice it sooner.
    /// </summary>
    [Range(0, 64 * 1024 * 1024)]
    public int SocketSendBufferBytes { get; set; } = 128 * 1024;

    // Durations have an upper bound because a bare number binds as days ("15" is 15 days).

    /// <summary>How often the server pings an idle connection.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the server waits for a pong before it drops the connection.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a close handshake may take before the connection is aborted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, 1001 closes are spread at random over this window so clients do not all reconnect at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, how long to wait for every connection to finish closing; at least <see cref="DrainWindow"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Proxy addresses whose X-Forwarded-For / X-Forwarded-Proto headers are trusted. Empty: none.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>
    /// Where to serve <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> instead of the chat port.
    /// Empty (the default): they are served on the chat listeners. When set, the server also listens
    /// on each of these, serves those three paths only there (404 on the chat port), and serves the
    /// chat socket and the page only on the chat listeners (404 here). An entry is a port number,
    /// meaning <c>http://localhost:PORT</c> (loopback only), or an <c>http://HOST:PORT</c> URL whose
    /// host is <c>localhost</c>, an IP address, or <c>*</c> (every interface).
    /// </summary>
    public string[] ManagementUrls { get; set; } = [];

    /// <summary>The limits the actors enforce: name and message length, outbound queue bytes, rate limits.</summary>
    public ChatSettings Limits { get; set; } = new();

    /// <summary>Where rooms keep their history (an SQLite file by default, or memory) and for how long.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>How rooms run: presence, passivation, the in-memory tail, recovery and batching.</summary>
    public RoomOptions Rooms { get; set; } = new();

    /// <summary>How long an <c>actorchat.v1</c> session outlives its socket.</summary>
    public SessionOptions Sessions { get; set; } = new();

    /// <summary>Whether this server is a node of a cluster, and how it finds and talks to the other nodes.</summary>
    public ChatClusterOptions Cluster { get; set; } = new();

    /// <summary>Whether <c>actorchat.v1</c> clients sign in with a token, how tokens are checked, and the server API's keys.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>What the browser page is told: where it refreshes its token.</summary>
    public ClientOptions Client { get; set; } = new();

    /// <summary>The bounds of every room, from <see cref="Rooms"/> and <see cref="History"/>.</summary>
    public RoomLimits RoomLimits() => new()
    {
        TailMessages = Rooms.TailMessages,
        TailBytes = Rooms.TailBytes,
        RecoveryLimit = Rooms.RecoveryLimit,
        MaxPresenceList = Rooms.MaxPresenceList,
        PresenceInterval = Rooms.PresenceInterval,
        MaxMessagesPerRoom = History.MaxMessagesPerRoom,
        MaxAge = History.MaxAge,
    };

    /// <summary>How every room runs, from <see cref="Rooms"/>.</summary>
    public RoomSettings RoomSettings() => new()
    {
        PresenceGrace = Rooms.PresenceGrace,
        IdleTimeout = Rooms.IdleTimeout,
        MaxBatchPosts = Rooms.MaxBatchPosts,
        SnapshotEvery = Rooms.SnapshotEvery,
        RetentionWakesPerSecond = Rooms.RetentionWakesPerSecond,
        PurgeAfter = History.PurgeAfter,
    };
}

/// <summary>The <c>ActorChat:Rooms</c> settings (see <see cref="Actors.Rooms.RoomLimits"/> and <see cref="Actors.Rooms.RoomSettings"/>).</summary>
public sealed class RoomOptions
{
    /// <summary>How long a member whose socket dropped stays shown; a session back within it causes no leave and no join.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PresenceGrace { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Presence changes are coalesced and sent at most this often per room.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Most names in <c>joined.members</c> (<c>memberCount</c> is exact).</summary>
    [Range(0, 1_000_000)]
    public int MaxPresenceList { get; set; } = 1000;

    /// <summary>Most messages a <c>join</c> with <c>since</c> recovers; further behind gets <c>recovered: false</c>.</summary>
    [Range(0, 1_000_000)]
    public int RecoveryLimit { get; set; } = 1000;

    /// <summary>Recent messages a room keeps in memory for joins, resumes and history pages.</summary>
    [Range(0, 1_000_000)]
    public int TailMessages { get; set; } = 1000;

    /// <summary>Approximate bytes a room's in-memory tail may hold.</summary>
    [Range(typeof(long), "0", "1073741824")]
    public long TailBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>A room with no members that received nothing for this long is stopped (it wakes on its next message).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most messages a room writes in one batch.</summary>
    [Range(1, 100_000)]
    public int MaxBatchPosts { get; set; } = 500;

    /// <summary>Journal events between a room's snapshots (retention trims the journal at a snapshot).</summary>
    [Range(1, 10_000_000)]
    public int SnapshotEvery { get; set; } = 10_000;

    /// <summary>Most rooms asleep woken per second to apply retention by age (one sweep of the store an hour).</summary>
    [Range(1, 10_000)]
    public int RetentionWakesPerSecond { get; set; } = 10;
}

/// <summary>The <c>ActorChat:Sessions</c> settings.</summary>
public sealed class SessionOptions
{
    /// <summary>How long a session whose socket dropped keeps its name and rooms for a resume.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SessionTtl { get; set; } = TimeSpan.FromMinutes(2);
}
