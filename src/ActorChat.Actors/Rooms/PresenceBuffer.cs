using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The presence changes of one room since its last diff, coalesced into one <see cref="PresenceDiff"/>
/// per <see cref="RoomLimits.PresenceInterval"/>, so that a mass reconnect costs each member O(1)
/// presence frames. Not persisted: presence is rebuilt by the members joining again.
/// </summary>
/// <remarks>
/// <para>
/// A diff takes the member list from the previous diff to the current one, applied as: remove
/// <c>Leaves</c>, then apply <c>Renames</c> one by one in the order given, then add <c>Joins</c>.
/// It is the net change by name: a name that left and came back is in neither list; a join and a
/// leave of the same name cancel; renames chain (a→b, b→c is a→c; a→b→a is nothing); a member who
/// joined and was renamed within the interval is a join of the new name, one renamed and gone a
/// leave of the old. Renames that form a cycle among themselves (a↔b) leave the set of names as it
/// was and are dropped; the rest are ordered so that each target name is free when it is applied.
/// </para>
/// <para>
/// Input is what the room's membership did, in order. Calls that contradict it (a join of a name
/// the buffer holds as present) are ignored rather than thrown: the buffer only ever says less.
/// </para>
/// </remarks>
public sealed class PresenceBuffer
{
    // One change per member touched in the interval: its name at the start of the interval (null:
    // joined within it) and now (null: gone). Members present now are indexed by their current name.
    private readonly List<Change> _changes = [];
    private readonly Dictionary<string, Change> _present = new(StringComparer.Ordinal);
    private readonly HashSet<string> _startNames = new(StringComparer.Ordinal);

    public PresenceBuffer(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        Room = room;
    }

    public string Room { get; }

    /// <summary>Something was recorded since the last flush (it may still coalesce to nothing).</summary>
    public bool HasChanges => _changes.Count > 0;

    public void Joined(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_present.ContainsKey(name))
        {
            Track(new Change(Start: null, name));
        }
    }

    public void Left(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_present.Remove(name, out var change))
        {
            change.Current = null;
        }
        else if (_startNames.Add(name))
        {
            Track(new Change(name, Current: null));
        }
    }

    public void Renamed(string from, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        if (string.Equals(from, to, StringComparison.Ordinal) || _present.ContainsKey(to))
        {
            return;
        }

        if (_present.Remove(from, out var change))
        {
            change.Current = to;
            _present.Add(to, change);
        }
        else if (_startNames.Add(from))
        {
            Track(new Change(from, to));
        }
    }

    /// <summary>The net change since the last flush, or null when there is none; starts a new interval.</summary>
    public PresenceDiff? Flush()
    {
        var joins = new List<string>();
        var leaves = new List<string>();
        var renames = new List<Rename>();
        foreach (var change in _changes)
        {
            switch (change)
            {
                case { Start: null, Current: { } joined }:
                    joins.Add(joined);
                    break;
                case { Start: { } left, Current: null }:
                    leaves.Add(left);
                    break;
                case { Start: { } from, Current: { } to } when !string.Equals(from, to, StringComparison.Ordinal):
                    renames.Add(new Rename(from, to));
                    break;
            }
        }

        _changes.Clear();
        _present.Clear();
        _startNames.Clear();

        // A name that left and came back (as a new join) is no change at all.
        var back = new HashSet<string>(joins, StringComparer.Ordinal);
        back.IntersectWith(leaves);
        if (back.Count > 0)
        {
            joins.RemoveAll(back.Contains);
            leaves.RemoveAll(back.Contains);
        }

        var ordered = OrderRenames(renames);
        return joins.Count == 0 && leaves.Count == 0 && ordered.Count == 0
            ? null
            : new PresenceDiff(Room, joins, leaves, ordered);
    }

    /// <summary>
    /// Orders renames so each one's target is free when it is applied: a rename into a name another
    /// rename vacates comes after that one. Start names are distinct and so are targets, so the
    /// renames form disjoint chains and cycles; each chain is emitted from its free end, cycles
    /// (which change no name) are dropped.
    /// </summary>
    private static List<Rename> OrderRenames(List<Rename> renames)
    {
        if (renames.Count < 2)
        {
            return renames;
        }

        var byFrom = renames.ToDictionary(r => r.From, StringComparer.Ordinal);
        var byTo = renames.ToDictionary(r => r.To, StringComparer.Ordinal);
        var ordered = new List<Rename>(renames.Count);
        foreach (var rename in renames)
        {
            if (byFrom.ContainsKey(rename.To))
            {
                continue;
            }

            // The end of a chain: its target is nobody's start name. Walk back to the chain's start.
            for (var step = rename; step is not null; step = byTo.GetValueOrDefault(step.From))
            {
                ordered.Add(step);
            }
        }

        return ordered;
    }

    private void Track(Change change)
    {
        _changes.Add(change);
        if (change.Current is { } current)
        {
            _present.Add(current, change);
        }
    }

    private sealed class Change(string? Start, string? Current)
    {
        public string? Start { get; } = Start;

        public string? Current { get; set; } = Current;
    }
}
