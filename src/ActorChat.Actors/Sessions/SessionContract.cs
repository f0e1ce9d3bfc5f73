namespace ActorChat.Actors.Sessions;

/// <summary>
/// What crosses between the sessions and the other areas: a connection and its session (through the
/// node's <see cref="SessionFront"/>, answered by the session's <see cref="SessionEntity"/> on
/// whichever node it lives), (a session's end goes to its rooms as RoomContract.SessionEnded). Every message here may cross nodes and has
/// a layout in <c>SessionMessagesSerializer</c>; their type names are not stored anywhere.
/// </summary>
public static class SessionContract
{
    /// <summary>
    /// Start or resume a session (connection → front). With a valid <paramref name="Token"/> the
    /// session is resumed whatever <paramref name="Name"/> says; otherwise a new one starts under it.
    /// <paramref name="Resumable"/> is false for <c>beej-chat-protocol</c> connections.
    /// <paramref name="UserId"/>: the user a token proved (null: anonymous); a user's session is
    /// resumed only by the same user, and the user's name is reserved for it.
    /// </summary>
    public sealed record Hello(string? Token, string Name, bool Resumable, string? UserId = null);

    /// <summary>The session (session → connection): its id (internal, never sent), name, new token, and the rooms it is still in.</summary>
    public sealed record Welcomed(string SessionId, string Name, string? Token, bool Resumed, IReadOnlyList<string> Rooms);

    /// <summary>No session (session or front → connection), with the error code and a message for people.</summary>
    public sealed record HelloRefused(string Code, string Message);

    /// <summary>Another connection resumed this connection's session (session → old connection): close with 4001.</summary>
    public sealed record TakenOver
    {
        public static readonly TakenOver Instance = new();
    }

    /// <summary>
    /// Change the session's name (connection → front). <paramref name="Request"/> is the
    /// connection's own number for it, echoed in the answer: renames in flight are not answered in
    /// the order they were asked (an invalid name is refused by the node's front at once, a valid
    /// one waits for its session's and name's entities, on any node).
    /// </summary>
    public sealed record Rename(string SessionId, string Name, long Request = 0) : ISessionMessage;

    /// <summary>The session is now called <paramref name="Name"/> (session → connection), in answer to the rename numbered <paramref name="Request"/>; its rooms are told by the connection.</summary>
    public sealed record Renamed(string Previous, string Name, long Request = 0);

    /// <summary>The rename numbered <paramref name="Request"/> was refused (session or front → connection).</summary>
    public sealed record RenameRefused(string Code, string Message, long Request = 0);

    /// <summary>The connection's session is now in <paramref name="Room"/> (connection → session).</summary>
    public sealed record JoinedRoom(string SessionId, string Room) : ISessionMessage;

    /// <summary>The connection's session left <paramref name="Room"/> (connection → session).</summary>
    public sealed record LeftRoom(string SessionId, string Room) : ISessionMessage;

    /// <summary>A clean end: close 1000 or <c>bye</c> (connection → session). The session ends now.</summary>
    public sealed record Goodbye(string SessionId) : ISessionMessage;

    /// <summary>Asks the node's front for <see cref="SessionCount"/> (tests, metrics).</summary>
    public sealed record GetSessionCount
    {
        public static readonly GetSessionCount Instance = new();
    }

    /// <summary>The node's connections with a session (<paramref name="Attached"/>); sessions live in the cluster, so the node counts only those.</summary>
    public sealed record SessionCount(int Attached);
}
