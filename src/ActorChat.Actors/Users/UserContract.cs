using Akka.Actor;

namespace ActorChat.Actors.Users;

/// <summary>Everything sent to a user's entity (<see cref="UserEntity"/>), routed by <see cref="UserId"/>.</summary>
public interface IUserMessage
{
    string UserId { get; }
}

/// <summary>
/// A signed-in user's side of membership (PROTOCOL-V1.1 Part A, "Membership of users"): the rooms
/// belong to the user, not to one session, so every device's <c>welcome.rooms</c> lists them and a
/// <c>leave</c> on one connection leaves on all. Connections ↔ the user's entity, on any node.
/// </summary>
public static class UserContract
{
    /// <summary>
    /// A connection of the user says hello (connection → entity): it is watched while it lives (it is
    /// told <see cref="LeaveForUser"/>) and answered <see cref="Memberships"/>.
    /// </summary>
    public sealed record Attach(string UserId, IActorRef Connection) : IUserMessage;

    /// <summary>The rooms the user is a member of, oldest membership first (entity → connection).</summary>
    public sealed record Memberships(string UserId, IReadOnlyList<string> Rooms);

    /// <summary>A connection of the user is in <paramref name="Room"/> (the room let it in): the room is the user's.</summary>
    public sealed record JoinedRoom(string UserId, string Room) : IUserMessage;

    /// <summary>
    /// The user is no longer a member of <paramref name="Room"/>. <paramref name="Origin"/>: the connection
    /// whose <c>leave</c> it was, when the user's other connections are to leave too (each is told
    /// <see cref="LeaveForUser"/>); null when the room itself removed every connection of the user
    /// (kick, ban, turned private) or did not let it in, and tells each on its own.
    /// </summary>
    public sealed record LeftRoom(string UserId, string Room, IActorRef? Origin) : IUserMessage;

    /// <summary>Another connection of the user left <paramref name="Room"/> (entity → connection): leave it here too.</summary>
    public sealed record LeaveForUser(string Room);

    /// <summary>The entity's stop message (hand-off, passivation).</summary>
    public sealed record StopUser
    {
        public static StopUser Instance { get; } = new();
    }
}

/// <summary>A user's entity's persisted state change.</summary>
public abstract record UserEvent;

/// <summary>
/// The user's rooms are now <paramref name="Rooms"/>, oldest membership first. Each event is the whole
/// state (the list is capped), so only the last one matters and the older are deleted.
/// </summary>
public sealed record UserRoomsSet(IReadOnlyList<string> Rooms) : UserEvent;

/// <summary>Routes every <see cref="IUserMessage"/> to its user's entity.</summary>
public sealed class UserExtractor(int shards) : EntityExtractor(shards)
{
    public override string? EntityId(object message) => (message as IUserMessage)?.UserId;
}
