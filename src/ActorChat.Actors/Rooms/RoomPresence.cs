using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Who a room shows, and what each audience has been told of it. Pure: no actors, no timers.
/// </summary>
/// <remarks>
/// <para>
/// The names present now count their holders (two sessions may briefly hold one name when renames
/// of different connections cross). Every change goes to two audiences, each with its own buffer of
/// changes not yet sent and its own view (the names as the last diff sent to it left them):
/// members whose protocol takes coalesced diffs (<see cref="IRoomEventEncoder.PresenceAtOnce"/>
/// false: <c>actorchat.v1</c>), told at the room's presence interval, and members whose protocol
/// shows each change at once (the seed protocol), told as the changes of its own members happen.
/// </para>
/// <para>
/// So a storm of n seed-protocol joins costs a v1 member one diff per interval, not n frames (with
/// one audience, each join flushed the v1 members' diff too: O(n²) frames for n of them), while a
/// seed client still sees every join in order and gets an exact <c>chat-users</c>.
/// </para>
/// </remarks>
public sealed class RoomPresence
{
    private readonly int _maxList;
    private readonly Dictionary<string, int> _holders = new(StringComparer.Ordinal);
    private readonly Audience _coalesced;
    private readonly Audience _atOnce;

    public RoomPresence(string room, int maxList)
    {
        _maxList = maxList;
        _coalesced = new Audience(room, maxList);
        _atOnce = new Audience(room, maxList);
    }

    /// <summary>Distinct names present now.</summary>
    public int Count => _holders.Count;

    /// <summary>Changes wait for either audience's next diff.</summary>
    public bool HasChanges => _coalesced.Buffer.HasChanges || _atOnce.Buffer.HasChanges;

    /// <summary>The names as the last coalesced diff left them (what a v1 member's view is).</summary>
    public MemberList Published => _coalesced.View.List();

    /// <summary>Shows <paramref name="name"/> for one more member; true when it was not shown (a join, a change to send).</summary>
    public bool Show(string name)
    {
        var holders = _holders.GetValueOrDefault(name);
        _holders[name] = holders + 1;
        if (holders > 0)
        {
            return false;
        }

        _coalesced.Buffer.Joined(name);
        _atOnce.Buffer.Joined(name);
        return true;
    }

    /// <summary>One member fewer holds <paramref name="name"/>; true when nobody does any more (a leave).</summary>
    public bool Hide(string name)
    {
        if (!_holders.TryGetValue(name, out var holders))
        {
            return false;
        }

        if (holders > 1)
        {
            _holders[name] = holders - 1;
            return false;
        }

        _holders.Remove(name);
        _coalesced.Buffer.Left(name);
        _atOnce.Buffer.Left(name);
        return true;
    }

    /// <summary>A member's name changed; true when that is a change to send.</summary>
    public bool Rename(string from, string to)
    {
        if (_holders.GetValueOrDefault(from) == 1 && !_holders.ContainsKey(to))
        {
            _holders.Remove(from);
            _holders[to] = 1;
            _coalesced.Buffer.Renamed(from, to);
            _atOnce.Buffer.Renamed(from, to);
            return true;
        }

        var hidden = Hide(from);
        return Show(to) || hidden;
    }

    /// <summary>The diff for the members who take coalesced diffs, now applied to their view; null when nothing changed.</summary>
    public PresenceDiff? FlushCoalesced() => _coalesced.Flush();

    /// <summary>The diff for the members (and listeners) who see changes at once, now applied to their view; null when nothing changed.</summary>
    public PresenceDiff? FlushAtOnce() => _atOnce.Flush();

    /// <summary>
    /// The member list of a joiner's reply: the names as its audience's last diff left them (so that
    /// the next diff applies to it exactly; one cached list for every joiner of an interval), and the
    /// joiner's own name, which the next diff may announce again. Its count is the names present
    /// now, exact.
    /// </summary>
    public MemberList ListFor(string name, bool atOnce)
    {
        var view = atOnce ? _atOnce.View : _coalesced.View;
        var list = view.List();
        if (view.Contains(name))
        {
            return list with { Count = _holders.Count };
        }

        var names = list.Names.Append(name).Order(RoomMembers.Order).Take(_maxList);
        return new MemberList([.. names], _holders.Count);
    }

    private sealed class Audience(string room, int maxList)
    {
        public PresenceBuffer Buffer { get; } = new(room);

        public RoomMembers View { get; } = new(maxList);

        public PresenceDiff? Flush()
        {
            if (Buffer.Flush() is not { } diff)
            {
                return null;
            }

            // Applied the way every member of the audience applies it.
            foreach (var name in diff.Leaves)
            {
                View.Remove(name);
            }

            foreach (var rename in diff.Renames)
            {
                View.Rename(rename.From, rename.To);
            }

            foreach (var name in diff.Joins)
            {
                View.Add(name);
            }

            return diff;
        }
    }
}
