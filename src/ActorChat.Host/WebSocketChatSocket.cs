using System.Net.WebSockets;
using ActorChat.Actors;

namespace ActorChat.Host;

/// <summary>
/// The <see cref="IChatSocket"/> of one accepted WebSocket. Sends come from the connection's actor,
/// one at a time. A close (from the actor or the receive loop, whichever comes first) sends the
/// close frame after any send in progress, then gives the peer <c>closeTimeout</c> to answer before
/// <see cref="Lifetime"/> is cancelled, which aborts the socket and ends the receive loop.
/// </summary>
internal sealed class WebSocketChatSocket(WebSocket socket, TimeSpan closeTimeout) : IChatSocket, IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private int _closing;

    /// <summary>Cancelled when the socket must stop receiving: abort, or a close the peer did not answer in time.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Completes when a close this adapter started has been sent (or given up on).</summary>
    public Task Closed { get; private set; } = Task.CompletedTask;

    public ValueTask SendAsync(ReadOnlyMemory<byte> utf8Text) =>
        socket.SendAsync(utf8Text, WebSocketMessageType.Text, endOfMessage: true, _lifetime.Token);

    public void Close(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            Closed = CloseAsync(code, reason);
        }
    }

    public void Dispose() => _lifetime.Dispose();

    private async Task CloseAsync(int code, string reason)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                timeout.CancelAfter(closeTimeout);
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer is gone or did not take the close frame in time: the socket is aborted.
        }
        finally
        {
            try
            {
                _lifetime.CancelAfter(closeTimeout);
            }
            catch (ObjectDisposedException)
            {
                // The connection already ended.
            }
        }
    }
}
