using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>How one client connection is opened.</summary>
/// <param name="ReadBuffer">Bytes of client-side read buffering (0: none, for idle connections).</param>
/// <param name="ReceiveBuffer">Bytes of the client's WebSocket receive buffer (longer frames are reassembled).</param>
/// <param name="SocketReceiveBuffer">SO_RCVBUF for the socket (null: the kernel's default), to make a stalled reader visible sooner.</param>
/// <param name="Protocol">The subprotocol offered (the only one: the server must select it).</param>
/// <param name="Node">For a server of several nodes: the node (0-based) to connect to; null: the next one round-robin.</param>
internal sealed record ConnectOptions(int ReadBuffer = 16 * 1024, int ReceiveBuffer = 4096, int? SocketReceiveBuffer = null, WireProtocol Protocol = WireProtocol.Beej, int? Node = null)
{
    /// <summary>For idle connections: no read buffering, a small receive buffer.</summary>
    public static ConnectOptions Idle { get; } = new(0, 512);
}

/// <summary>An open client WebSocket, its TCP socket, and the node (0-based) of the server it is connected to.</summary>
internal sealed record ClientConnection(ClientWebSocket WebSocket, Socket Socket, int Node = 0);

/// <summary>
/// Opens client WebSockets to a loopback server only, offering <c>beej-chat-protocol</c> or
/// <c>actorchat.v1</c> (<see cref="ConnectOptions.Protocol"/>). Over IPv4
/// each socket is bound to one of several 127.0.x.y source addresses (round-robin, port chosen at
/// connect time) so that tens of thousands of connections fit in the ephemeral port range.
/// A server of several nodes (a cluster on this machine) has one URL per node: connections go to
/// them round-robin (the i-th connection opened to node i mod N) unless
/// <see cref="ConnectOptions.Node"/> names one.
/// </summary>
internal sealed class LoopbackConnector
{
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly Uri[] _urls;
    private readonly IPEndPoint[] _servers;
    private readonly IPAddress[] _sources;
    private int _next;
    private int _nextNode = -1;

    public LoopbackConnector(Uri url, int sourceAddresses = 16)
        : this([url], sourceAddresses)
    {
    }

    public LoopbackConnector(IReadOnlyList<Uri> urls, int sourceAddresses = 16)
    {
        if (urls.Count == 0)
        {
            throw new ArgumentException("no server URL", nameof(urls));
        }

        _urls = [.. urls.Select(RequireLoopback)];
        _servers = [.. _urls.Select(u => new IPEndPoint(IPAddress.Parse(u.IdnHost.Trim('[', ']')), u.Port))];
        _sources = _servers[0].AddressFamily == AddressFamily.InterNetwork
            ? [.. Enumerable.Range(1, sourceAddresses).Select(i => new IPAddress([127, 0, (byte)(1 + (i / 250)), (byte)(1 + (i % 250))]))]
            : [IPAddress.IPv6Loopback];
    }

    /// <summary>The first node's URL (the only one of a one-process server).</summary>
    public Uri Url => _urls[0];

    /// <summary>How many nodes the connections are spread over.</summary>
    public int Nodes => _urls.Length;

    /// <summary>Accepts only ws:// URLs whose host is a loopback address (127.0.0.0/8, ::1 or localhost).</summary>
    public static Uri RequireLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != "ws")
        {
            throw new ArgumentException($"only ws:// URLs are supported: {url}");
        }

        var host = url.IsLoopback && !IPAddress.TryParse(url.IdnHost, out _) ? "127.0.0.1" : url.IdnHost;
        if (!IPAddress.TryParse(host, out var address) || !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"load goes to loopback addresses only (127.0.0.0/8, ::1, localhost): {url}");
        }

        return new UriBuilder(url) { Host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : host }.Uri;
    }

    public async Task<ClientConnection> ConnectAsync(ConnectOptions options, CancellationToken cancellationToken)
    {
        var source = _sources[(int)((uint)Interlocked.Increment(ref _next) % _sources.Length)];
        var node = options.Node ?? (int)((uint)Interlocked.Increment(ref _nextNode) % _urls.Length);
        if ((uint)node >= _urls.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"node {node} of {_urls.Length}");
        }

        var server = _servers[node];
        Socket? connected = null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (options.SocketReceiveBuffer is { } size)
                    {
                        socket.ReceiveBufferSize = size;
                    }

                    if (server.AddressFamily == AddressFamily.InterNetwork)
                    {
                        socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                        socket.Bind(new IPEndPoint(source, 0));
                    }

                    await socket.ConnectAsync(server, token);
                    connected = socket;
                    Stream stream = new NetworkStream(socket, ownsSocket: true);
                    return options.ReadBuffer > 0 ? new ReadBufferedStream(stream, options.ReadBuffer) : stream;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        var webSocket = new ClientWebSocket();
        try
        {
            var protocol = options.Protocol == WireProtocol.V1 ? V1Format.Protocol : WireFormat.Protocol;
            webSocket.Options.AddSubProtocol(protocol);
            webSocket.Options.KeepAliveInterval = TimeSpan.Zero;
            await webSocket.ConnectAsync(_urls[node], invoker, cancellationToken);
            if (webSocket.SubProtocol != protocol)
            {
                throw new WebSocketException($"the server selected subprotocol '{webSocket.SubProtocol}'");
            }

            return new ClientConnection(webSocket, connected!, node);
        }
        catch
        {
            webSocket.Dispose();
            throw;
        }
    }
}
