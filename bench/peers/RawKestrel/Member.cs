using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;

namespace ActorChat.Bench.RawKestrel;

/// <summary>One connected socket; its send lock keeps writes from overlapping.</summary>
[SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim holds no unmanaged resource unless AvailableWaitHandle is used; sends may still be queued when the member leaves.")]
internal sealed class Member(WebSocket socket)
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public string? Name { get; set; }

    /// <summary>Sends one text frame after the sends queued before it; failures end quietly.</summary>
    public async Task SendAsync(byte[] frame)
    {
        await _sendLock.WaitAsync();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            // the receive loop sees the broken connection and removes the member
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        await _sendLock.WaitAsync();
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync(status, reason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // already gone
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
