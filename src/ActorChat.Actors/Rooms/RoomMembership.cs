using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Who is in one room: its members by session and by connection, their presence grace, and what
/// presence changes they cause. Pure: no actors, no timers; <typeparamref name="TConnection"/> is
/// whatever identifies a member's connection (an actor ref in the room).
/// </summary>
/// <remarks>
/// <para>
/// Each operation changes the membership and returns the effects the owner performs, in order:
/// watching connections, grace timers (started with a generation; a timer whose generation is no
/// longer the member's is stale and <see cref="GraceOver"/> ignores it), presence to send, the member
/// count to report, and members removed on the way (whose protocol may show that at once).
/// </para>
/// <para>
/// A member whose connection dies stays for the grace (<c>presenceGrace</c>; zero removes it at once);
/// the session entering again within it changes nothing anyone sees. A post still on its way from
/// the connection that died is accepted (<see cref="RoomMember{TConnection}.LastConnection"/>).
/// A connection that enters for another session leaves the session it spoke for as good as
/// disconnected: its grace starts.
/// </para>
/// </remarks>
public sealed class RoomMembership<TConnection>
    where TConnection : class
{
    private static readonly MemberEffect<TConnection>[] None = [];

    private readonly TimeSpan _presenceGrace;
    private readonly Dictionary<string, RoomMember<TConnection>> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<TConnection, RoomMember<TConnection>> _byConnection = [];
    private readonly List<RoomMember<TConnection>> _marked = [];
    private List<MemberEffect<TConnection>>? _effects;

    public RoomMembership(string room, int maxPresenceList, TimeSpan presenceGrace)
    {
        Presence = new RoomPresence(room, maxPresenceList);
        _presenceGrace = presenceGrace;
    }

    /// <summary>Who is shown, and what each audience was told.</summary>
    public RoomPresence Presence { get; }

    /// <summary>Members, those within their grace included.</summary>
    public int Count => _members.Count;

    /// <summary>Members with a connection.</summary>
    public int Attached => _byConnection.Count;

    public IEnumerable<RoomMember<TConnection>> Members => _members.Values;

    public RoomMember<TConnection>? Find(string sessionId) => _members.GetValueOrDefault(sessionId);

    public bool IsConnection(TConnection connection) => _byConnection.ContainsKey(connection);

    /// <summary>A new member (not attached yet: <see cref="Attach"/> it, then <see cref="ShowJoined"/>).</summary>
    public (RoomMember<TConnection> Member, IReadOnlyList<MemberEffect<TConnection>> Effects) Add(string sessionId, string name, IRoomEventEncoder encoder)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var member = new RoomMember<TConnection>(sessionId, name, encoder);
        _members.Add(sessionId, member);
        return (member, [new MemberEffect<TConnection>.Joined(name)]);
    }

    /// <summary>Shows a new member's name; its join waits in the next diff (<see cref="RoomMember{TConnection}.JoinUnannounced"/>).</summary>
    public IReadOnlyList<MemberEffect<TConnection>> ShowJoined(RoomMember<TConnection> member)
    {
        if (Presence.Show(member.Name))
        {
            Mark(member).JoinUnannounced = true;
            Effect(MemberEffect<TConnection>.PresenceChanged.Instance);
        }

        Effect(new MemberEffect<TConnection>.Occupancy(_members.Count));
        return Take();
    }

    /// <summary>
    /// Moves <paramref name="member"/> to <paramref name="connection"/> (a resumed session on its new
    /// connection: answers and events meant for the old one stop there).
    /// </summary>
    /// <remarks>
    /// The same as <see cref="Release"/> then the attachment itself: an owner whose effects read the
    /// membership (a removal shown at once) performs <see cref="Release"/>'s first, then calls this.
    /// </remarks>
    public IReadOnlyList<MemberEffect<TConnection>> Attach(RoomMember<TConnection> member, TConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ReleaseFor(member, connection);
        member.Connection = connection;
        _byConnection[connection] = member;
        Effect(new MemberEffect<TConnection>.Watch(connection));
        member.GraceGeneration++;
        Effect(new MemberEffect<TConnection>.CancelGrace(member.SessionId));
        return Take();
    }

    /// <summary>
    /// Frees <paramref name="connection"/> for <paramref name="member"/>: the member leaves its old
    /// connection, and a session the connection spoke for is as good as disconnected (its grace starts).
    /// </summary>
    public IReadOnlyList<MemberEffect<TConnection>> Release(RoomMember<TConnection> member, TConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ReleaseFor(member, connection);
        return Take();
    }

    /// <summary>The member's session is now called <paramref name="to"/>.</summary>
    public IReadOnlyList<MemberEffect<TConnection>> Rename(RoomMember<TConnection> member, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(to);
        var from = member.Name;
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            return None;
        }

        member.Name = to;
        Effect(new MemberEffect<TConnection>.Renamed(from, to));
        if (Presence.Rename(from, to))
        {
            Effect(MemberEffect<TConnection>.PresenceChanged.Instance);
        }

        return Take();
    }

    /// <summary>The member is no longer in the room (it left, its session ended, its grace ran out).</summary>
    public IReadOnlyList<MemberEffect<TConnection>> Remove(RoomMember<TConnection> member)
    {
        RemoveMember(member);
        return Take();
    }

    /// <summary>A watched connection died: its member (if it still has it) starts its grace.</summary>
    public IReadOnlyList<MemberEffect<TConnection>> ConnectionDied(TConnection connection)
    {
        if (!_byConnection.Remove(connection, out var member))
        {
            return None;
        }

        member.Connection = null;
        member.Pending = null;
        member.LastConnection = connection;
        StartGrace(member);
        return Take();
    }

    /// <summary>A grace timer started with <paramref name="generation"/> ran out: the member goes unless it came back meanwhile.</summary>
    public IReadOnlyList<MemberEffect<TConnection>> GraceOver(string sessionId, long generation)
    {
        if (_members.TryGetValue(sessionId, out var member) && member.Connection is null && member.GraceGeneration == generation)
        {
            RemoveMember(member);
            Effect(new MemberEffect<TConnection>.Removed(member));
        }

        return Take();
    }

    /// <summary>
    /// Whether a post from <paramref name="sessionId"/> sent by <paramref name="sender"/> counts: its
    /// member, when it is attached or the sender is the connection that died on it.
    /// </summary>
    public RoomMember<TConnection>? Poster(string sessionId, TConnection sender) =>
        _members.TryGetValue(sessionId, out var member) && (member.Connection is not null || sender.Equals(member.LastConnection)) ? member : null;

    /// <summary>The member waiting on read <paramref name="readId"/> for its <c>joined</c>, while it is still attached.</summary>
    public RoomMember<TConnection>? Waiting(string sessionId, long readId) =>
        _members.TryGetValue(sessionId, out var member) && member.Pending?.ReadId == readId && member.Connection is not null ? member : null;

    /// <summary>
    /// The presence diffs to send now: the coalesced audience's unless <paramref name="atOnceOnly"/>
    /// (and someone attached takes coalesced diffs), and the at-once audience's. Once the coalesced
    /// audience is told, its interval is over: joins are announced, the interval timer may stop.
    /// </summary>
    public PresenceFlush FlushPresence(bool atOnceOnly)
    {
        // With nobody attached who takes coalesced diffs, their view may as well be brought up to date now.
        atOnceOnly = atOnceOnly && _members.Values.Any(m => m.Connection is not null && !m.Encoder.PresenceAtOnce);
        var coalesced = atOnceOnly ? null : Presence.FlushCoalesced();
        var atOnce = Presence.FlushAtOnce();
        if (!atOnceOnly)
        {
            foreach (var member in _marked)
            {
                member.Marked = false;
                member.JoinUnannounced = false;
            }

            _marked.Clear();
        }

        return new PresenceFlush(coalesced, atOnce, IntervalOver: !atOnceOnly);
    }

    private void ReleaseFor(RoomMember<TConnection> member, TConnection connection)
    {
        Detach(member);
        if (_byConnection.Remove(connection, out var previous) && previous != member)
        {
            // The connection now speaks for another session: the old one is as good as disconnected.
            previous.Connection = null;
            previous.Pending = null;
            StartGrace(previous);
        }
    }

    private void RemoveMember(RoomMember<TConnection> member)
    {
        _members.Remove(member.SessionId);
        Effect(new MemberEffect<TConnection>.Left(member.Name));
        Detach(member);
        Effect(new MemberEffect<TConnection>.CancelGrace(member.SessionId));
        if (Presence.Hide(member.Name))
        {
            Effect(MemberEffect<TConnection>.PresenceChanged.Instance);
        }

        Effect(new MemberEffect<TConnection>.Occupancy(_members.Count));
    }

    private void Detach(RoomMember<TConnection> member)
    {
        if (member.Connection is { } old)
        {
            _byConnection.Remove(old);
            Effect(new MemberEffect<TConnection>.Unwatch(old));
            member.Connection = null;
        }

        member.Pending = null;
    }

    private void StartGrace(RoomMember<TConnection> member)
    {
        // A beej-chat-protocol member is not removed here even though it cannot resume: what it sent
        // last may still be on its way through the region, which its death notice overtakes. Its
        // connection's Leave (and its session's end) come that way, after those messages; the grace
        // is only the fallback.
        if (_presenceGrace <= TimeSpan.Zero)
        {
            RemoveMember(member);
            Effect(new MemberEffect<TConnection>.Removed(member));
            return;
        }

        member.GraceGeneration++;
        Effect(new MemberEffect<TConnection>.StartGrace(member.SessionId, member.GraceGeneration, _presenceGrace));
    }

    private RoomMember<TConnection> Mark(RoomMember<TConnection> member)
    {
        if (!member.Marked)
        {
            member.Marked = true;
            _marked.Add(member);
        }

        return member;
    }

    private void Effect(MemberEffect<TConnection> effect) => (_effects ??= []).Add(effect);

    private IReadOnlyList<MemberEffect<TConnection>> Take()
    {
        if (_effects is not { Count: > 0 } effects)
        {
            return None;
        }

        _effects = null;
        return effects;
    }
}

/// <summary>A session in the room. Mutable, and owned by its <see cref="RoomMembership{TConnection}"/>'s owner.</summary>
public sealed class RoomMember<TConnection>(string sessionId, string name, IRoomEventEncoder encoder)
    where TConnection : class
{
    public string SessionId { get; } = sessionId;

    public string Name { get; internal set; } = name;

    /// <summary>Its protocol's encoder: what the room tells it is encoded by it.</summary>
    public IRoomEventEncoder Encoder { get; set; } = encoder;

    /// <summary>Who it is (a user or anonymous, its address), as its last entry said: what the room's governance decides on.</summary>
    public RoomIdentity Identity { get; set; } = RoomIdentity.Anonymous;

    /// <summary>Its connection; null while it is within its presence grace.</summary>
    public TConnection? Connection { get; internal set; }

    /// <summary>The connection it had when that died: its posts still on their way are accepted.</summary>
    public TConnection? LastConnection { get; internal set; }

    /// <summary>Counts its attachments and graces: a grace timer of an older generation is stale.</summary>
    public long GraceGeneration { get; internal set; }

    /// <summary>Its <c>joined</c>, waiting on a journal read; dropped when its connection changes.</summary>
    public PendingEnter? Pending { get; set; }

    /// <summary>Its presence is in the interval's changes (one of the flags below is set).</summary>
    public bool Marked { get; internal set; }

    /// <summary>Its join is in the presence diff not yet sent.</summary>
    public bool JoinUnannounced { get; internal set; }
}

/// <summary>A member's <c>joined</c> waiting on journal read <paramref name="ReadId"/>, and the frames held until it is sent.</summary>
public sealed class PendingEnter(long readId, JoinHistory join, MemberList list, string? requestRef)
{
    private readonly List<ReadOnlyMemory<byte>> _held = [];

    public long ReadId { get; } = readId;

    public JoinHistory Join { get; } = join;

    public MemberList List { get; } = list;

    public string? Ref { get; } = requestRef;

    /// <summary>Frames the member's connection gets right after its <c>joined</c>.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Held => _held;

    /// <summary>Holds <paramref name="frames"/> unless that would pass <paramref name="maxHeld"/>: then the join must be answered now.</summary>
    public bool TryHold(IReadOnlyList<ReadOnlyMemory<byte>> frames, int maxHeld)
    {
        if (_held.Count + frames.Count > maxHeld)
        {
            return false;
        }

        _held.AddRange(frames);
        return true;
    }
}

/// <summary>The presence diffs to send (null: nothing for that audience); <paramref name="IntervalOver"/>: the interval timer may stop.</summary>
public sealed record PresenceFlush(PresenceDiff? Coalesced, PresenceDiff? AtOnce, bool IntervalOver);

/// <summary>What a change of membership asks its owner to do.</summary>
public abstract record MemberEffect<TConnection>
    where TConnection : class
{
    /// <summary>Watch the connection (its death is <see cref="RoomMembership{TConnection}.ConnectionDied"/>).</summary>
    public sealed record Watch(TConnection Connection) : MemberEffect<TConnection>;

    /// <summary>Stop watching the connection.</summary>
    public sealed record Unwatch(TConnection Connection) : MemberEffect<TConnection>;

    /// <summary>Start (or restart) the member's grace timer: <see cref="RoomMembership{TConnection}.GraceOver"/> after <paramref name="After"/>.</summary>
    public sealed record StartGrace(string SessionId, long Generation, TimeSpan After) : MemberEffect<TConnection>;

    /// <summary>Cancel the member's grace timer.</summary>
    public sealed record CancelGrace(string SessionId) : MemberEffect<TConnection>;

    /// <summary>A name is shown, hidden or renamed: the next coalesced diff is due within the presence interval.</summary>
    public sealed record PresenceChanged : MemberEffect<TConnection>
    {
        public static readonly PresenceChanged Instance = new();
    }

    /// <summary>The room now has <paramref name="Members"/> members (report it when it changed).</summary>
    public sealed record Occupancy(int Members) : MemberEffect<TConnection>;

    public sealed record Joined(string Name) : MemberEffect<TConnection>;

    public sealed record Left(string Name) : MemberEffect<TConnection>;

    public sealed record Renamed(string From, string To) : MemberEffect<TConnection>;

    /// <summary>A member was removed on the way (its grace ran out or was zero): its protocol may show that at once.</summary>
    public sealed record Removed(RoomMember<TConnection> Member) : MemberEffect<TConnection>;
}
