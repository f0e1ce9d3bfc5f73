using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>How one client connection is opened.</summary>
/// <param name="ReadBuffer">Bytes of client-side read buffering (0: none, for idle connections).</param>
/// <param name="ReceiveBuffer">Bytes of the client's WebSocket receive buffer (longer frames are reassembled).</param>
/// <param name="SocketReceiveBuffer">SO_RCVBUF for the socket (null: the kernel's default), to make a stalled reader visible sooner.</param>
/// <param name="Protocol">The subprotocol offered (the only one: the server must select it).</param>
internal sealed record ConnectOptions(int ReadBuffer = 16 * 1024, int ReceiveBuffer = 4096, int? SocketReceiveBuffer = null, WireProtocol Protocol = WireProtocol.Beej)
{
    /// <summary>For idle connections: no read buffering, a small receive buffer.</summary>
    public static ConnectOptions Idle { get; } = new(0, 512);
}

/// <summary>An open client WebSocket and its TCP socket.</summary>
internal sealed record ClientConnection(ClientWebSocket WebSocket, Socket Socket);

/// <summary>
/// Opens client WebSockets to a loopback server only, offering <c>beej-chat-protocol</c> or
/// <c>actorchat.v1</c> (<see cref="ConnectOptions.Protocol"/>). Over IPv4
/// each socket is bound to one of several 127.0.x.y source addresses (round-robin, port chosen at
/// connect time) so that tens of thousands of connections fit in the ephemeral port range.
/// </summary>
internal sealed class LoopbackConnector
{
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    private readonly IPEndPoint _server;
    private readonly IPAddress[] _sources;
    private int _next;

    public LoopbackConnector(Uri url, int sourceAddresses = 16)
    {
        Url = RequireLoopback(url);
        _server = new IPEndPoint(IPAddress.Parse(Url.IdnHost), Url.Port);
        _sources = _server.AddressFamily == AddressFamily.InterNetwork
            ? [.. Enumerable.Range(1, sourceAddresses).Select(i => new IPAddress([127, 0, (byte)(1 + (i / 250)), (byte)(1 + (i % 250))]))]
            : [IPAddress.IPv6Loopback];
    }

    public Uri Url { get; }

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
        Socket? connected = null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(_server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (options.SocketReceiveBuffer is { } size)
                    {
                        socket.ReceiveBufferSize = size;
                    }

                    if (_server.AddressFamily == AddressFamily.InterNetwork)
                    {
                        socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                        socket.Bind(new IPEndPoint(source, 0));
                    }

                    await socket.ConnectAsync(_server, token);
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
            await webSocket.ConnectAsync(Url, invoker, cancellationToken);
            if (webSocket.SubProtocol != protocol)
            {
                throw new WebSocketException($"the server selected subprotocol '{webSocket.SubProtocol}'");
            }

            return new ClientConnection(webSocket, connected!);
        }
        catch
        {
            webSocket.Dispose();
            throw;
        }
    }
}
