using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Connections;

/// <summary>
/// The rooms of one <c>actorchat.v1</c> connection: for each, whether it is only listed in a resumed
/// session's welcome, being entered, or in; and while one is re-entered (it stopped, or moved to
/// another node), the posts held back until the connection is in again. Pure: no actors, no timers;
/// <see cref="V1Connection"/> tells the rooms and the session what this decides.
/// </summary>
internal sealed class V1Rooms
{
    /// <summary>Most posts held for one room while the connection re-enters it; more are refused <c>unavailable</c>.</summary>
    internal const int MaxHeldPosts = 256;

    private readonly Dictionary<string, Membership> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Held> _reentering = new(StringComparer.Ordinal);

    /// <summary>Rooms listed, entering or in: what counts toward the connection's limit.</summary>
    public int Count => _rooms.Count;

    /// <summary>Every room listed, entering or in.</summary>
    public IEnumerable<string> Names => _rooms.Keys;

    /// <summary>The rooms a resumed session is still in: they count toward the limit; the client joins each again (with since).</summary>
    public void AddResumable(IEnumerable<string> rooms)
    {
        foreach (var room in rooms)
        {
            _rooms[room] = Membership.Resumable;
        }
    }

    /// <summary>True when a join of <paramref name="room"/> stays within <paramref name="max"/> rooms (a room already counted always does).</summary>
    public bool CanJoin(string room, int max) => _rooms.ContainsKey(room) || _rooms.Count < max;

    /// <summary>A join is on its way; true when the room is new to the session (it is told it joined).</summary>
    public bool BeginJoin(string room)
    {
        if (_rooms.TryAdd(room, Membership.Entering))
        {
            return true;
        }

        _rooms[room] = Membership.Entering;
        return false;
    }

    /// <summary>
    /// Joined on this connection, or its join on its way (a join counts: the room answers it before
    /// anything sent after it); not a room only listed in a resumed welcome.
    /// </summary>
    public bool IsJoined(string room) => _rooms.TryGetValue(room, out var state) && state != Membership.Resumable;

    /// <summary>True while the join of <paramref name="room"/> waits for its answer.</summary>
    public bool IsEntering(string room) => _rooms.TryGetValue(room, out var state) && state == Membership.Entering;

    /// <summary>
    /// The room's <c>joined</c> came: <paramref name="known"/> when it is still one of the connection's
    /// (now in: watch it); the posts held while re-entering, to send now in the client's order (those
    /// the room refused first, then those sent since it stopped).
    /// </summary>
    public IReadOnlyList<RoomContract.Post> Enter(string room, out bool known)
    {
        known = _rooms.ContainsKey(room);
        if (known)
        {
            _rooms[room] = Membership.In;
        }

        return _reentering.Remove(room, out var held) ? [.. held.Refused, .. held.SinceStop] : [];
    }

    /// <summary>Leaves <paramref name="room"/> and drops what was held for it; false when it was not one of the connection's.</summary>
    public bool Leave(string room)
    {
        if (!_rooms.Remove(room))
        {
            return false;
        }

        _reentering.Remove(room);
        return true;
    }

    /// <summary>The room stopped: enter it again (true) when it is joined, holding what the client sends until then.</summary>
    public bool Reenter(string room)
    {
        if (!IsJoined(room))
        {
            return false;
        }

        _rooms[room] = Membership.Entering;
        _reentering.TryAdd(room, new Held());
        return true;
    }

    /// <summary>A post the client sent: held behind the refused ones while the room is re-entered, or not held (send it now).</summary>
    public HoldResult HoldSent(RoomContract.Post post) =>
        _reentering.TryGetValue(post.Room, out var held) && IsEntering(post.Room) ? Hold(held, held.SinceStop, post) : HoldResult.NotHeld;

    /// <summary>
    /// A post the room refused because it overtook this connection's entry (the room moved while it
    /// was on its way): held to be sent again once the connection is back in, when the room is joined.
    /// </summary>
    public HoldResult HoldRefused(RoomContract.Post post)
    {
        if (!IsJoined(post.Room))
        {
            return HoldResult.NotHeld;
        }

        if (!_reentering.TryGetValue(post.Room, out var held))
        {
            // Still in: the room's RoomStopped is on its way behind this refusal's overtaking post.
            _reentering[post.Room] = held = new Held();
        }

        return Hold(held, held.Refused, post);
    }

    /// <summary>Forgets every room (the session moved to another connection).</summary>
    public void Clear()
    {
        _rooms.Clear();
        _reentering.Clear();
    }

    private static HoldResult Hold(Held held, List<RoomContract.Post> list, RoomContract.Post post)
    {
        if (held.Refused.Count + held.SinceStop.Count >= MaxHeldPosts)
        {
            return HoldResult.Full;
        }

        list.Add(post);
        return HoldResult.Held;
    }

    /// <summary>
    /// Posts held for a room being re-entered: those it refused because they overtook the entry
    /// (sent before the client could know), then those the client sent since the room stopped.
    /// </summary>
    private sealed class Held
    {
        public List<RoomContract.Post> Refused { get; } = [];

        public List<RoomContract.Post> SinceStop { get; } = [];
    }

    private enum Membership
    {
        /// <summary>Listed in a resumed session's welcome; not joined on this connection yet.</summary>
        Resumable,

        /// <summary>Its join is on the way.</summary>
        Entering,

        /// <summary>Joined: the room sends its live events here.</summary>
        In,
    }
}

/// <summary>What <see cref="V1Rooms"/> did with a post.</summary>
internal enum HoldResult
{
    /// <summary>Not held: send it (or, refused, answer the refusal).</summary>
    NotHeld,

    /// <summary>Held until the connection is in the room again.</summary>
    Held,

    /// <summary>Too many held already: refuse it <c>unavailable</c>.</summary>
    Full,
}
