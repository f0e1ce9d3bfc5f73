namespace ActorChat.Actors.Users;

/// <summary>
/// The rooms one user is a member of, oldest first, at most <see cref="Max"/> (a connection's own
/// limit, <c>Limits:MaxRoomsPerConnection</c>: every device re-joins them all). Pure: decides the
/// event a join or a leave makes (null: nothing changes) and applies it, in recovery the same way.
/// </summary>
public sealed class UserMemberships
{
    private readonly List<string> _rooms = [];

    public UserMemberships(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        Max = max;
    }

    /// <summary>The most rooms a user keeps.</summary>
    public int Max { get; }

    /// <summary>The user's rooms, oldest membership first.</summary>
    public IReadOnlyList<string> Rooms => _rooms;

    /// <summary>
    /// The user is in <paramref name="room"/>: the event adding it, or null when it is already the
    /// user's or the user is at <see cref="Max"/> (the connection that joined it over the limit
    /// counted rooms of its own; the room stays that session's).
    /// </summary>
    public UserRoomsSet? DecideJoin(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        if (_rooms.Contains(room, StringComparer.Ordinal) || _rooms.Count >= Max)
        {
            return null;
        }

        return new UserRoomsSet(_rooms.Append(room).ToArray());
    }

    /// <summary>The user left <paramref name="room"/>: the event removing it, or null when it was not the user's.</summary>
    public UserRoomsSet? DecideLeave(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        return _rooms.Contains(room, StringComparer.Ordinal)
            ? new UserRoomsSet(_rooms.Where(r => !string.Equals(r, room, StringComparison.Ordinal)).ToArray())
            : null;
    }

    /// <summary>
    /// Applies <paramref name="set"/>. A list stored under a larger limit keeps its oldest
    /// <see cref="Max"/> rooms (the limit was lowered since).
    /// </summary>
    public void Apply(UserRoomsSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        _rooms.Clear();
        foreach (var room in set.Rooms.Distinct(StringComparer.Ordinal).Take(Max))
        {
            _rooms.Add(room);
        }
    }
}
