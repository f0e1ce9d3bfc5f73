using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// Reads whole frames from a WebSocket (a <c>joined</c> with 1000 messages is ~200 KB), for the
/// request/reply steps before a connection's receive loop starts.
/// </summary>
internal sealed class FrameReader(int chunk = 16 * 1024)
{
    private readonly ArrayBufferWriter<byte> _frame = new(chunk);

    /// <summary>The next text frame's bytes (valid until the next call); throws when the connection closes.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> NextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        _frame.ResetWrittenCount();
        while (true)
        {
            var result = await socket.ReceiveAsync(_frame.GetMemory(chunk), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed by the server: {(int?)socket.CloseStatus} {socket.CloseStatusDescription}");
            }

            _frame.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return _frame.WrittenMemory;
            }
        }
    }
}

/// <summary>What a <c>join</c> took: the reply, and what came before it.</summary>
/// <param name="PresenceBefore">Presence frames that arrived before the <c>joined</c> (other rooms' or this one's).</param>
/// <param name="Received">Stopwatch timestamp when the whole <c>joined</c> frame had been read.</param>
internal sealed record JoinOutcome(Joined Joined, int PresenceBefore, long Received);

/// <summary>
/// <c>hello</c> and <c>join</c> as request and reply on a connection whose receive loop has not
/// started yet (<see cref="BenchClient"/> takes it over afterwards; the WebSocket keeps what it has
/// not delivered, so nothing is lost in between).
/// </summary>
internal static class V1Handshake
{
    /// <summary><c>hello</c> (with a token when <paramref name="token"/> is set) and its <c>welcome</c>.</summary>
    public static async Task<Welcome> HelloAsync(WebSocket socket, FrameReader reader, string name, string? session, CancellationToken cancellationToken, string? token = null)
    {
        await socket.SendAsync(V1Format.Hello(name, session, token: token), WebSocketMessageType.Text, true, cancellationToken);
        while (true)
        {
            var frame = await reader.NextAsync(socket, cancellationToken);
            switch (V1Format.KindOf(frame.Span))
            {
                case V1Format.Kind.Welcome:
                    return V1Format.ParseWelcome(frame.Span);
                case V1Format.Kind.Error:
                    throw new V1ErrorException(V1Format.ErrorCode(frame.Span), "hello " + name);
            }
        }
    }

    /// <summary>
    /// Joins <paramref name="room"/> and waits for its <c>joined</c> (the one answering this request: a
    /// <c>joined</c> with no ref, sent when a room restarted, is skipped).
    /// </summary>
    public static async Task<JoinOutcome> JoinAsync(WebSocket socket, FrameReader reader, string room, StreamPosition? since, int? limit, CancellationToken cancellationToken)
    {
        await socket.SendAsync(V1Format.Join(room, since, limit), WebSocketMessageType.Text, true, cancellationToken);
        var presence = 0;
        while (true)
        {
            var frame = await reader.NextAsync(socket, cancellationToken);
            switch (V1Format.KindOf(frame.Span))
            {
                case V1Format.Kind.Joined when frame.Span.IndexOf("\"ref\":\"j\""u8) >= 0:
                    var received = Stopwatch.GetTimestamp();
                    return new JoinOutcome(V1Format.ParseJoined(frame.Span), presence, received);
                case V1Format.Kind.Presence:
                    presence++;
                    break;
                case V1Format.Kind.Error:
                    throw new V1ErrorException(V1Format.ErrorCode(frame.Span), "join " + room);
            }
        }
    }
}
