using Akka.Actor;

namespace ActorChat.Actors.Sessions;

/// <summary>The messages between the node's <see cref="SessionFront"/> and the entity, its own timers' messages, and its persisted events.</summary>
public sealed partial class SessionEntity
{
    // ---- Messages (front → entity, entity → front). Connections get SessionContract replies. ----

    /// <summary>Start a new session under a validated name and its keys; the entity answers the connection.</summary>
    public sealed record StartSession(string SessionId, string Name, string Caseless, string Cased, bool Resumable, IActorRef Connection, string? UserId = null) : ISessionMessage;

    /// <summary>Resume with <paramref name="Token"/>; unless it is the session's current one the front is told <see cref="NotResumed"/>.</summary>
    /// <remarks>A user's session is resumed only with <paramref name="UserId"/> its own; a session token alone is refused (invalid-token).</remarks>
    public sealed record ResumeSession(string SessionId, string Token, string Name, IActorRef Connection, string? UserId = null) : ISessionMessage;

    /// <summary>The token did not resume the session (entity → front): start a new one under <paramref name="Name"/> (for <paramref name="UserId"/>, if any).</summary>
    public sealed record NotResumed(string Name, IActorRef Connection, string? UserId = null);

    /// <summary>Rename the session to a validated name and its keys; the entity answers the connection, echoing <paramref name="Request"/> (<see cref="SessionContract.Rename"/>).</summary>
    public sealed record RenameSession(string SessionId, string Name, string Caseless, string Cased, IActorRef Connection, long Request = 0) : ISessionMessage;

    /// <summary>The entity watches <paramref name="Connection"/>, welcomed in <paramref name="Generation"/> (entity → front).</summary>
    public sealed record Attached(string SessionId, long Generation, IActorRef Connection);

    /// <summary>
    /// The session's entity stopped while <paramref name="Connection"/> lived (front → entity): watch it
    /// again if it is still the session's connection (welcomed in <paramref name="Generation"/>).
    /// </summary>
    public sealed record Reattach(string SessionId, long Generation, IActorRef Connection) : ISessionMessage;

    /// <summary>The session is gone or was taken over (entity → front): the connection was told <see cref="SessionContract.TakenOver"/>.</summary>
    public sealed record NotAttached(string SessionId, IActorRef Connection);

    /// <summary>Ends the session if its connection has been gone long enough (the entity's own timer; tests).</summary>
    public sealed record CheckExpiry(string SessionId) : ISessionMessage, INoSerializationVerificationNeeded;

    /// <summary>Asks for <see cref="StateReply"/> (tests, diagnostics); bound to the sessions serializer, as it may cross nodes.</summary>
    public sealed record GetState(string SessionId) : ISessionMessage;

    /// <summary>The session's name (null: no such session), rooms, whether a connection is attached, whether it ended.</summary>
    public sealed record StateReply(string? Name, IReadOnlyList<string> Rooms, bool Attached, bool Ended);

    /// <summary>Stops the entity (the passivation message of the sessions' region).</summary>
    public sealed record StopSession : INoSerializationVerificationNeeded
    {
        public static readonly StopSession Instance = new();
    }

    private sealed record ClaimTimedOut(long Attempt) : INoSerializationVerificationNeeded;

    private sealed record ReleaseDue : INoSerializationVerificationNeeded
    {
        public static readonly ReleaseDue Instance = new();
    }

    private sealed record Idle : INoSerializationVerificationNeeded
    {
        public static readonly Idle Instance = new();
    }

    // ---- Persisted events and the snapshot (SessionMessagesSerializer, manifests "se…"). ----

    /// <summary>A session started: its name and keys, whether it can be resumed, its token's hash (null when not), and its user (null: anonymous).</summary>
    public sealed record SessionStarted(string Name, string Caseless, string Cased, bool Resumable, byte[]? TokenHash, string? UserId = null) : ISessionEvent;

    /// <summary>Resumed with a new token (its hash) by the token <paramref name="PreviousTokenHash"/> hashes (null in events stored before it was kept); the generation is one more.</summary>
    public sealed record SessionResumed(byte[] TokenHash, byte[]? PreviousTokenHash = null) : ISessionEvent;

    /// <summary>Renamed: the new name and keys.</summary>
    public sealed record SessionRenamed(string Name, string Caseless, string Cased) : ISessionEvent;

    /// <summary>Joined <paramref name="Room"/>.</summary>
    public sealed record RoomJoined(string Room) : ISessionEvent;

    /// <summary>Left <paramref name="Room"/>.</summary>
    public sealed record RoomLeft(string Room) : ISessionEvent;

    /// <summary>The session ended: what is left is freeing its names and telling its rooms.</summary>
    public sealed record SessionClosed : ISessionEvent
    {
        public static readonly SessionClosed Instance = new();
    }

    /// <summary>The whole state at a sequence number.</summary>
    public sealed record SessionSnapshot(string Name, string Caseless, string Cased, bool Resumable, byte[]? TokenHash, long Generation, IReadOnlyList<string> Rooms, bool Ended, byte[]? PreviousTokenHash = null, string? UserId = null) : ISessionEvent;
}

/// <summary>The cluster's session settings.</summary>
/// <param name="Ttl">How long a session whose connection dropped (or that recovered without it) waits to be resumed.</param>
/// <param name="ReattachGrace">How long a recovered session that cannot be resumed waits for its connection to be reattached.</param>
/// <param name="ClaimTimeout">How long a name claim or release may go unanswered (then refused, or retried).</param>
public sealed record SessionEntitySettings(TimeSpan Ttl, TimeSpan ReattachGrace, TimeSpan ClaimTimeout)
{
    /// <summary>With the default grace (10 s) and claim timeout (10 s).</summary>
    public static SessionEntitySettings For(TimeSpan ttl) => new(ttl, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
}

/// <summary>A persisted session or name event, or snapshot (stored by SessionMessagesSerializer).</summary>
public interface ISessionEvent;
