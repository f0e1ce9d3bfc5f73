using System.Net.WebSockets;
using ActorChat.Actors;

namespace ActorChat.Host;

/// <summary>
/// The <see cref="IChatSocket"/> of one WebSocket. It exists before the socket is accepted, so the
/// connection can join the room first and miss no broadcast: sends made before
/// <see cref="Accepted"/> wait for it. Sends come from the connection's actor, one at a time.
/// A close (from the actor or the receive loop, whichever comes first) sends the close frame and
/// gives the peer <c>closeTimeout</c> to answer before <see cref="Lifetime"/> is cancelled, which
/// aborts the socket and ends the receive loop. When a send is stuck (the peer stopped reading) no
/// close frame can get through, so the socket is aborted after a short grace. A close requested
/// before the socket is accepted (the room drains while the connection attaches) is sent as soon
/// as it is accepted, so the client reads the code instead of a dropped connection.
/// </summary>
internal sealed class WebSocketChatSocket(TimeSpan closeTimeout) : IChatSocket, IDisposable
{
    /// <summary>How long a close waits for a send in progress before taking the peer as stalled.</summary>
    private static readonly TimeSpan StuckSendGrace = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource<WebSocket> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closeDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile WebSocket? _socket;
    private int _pendingSends;
    private int _closing;
    private volatile SentClose? _sentClose;
    private volatile bool _closedByPeer;

    /// <summary>Cancelled when the socket must stop receiving: abort, or a close the peer did not answer in time.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Completes when a close this adapter started has been sent (or given up on); complete while none has started.</summary>
    /// <remarks>
    /// The actor's thread starts a close while the middleware's may be reading this (the peer
    /// closed, or the network dropped, at the same moment). The close is started by whoever wins
    /// <c>_closing</c>; from that instant on this is the one task that completes when the close is
    /// done, so a reader can never see "no close" for a close already won but not yet published
    /// (a task property set after the exchange could be read in between, and the middleware would
    /// log and dispose the socket while the close frame was still going out). The interlocked
    /// exchange orders <c>_closing</c>; the task's completion orders what the close wrote
    /// (<c>_sentClose</c>) before the reader's continuation.
    /// </remarks>
    public Task Closed => Volatile.Read(ref _closing) == 0 ? Task.CompletedTask : _closeDone.Task;

    public void Accepted(WebSocket socket)
    {
        _socket = socket;
        _accepted.TrySetResult(socket);
    }

    /// <summary>The handshake failed: sends waiting for it fail, and the connection ends.</summary>
    public void NotAccepted(Exception reason) => _accepted.TrySetException(reason);

    /// <summary>The connection is over: anything still waiting for an accept that never came gives up (no effect once accepted).</summary>
    public void EndAccepting() => _accepted.TrySetCanceled();

    /// <remarks>
    /// Sends take no cancellation token: a cancellable send takes the framework's slower path on
    /// every frame, and a stuck send needs none, since ending <see cref="Lifetime"/> cancels the
    /// receive loop, which aborts the socket and fails the send with it.
    /// </remarks>
    public ValueTask SendAsync(ReadOnlyMemory<byte> utf8Text)
    {
        var send = _socket is { } socket
            ? socket.SendAsync(utf8Text, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None)
            : new ValueTask(SendWhenAcceptedAsync(utf8Text));
        return send.IsCompleted ? send : TrackAsync(send);
    }

    public void Close(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            _sentClose = new SentClose(code, reason);
            _ = RunCloseAsync(code, reason);
        }
    }

    /// <summary>The peer sent a close frame: answered with its own code (unless the server closed first).</summary>
    public void PeerClosed(int? code)
    {
        _closedByPeer = Volatile.Read(ref _closing) == 0;
        Close(code ?? 1000, "");
    }

    /// <summary>How the connection ended, for the log: the close the server sent, the one the client sent, or neither (1006).</summary>
    public (int Code, string Reason, string ClosedBy) Outcome(WebSocket socket)
    {
        if (_closedByPeer)
        {
            return ((int?)socket.CloseStatus ?? 1005, socket.CloseStatusDescription ?? "", "client");
        }

        return _sentClose is { } sent ? (sent.Code, sent.Reason, "server") : (1006, "connection lost", "network");
    }

    public void Dispose() => _lifetime.Dispose();

    private async Task RunCloseAsync(int code, string reason)
    {
        try
        {
            await (_socket is null ? CloseWhenAcceptedAsync(code, reason) : CloseAsync(code, reason)).ConfigureAwait(false);
            _closeDone.TrySetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not expected (the close catches the peer's failures); the middleware's await rethrows it, as before.
            _closeDone.TrySetException(ex);
        }
    }

    private async Task CloseWhenAcceptedAsync(int code, string reason)
    {
        try
        {
            await _accepted.Task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never accepted (whatever failed the handshake): there is no socket to close.
            return;
        }

        await CloseAsync(code, reason).ConfigureAwait(false);
    }

    private async Task SendWhenAcceptedAsync(ReadOnlyMemory<byte> utf8Text)
    {
        var socket = await _accepted.Task.ConfigureAwait(false);
        await socket.SendAsync(utf8Text, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
    }

    private async ValueTask TrackAsync(ValueTask send)
    {
        Interlocked.Increment(ref _pendingSends);
        try
        {
            await send.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingSends);
        }
    }

    private async Task CloseAsync(int code, string reason)
    {
        // The close frame queues behind a send in progress. A send that does not finish within a
        // moment is stuck behind a peer that stopped reading: nothing more will get through, so
        // the socket is aborted at once instead of waiting out the whole close timeout.
        var sendInProgress = Volatile.Read(ref _pendingSends) > 0;
        try
        {
            if (_socket is { State: WebSocketState.Open or WebSocketState.CloseReceived } socket)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                timeout.CancelAfter(sendInProgress ? StuckSendGrace : closeTimeout);
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
            }

            EndReceivingAfter(closeTimeout);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer is gone or did not take the close frame in time.
            EndReceivingAfter(null);
        }
    }

    /// <summary>Cancels <see cref="Lifetime"/> after <paramref name="delay"/>, or now when null.</summary>
    private void EndReceivingAfter(TimeSpan? delay)
    {
        try
        {
            if (delay is { } after)
            {
                _lifetime.CancelAfter(after);
            }
            else
            {
                _lifetime.Cancel();
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection has already ended (a close requested by the actor as it stopped).
        }
    }

    /// <summary>The close the server sent: one reference, read whole by another thread (a tuple could be read torn).</summary>
    private sealed record SentClose(int Code, string Reason);
}
