using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using ActorChat.Actors;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// The WebSocket endpoint on <c>/</c>: checks the handshake (origin, subprotocol, admission), then
/// bridges the socket to a new <see cref="ConnectionActor"/>: complete text messages go to the
/// actor, the actor writes through <see cref="WebSocketChatSocket"/>. Requests that are not
/// WebSocket upgrades pass through to the page.
/// </summary>
internal sealed class ChatSocketMiddleware(
    RequestDelegate next,
    IRequiredActor<ChatGateway> gateway,
    ConnectionGate gate,
    ChatMetrics metrics,
    IOptions<ChatServerOptions> options,
    ILoggerFactory loggers)
{
    private const int ReceiveChunk = 4096;

    /// <summary>Refusals (accept, close, wait for the client's close) in progress at once; more get a plain HTTP status.</summary>
    private const int MaxRefusalsInFlight = 256;

    private readonly ChatServerOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger("ActorChat.Host.WebSockets");
    private int _refusing;

    public Task InvokeAsync(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest && context.Request.Path == "/"
            ? HandleAsync(context)
            : next(context);

    private async Task HandleAsync(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        var addressText = address.ToString();

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !OriginPolicy.IsAllowed(origin, context.Request, _options.AllowedOrigins))
        {
            _logger.DeniedOrigin(addressText, origin);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (Subprotocols.Choose(context.WebSockets.WebSocketRequestedProtocols) is not { } subprotocol)
        {
            _logger.UnknownProtocol(addressText, string.Join(", ", context.WebSockets.WebSocketRequestedProtocols));
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Offer the subprotocol {Subprotocols.V1} or {Subprotocols.Beej}.").ConfigureAwait(false);
            return;
        }

        var admission = gate.TryEnter(address, out var id);
        if (admission != ConnectionGate.Admission.Admitted)
        {
            var (code, reason) = gate.RefusalClose(admission);
            _logger.ConnectionRefused(addressText, code, reason);
            metrics.Refused(reason);
            await RefuseAsync(context, subprotocol, admission, code, reason).ConfigureAwait(false);
            return;
        }

        using var scope = _logger.ConnectionScope(id, addressText);
        try
        {
            await BridgeAsync(context, subprotocol, id, addressText).ConfigureAwait(false);
        }
        finally
        {
            gate.Leave(address);
        }
    }

    /// <summary>
    /// Has the chat's gateway create the connection's actor before the handshake completes (a
    /// server draining meanwhile closes it at once), then pumps the socket's messages to the actor
    /// until it closes.
    /// </summary>
    private async Task BridgeAsync(HttpContext context, string subprotocol, long id, string address)
    {
        using var socket = new WebSocketChatSocket(_options.CloseTimeout);
        IActorRef? actor = null;
        WebSocket? webSocket = null;
        try
        {
            var chat = await gateway.GetAsync(context.RequestAborted).ConfigureAwait(false);
            var connected = await chat.Ask<ChatGateway.Connected>(
                new ChatGateway.Connect(id, address, socket, subprotocol), _options.CloseTimeout, context.RequestAborted).ConfigureAwait(false);
            actor = connected.Connection;
            webSocket = await context.WebSockets.AcceptWebSocketAsync(
                new WebSocketAcceptContext { SubProtocol = subprotocol }).ConfigureAwait(false);
            socket.Accepted(webSocket);
            _logger.Accepted(id, address);

            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, socket.Lifetime);
            await ReceiveAsync(webSocket, socket, actor, id, address, aborted.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or AskTimeoutException)
        {
            _logger.ReceiveEnded(id, ex.GetType().Name + ": " + ex.Message);
            socket.NotAccepted(ex);

            // The gateway did not answer in time: the handshake was never answered, so
            // the client is told the server is unavailable rather than given an empty 200.
            if (webSocket is null && !context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }
        finally
        {
            socket.EndAccepting();
            actor?.Tell(ConnectionActor.SocketClosed.Instance);
            await socket.Closed.ConfigureAwait(false);
            if (webSocket is not null)
            {
                var (code, reason, by) = socket.Outcome(webSocket);
                _logger.Closed(id, address, code, reason, by);
            }

            // Disposing a socket that .NET aborted after sending its own close (1007) resets the
            // TCP connection before the peer reads that close: an aborted one is left to the request.
            if (webSocket is { State: not WebSocketState.Aborted })
            {
                webSocket.Dispose();
            }
        }
    }

    /// <summary>
    /// Tells a client it was not admitted in a way a browser can read: the handshake is accepted
    /// and closed at once with <paramref name="code"/> and <paramref name="reason"/> (a browser
    /// sees nothing of a refused handshake but "1006"). Such closes in flight are bounded; past the
    /// bound the handshake is refused with a plain HTTP status, which costs nothing to hold.
    /// </summary>
    private async Task RefuseAsync(HttpContext context, string subprotocol, ConnectionGate.Admission admission, int code, string reason)
    {
        if (Interlocked.Increment(ref _refusing) > MaxRefusalsInFlight)
        {
            Interlocked.Decrement(ref _refusing);
            context.Response.StatusCode = admission is ConnectionGate.Admission.TooManyFromAddress or ConnectionGate.Admission.TooManyNewFromAddress
                ? StatusCodes.Status429TooManyRequests
                : StatusCodes.Status503ServiceUnavailable;
            return;
        }

        WebSocket? webSocket = null;
        try
        {
            webSocket = await context.WebSockets.AcceptWebSocketAsync(
                new WebSocketAcceptContext { SubProtocol = subprotocol }).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(_options.CloseTimeout);

            // CloseAsync waits for the client's answering close, so the reason is read before the
            // TCP connection ends; a client that never answers is cut at the close timeout.
            await webSocket.CloseAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            _logger.ReceiveEnded(0, "refused connection: " + ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            if (webSocket is { State: not WebSocketState.Aborted })
            {
                webSocket.Dispose();
            }

            Interlocked.Decrement(ref _refusing);
        }
    }

    /// <summary>Reads whole messages into pooled memory only while one is arriving; idle sockets hold no buffer.</summary>
    private async Task ReceiveAsync(WebSocket webSocket, WebSocketChatSocket socket, IActorRef actor, long id, string address, CancellationToken cancel)
    {
        var max = _options.MaxFrameBytes;
        while (true)
        {
            // A zero-byte read waits for the next message without holding a buffer.
            var peek = await webSocket.ReceiveAsync(Memory<byte>.Empty, cancel).ConfigureAwait(false);
            if (!Accept(peek, webSocket, socket, actor, id, address))
            {
                return;
            }

            if (peek.EndOfMessage)
            {
                actor.Tell(new ConnectionActor.FrameReceived([]));
                continue;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(ReceiveChunk, max + 1));
            try
            {
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var result = await webSocket.ReceiveAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
                    if (!Accept(result, webSocket, socket, actor, id, address))
                    {
                        return;
                    }

                    length += result.Count;
                    if (length > max)
                    {
                        _logger.ClosingBadFrame(id, address, $"a message over {max} bytes", CloseCodes.MessageTooBig);
                        socket.Close(CloseCodes.MessageTooBig, "message too big");
                        return;
                    }

                    if (result.EndOfMessage)
                    {
                        break;
                    }
                }

                actor.Tell(new ConnectionActor.FrameReceived(buffer.AsSpan(0, length).ToArray()));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>False when the receive loop must end: the peer closed, or sent a binary frame.</summary>
    private bool Accept(ValueWebSocketReceiveResult result, WebSocket webSocket, WebSocketChatSocket socket, IActorRef actor, long id, string address)
    {
        switch (result.MessageType)
        {
            case WebSocketMessageType.Close:
                // Answer the peer's close with its own code; the connection learns it (1000 ends a session cleanly).
                actor.Tell(new ConnectionActor.ClientClosed((int?)webSocket.CloseStatus));
                socket.PeerClosed((int?)webSocket.CloseStatus);
                return false;
            case WebSocketMessageType.Binary:
                _logger.ClosingBadFrame(id, address, "a binary frame", CloseCodes.UnsupportedData);
                socket.Close(CloseCodes.UnsupportedData, "binary frames are not supported");
                return false;
            default:
                return true;
        }
    }
}
