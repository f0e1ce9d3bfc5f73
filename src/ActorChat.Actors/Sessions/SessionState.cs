using static ActorChat.Actors.Sessions.SessionEntity;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// The durable part of one session: its name and the name's two keys, whether it can be resumed,
/// the hashes of its current and previous token, its generation, its rooms, and whether it ended.
/// Pure: no actors, no clock, no I/O; the random token of a start or resume is made by the caller.
/// </summary>
/// <remarks>
/// Event sourcing, the way <see cref="Rooms.RoomState"/> is: a command is decided against the state
/// (<c>Decide…</c>), which yields the event to persist (or null: nothing to do) and changes
/// nothing; <see cref="Apply"/> evolves the state and is all that recovery replays. The owner
/// (<see cref="SessionEntity"/>) starts from <c>new SessionState()</c> or <see cref="FromSnapshot"/>,
/// applies each replayed event, and live persists each decided event and applies it in its handler.
/// What is not persisted (the connection, a claim in flight, how long a detached session waits)
/// stays with the owner.
/// </remarks>
public sealed class SessionState
{
    private readonly SortedSet<string> _rooms = new(StringComparer.Ordinal);

    /// <summary>False until a <see cref="SessionStarted"/> is applied: no such session.</summary>
    public bool IsStarted { get; private set; }

    public string Name { get; private set; } = "";

    public string Caseless { get; private set; } = "";

    public string Cased { get; private set; } = "";

    public bool Resumable { get; private set; }

    /// <summary>The user whose session this is (a token's <c>sub</c>); null: an anonymous member's.</summary>
    public string? UserId { get; private set; }

    /// <summary>Who holds the session's name keys: the user (<c>u:</c> and the id, so every session of one user shares its name) or, anonymous, the session.</summary>
    public string NameHolder(string sessionId) => SessionSharding.NameHolder(sessionId, UserId);

    /// <summary>The hash of the token the last welcome carried.</summary>
    public byte[]? TokenHash { get; private set; }

    /// <summary>The hash of the token that last welcome's resume presented: still accepted, since that welcome may have been lost.</summary>
    public byte[]? PreviousTokenHash { get; private set; }

    /// <summary>One more on every welcome (the start is 1): tells a connection that was taken over from the current one.</summary>
    public long Generation { get; private set; }

    /// <summary>The end is stored: what is left is freeing the names and telling the rooms.</summary>
    public bool Ended { get; private set; }

    /// <summary>The rooms the session is in, in ordinal order.</summary>
    public IReadOnlyCollection<string> Rooms => _rooms;

    /// <summary>Started and not ended.</summary>
    public bool IsLive => IsStarted && !Ended;

    /// <summary>The name entity's key of <see cref="Caseless"/>.</summary>
    public string CaselessKey => SessionSharding.CaselessKey(Caseless);

    /// <summary>The name entity's key of <see cref="Cased"/>.</summary>
    public string CasedKey => SessionSharding.CasedKey(Cased);

    /// <summary>The state a snapshot stands for.</summary>
    public static SessionState FromSnapshot(SessionSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = new SessionState
        {
            IsStarted = true,
            Name = snapshot.Name,
            Caseless = snapshot.Caseless,
            Cased = snapshot.Cased,
            Resumable = snapshot.Resumable,
            TokenHash = snapshot.TokenHash,
            PreviousTokenHash = snapshot.PreviousTokenHash,
            Generation = snapshot.Generation,
            Ended = snapshot.Ended,
            UserId = snapshot.UserId,
        };
        state._rooms.UnionWith(snapshot.Rooms);
        return state;
    }

    /// <summary>The whole state, to be saved as a snapshot. Only for a started session.</summary>
    public SessionSnapshot ToSnapshot()
    {
        RequireStarted();
        return new(Name, Caseless, Cased, Resumable, TokenHash, Generation, [.. _rooms], Ended, PreviousTokenHash, UserId);
    }

    // ---- decisions (they change nothing; the event they yield does, once applied) ----

    /// <summary>
    /// Starts the session under a name whose keys are held, with <paramref name="token"/> (null
    /// exactly when it cannot be resumed); only its hash is stored. Only for a session not started.
    /// </summary>
    public SessionStarted DecideStart(string name, string caseless, string cased, bool resumable, string? token, string? userId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (resumable != token is not null)
        {
            throw new ArgumentException("A resumable session needs a token, and only it.", nameof(token));
        }

        if (IsStarted)
        {
            throw new InvalidOperationException($"Session \"{Name}\" is already started.");
        }

        return new SessionStarted(name, caseless, cased, resumable, token is null ? null : SessionTokens.Hash(token), userId);
    }

    /// <summary>
    /// A resume presenting <paramref name="presented"/> while a connection is <paramref name="attached"/>
    /// or not: the event that gives the session <paramref name="newToken"/> (the presented one stays
    /// good for one more resume while no connection holds the session), or null when it does not
    /// resume (unknown, ended, not resumable, or not the current token nor, while detached, the previous one).
    /// </summary>
    public SessionResumed? DecideResume(string presented, string newToken, bool attached, string? userId = null)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentException.ThrowIfNullOrEmpty(newToken);
        return IsLive && Resumable && Accepts(presented, attached) && string.Equals(userId, UserId, StringComparison.Ordinal)
            ? new SessionResumed(SessionTokens.Hash(newToken), SessionTokens.Hash(presented))
            : null;
    }

    /// <summary>
    /// True when <paramref name="presented"/> is this user's session's token but the resume is not
    /// by that user (<paramref name="userId"/> another, or none): a session token alone does not
    /// make anyone the user (refused with invalid-token, not a new session).
    /// </summary>
    public bool IsUserResumeByOther(string presented, bool attached, string? userId) =>
        IsLive && Resumable && UserId is not null && !string.Equals(userId, UserId, StringComparison.Ordinal) && Accepts(presented, attached);

    /// <summary>Renames a live session to a name whose keys are held.</summary>
    public SessionRenamed DecideRename(string name, string caseless, string cased)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RequireLive();
        return new SessionRenamed(name, caseless, cased);
    }

    /// <summary>Joining or leaving <paramref name="room"/>: null when the session is not live or nothing changes.</summary>
    public ISessionEvent? DecideRoom(string room, bool joined)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        if (!IsLive || _rooms.Contains(room) == joined)
        {
            return null;
        }

        return joined ? new RoomJoined(room) : new RoomLeft(room);
    }

    /// <summary>Ends a live session.</summary>
    public SessionClosed DecideClose()
    {
        RequireLive();
        return SessionClosed.Instance;
    }

    // ---- reads ----

    /// <summary>
    /// The current token; or, while no connection is <paramref name="attached"/>, the one before it
    /// (whose holder may never have got the welcome that replaced it).
    /// </summary>
    public bool Accepts(string token, bool attached) =>
        SessionTokens.Matches(token, TokenHash) || (!attached && PreviousTokenHash is not null && SessionTokens.Matches(token, PreviousTokenHash));

    /// <summary>True when the live session's current name uses the name entity's <paramref name="key"/> (it must not be released).</summary>
    public bool Keeps(string key) => IsLive && (key == CaselessKey || key == CasedKey);

    // ---- evolution ----

    /// <summary>
    /// Applies a persisted event (live, the one just decided and stored; on recovery, each replayed
    /// one in order). Events other than a start are ignored before the session is started, as they
    /// always were.
    /// </summary>
    public void Apply(ISessionEvent sessionEvent)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        switch (sessionEvent)
        {
            case SessionStarted started:
                IsStarted = true;
                (Name, Caseless, Cased, Resumable, UserId) = (started.Name, started.Caseless, started.Cased, started.Resumable, started.UserId);
                (TokenHash, PreviousTokenHash, Generation, Ended) = (started.TokenHash, null, 1, false);
                _rooms.Clear();
                break;
            case SessionResumed resumed when IsStarted:
                (TokenHash, PreviousTokenHash) = (resumed.TokenHash, resumed.PreviousTokenHash);
                Generation++;
                break;
            case SessionRenamed renamed when IsStarted:
                (Name, Caseless, Cased) = (renamed.Name, renamed.Caseless, renamed.Cased);
                break;
            case RoomJoined joined when IsStarted:
                _rooms.Add(joined.Room);
                break;
            case RoomLeft left when IsStarted:
                _rooms.Remove(left.Room);
                break;
            case SessionClosed when IsStarted:
                Ended = true;
                break;
        }
    }

    private void RequireStarted()
    {
        if (!IsStarted)
        {
            throw new InvalidOperationException("No session is started.");
        }
    }

    private void RequireLive()
    {
        if (!IsLive)
        {
            throw new InvalidOperationException(IsStarted ? $"Session \"{Name}\" has ended." : "No session is started.");
        }
    }
}
