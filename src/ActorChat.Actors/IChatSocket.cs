namespace ActorChat.Actors;

/// <summary>
/// The outbound side of one client's WebSocket, as its <see cref="ConnectionActor"/> sees it. The
/// actor never overlaps two calls: it sends one frame at a time and closes once.
/// </summary>
public interface IChatSocket
{
    /// <summary>Sends one UTF-8 text frame. May complete synchronously.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> utf8Text);

    /// <summary>
    /// Starts the close handshake with <paramref name="code"/> once any send in progress ends, and
    /// aborts the connection if the peer does not complete it in time. Returns at once; repeated
    /// calls are ignored.
    /// </summary>
    void Close(int code, string reason);
}
