using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using ActorChat.Actors.Protocol;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// The sessions of <c>actorchat.v1</c> (PROTOCOL-V1.md, "Session") and the one namespace of names
/// they share with <c>beej-chat-protocol</c> connections. Pure: the session registry actor applies
/// it and schedules <see cref="Expire"/>; connections are whatever the caller uses to address one
/// (an actor ref there, a string in tests).
/// </summary>
/// <remarks>
/// A session has a stable id (what rooms key membership and <c>cid</c> dedup by; never sent) and a
/// token (what the client presents to resume; 128 random bits, replaced on every welcome, so an old
/// token is worthless once used). A session whose connection ended cleanly is gone at once; one
/// whose connection dropped keeps its name and rooms for the session time-to-live, then expires.
/// Resuming a session whose connection is still open takes it over: the old connection is named in
/// the result so the caller can close it (4001).
/// </remarks>
public sealed class SessionTable<TConnection>
    where TConnection : notnull
{
    private readonly TimeSpan _ttl;
    private readonly Func<string> _newToken;
    private readonly Dictionary<string, Session> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _byToken = new(StringComparer.Ordinal);
    private readonly Dictionary<TConnection, Session> _byConnection = [];
    private readonly NameBook<string> _names = new();
    private long _nextId;

    /// <param name="ttl">How long a session whose connection dropped keeps its name and rooms.</param>
    /// <param name="newToken">Makes session tokens; null: 128 random bits, base64url.</param>
    public SessionTable(TimeSpan ttl, Func<string>? newToken = null)
    {
        _ttl = ttl;
        _newToken = newToken ?? NewToken;
    }

    /// <summary>Sessions alive (attached or waiting to be resumed).</summary>
    public int Count => _byId.Count;

    /// <summary>Sessions with a connection now.</summary>
    public int Attached => _byConnection.Count;

    /// <summary>When the next detached session expires, if any: when to call <see cref="Expire"/>.</summary>
    public DateTimeOffset? NextExpiry => _byId.Values.Where(s => s.ExpiresAt is not null).Min(s => s.ExpiresAt);

    /// <summary>
    /// Resumes the session whose token is <paramref name="token"/> on <paramref name="connection"/>;
    /// false for an unknown, used or expired token (not an error: the caller starts a new session).
    /// </summary>
    public bool TryResume(string token, TConnection connection, [NotNullWhen(true)] out Welcome? welcome)
    {
        welcome = null;
        if (!_byToken.TryGetValue(token, out var session) || _byConnection.ContainsKey(connection))
        {
            return false;
        }

        var takenOver = session.Connection;
        if (takenOver is not null)
        {
            _byConnection.Remove(takenOver);
        }

        Attach(session, connection);
        welcome = Issue(session, resumed: true, takenOver);
        return true;
    }

    /// <summary>
    /// Starts a session named <paramref name="name"/> (validated by <see cref="ChatRules.TryValidateName"/>,
    /// key <paramref name="key"/>) on <paramref name="connection"/>; false, with the name shown for the
    /// holder, when another session holds the name or one that looks the same.
    /// </summary>
    /// <param name="resumable">False for a <c>beej-chat-protocol</c> connection: it gets no token and ends with its connection.</param>
    public bool TryStart(string name, NameKey key, TConnection connection, bool resumable, [NotNullWhen(true)] out Welcome? welcome, [NotNullWhen(false)] out string? heldBy)
    {
        welcome = null;
        if (_byConnection.ContainsKey(connection))
        {
            throw new InvalidOperationException("The connection already has a session.");
        }

        var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_names.TryClaim(id, name, key, out heldBy))
        {
            return false;
        }

        var session = new Session(id, resumable) { Name = name };
        _byId[id] = session;
        Attach(session, connection);
        welcome = Issue(session, resumed: false, takenOver: default);
        return true;
    }

    /// <summary>Renames the connection's session; false, with the holder's name, when the name is taken.</summary>
    public bool TryRename(TConnection connection, string name, NameKey key, [NotNullWhen(false)] out string? heldBy)
    {
        var session = _byConnection[connection];
        if (!_names.TryClaim(session.Id, name, key, out heldBy))
        {
            return false;
        }

        session.Name = name;
        return true;
    }

    /// <summary>The connection's session is now a member of <paramref name="room"/> (listed on resume, evicted on expiry).</summary>
    public void Joined(TConnection connection, string room) => _byConnection[connection].Rooms.Add(room);

    /// <summary>The connection's session left <paramref name="room"/>.</summary>
    public void Left(TConnection connection, string room) => _byConnection[connection].Rooms.Remove(room);

    /// <summary>The session of <paramref name="connection"/>, if it has one.</summary>
    public bool TryGet(TConnection connection, [NotNullWhen(true)] out SessionInfo? session)
    {
        session = _byConnection.TryGetValue(connection, out var found) ? found.Info() : null;
        return session is not null;
    }

    /// <summary>
    /// The connection ended. Cleanly (a close 1000 or <c>bye</c>), or for a session that cannot be
    /// resumed, the session ends now and the result lists the rooms to leave; otherwise it waits
    /// to be resumed until the time-to-live has passed, and the result is null.
    /// </summary>
    public Ended? Disconnected(TConnection connection, bool clean, DateTimeOffset now)
    {
        if (!_byConnection.Remove(connection, out var session))
        {
            return null;
        }

        session.Connection = default;
        if (clean || !session.Resumable)
        {
            return Remove(session);
        }

        session.ExpiresAt = now + _ttl;
        return null;
    }

    /// <summary>Ends every detached session whose time-to-live has passed by <paramref name="now"/>.</summary>
    public IReadOnlyList<Ended> Expire(DateTimeOffset now) =>
        [.. _byId.Values.Where(s => s.ExpiresAt <= now).ToList().Select(Remove)];

    private void Attach(Session session, TConnection connection)
    {
        session.Connection = connection;
        session.ExpiresAt = null;
        _byConnection[connection] = session;
    }

    private Welcome Issue(Session session, bool resumed, TConnection? takenOver)
    {
        if (session.Token is { } old)
        {
            _byToken.Remove(old);
        }

        session.Token = session.Resumable ? _newToken() : null;
        if (session.Token is { } token)
        {
            _byToken[token] = session;
        }

        return new Welcome(session.Info(), session.Token, resumed, [.. session.Rooms.Order(StringComparer.Ordinal)], takenOver);
    }

    private Ended Remove(Session session)
    {
        _byId.Remove(session.Id);
        if (session.Token is { } token)
        {
            _byToken.Remove(token);
        }

        if (session.Connection is { } connection)
        {
            _byConnection.Remove(connection);
        }

        _names.Release(session.Id, out _);
        return new Ended(session.Info(), [.. session.Rooms.Order(StringComparer.Ordinal)]);
    }

    private static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>A session as the caller sees it: its internal id (never sent), its name, whether it can be resumed.</summary>
    public sealed record SessionInfo(string Id, string Name, bool Resumable);

    /// <summary>
    /// The answer to a hello: the session, its new token (null for a session that cannot be
    /// resumed), whether it was resumed, the rooms it is still a member of, and the connection it
    /// was taken over from (to be closed with 4001), if any.
    /// </summary>
    public sealed record Welcome(SessionInfo Session, string? Token, bool Resumed, IReadOnlyList<string> Rooms, TConnection? TakenOver);

    /// <summary>A session that ended: its name is free again, and it must leave these rooms.</summary>
    public sealed record Ended(SessionInfo Session, IReadOnlyList<string> Rooms);

    private sealed class Session(string id, bool resumable)
    {
        public string Id { get; } = id;

        public bool Resumable { get; } = resumable;

        public required string Name { get; set; }

        public string? Token { get; set; }

        public TConnection? Connection { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }

        public HashSet<string> Rooms { get; } = new(StringComparer.Ordinal);

        public SessionInfo Info() => new(Id, Name, Resumable);
    }
}
