namespace ActorChat.Actors.Rooms;

/// <summary>
/// The names present in one room, for <c>joined.members</c> and <c>rooms</c>: kept sorted by
/// <see cref="Order"/>, listed up to a cap with the count always exact. Uniqueness of names (by
/// their key) is the name registry's rule; this set only compares names as they are shown.
/// </summary>
public sealed class RoomMembers
{
    /// <summary>
    /// Case-insensitive by simple invariant case mapping, then ordinal: the same on every machine and
    /// culture (no ICU collation), close to alphabetical for people, and total so the order is stable.
    /// </summary>
    public static readonly IComparer<string> Order = new NameOrder();

    private readonly SortedSet<string> _names = new(Order);
    private readonly int _maxList;
    private MemberList? _list;

    public RoomMembers(int maxList)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxList);
        _maxList = maxList;
    }

    public int Count => _names.Count;

    public bool Contains(string name) => _names.Contains(name);

    /// <summary>Adds <paramref name="name"/>; false when it is already present.</summary>
    public bool Add(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Changed(_names.Add(name));
    }

    /// <summary>Removes <paramref name="name"/>; false when it was not present.</summary>
    public bool Remove(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Changed(_names.Remove(name));
    }

    /// <summary>Replaces <paramref name="from"/> by <paramref name="to"/>; false (and no change) when <paramref name="from"/> is absent or <paramref name="to"/> present.</summary>
    public bool Rename(string from, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        if (!_names.Contains(from) || _names.Contains(to))
        {
            return false;
        }

        _names.Remove(from);
        _names.Add(to);
        return Changed(true);
    }

    /// <summary>
    /// The first names in <see cref="Order"/>, at most the cap given at construction, and the exact
    /// count. Cached until the membership changes: joins of many members at once each get the same list.
    /// </summary>
    public MemberList List() => _list ??= new MemberList([.. _names.Take(_maxList)], _names.Count);

    private bool Changed(bool changed)
    {
        if (changed)
        {
            _list = null;
        }

        return changed;
    }

    private sealed class NameOrder : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            var caseless = StringComparer.OrdinalIgnoreCase.Compare(x, y);
            return caseless != 0 ? caseless : StringComparer.Ordinal.Compare(x, y);
        }
    }
}

/// <summary>
/// Names present in a room, capped (<see cref="RoomLimits.MaxPresenceList"/>), and
/// <paramref name="Count"/>, the exact number of members (<c>memberCount</c>).
/// </summary>
public sealed record MemberList(IReadOnlyList<string> Names, int Count)
{
    /// <summary>True when some members are not in <see cref="Names"/>.</summary>
    public bool Truncated => Names.Count < Count;
}
