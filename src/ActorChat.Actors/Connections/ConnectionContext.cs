using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Connections;

/// <summary>
/// What a <see cref="ConnectionActor"/> is created with; never leaves this node (it holds the socket).
/// <see cref="RoomDirectory"/> answers <c>rooms</c>: the rooms' region on one node, the node's
/// <see cref="Rooms.RoomDirectory"/> in a cluster (a shard region routes only messages for one room).
/// </summary>
internal sealed record ConnectionContext(
    long Id,
    string Address,
    IChatSocket Socket,
    IActorRef Rooms,
    IActorRef Sessions,
    ChatSettings Settings,
    ChatMetrics Metrics,
    ILogger Logger,
    TimeProvider Time,
    IActorRef RoomDirectory)
{
    /// <summary>Whether and how <c>actorchat.v1</c> clients sign in with a token (anonymous by default).</summary>
    public Users.UserAuth Auth { get; init; } = Users.UserAuth.Anonymous;

    /// <summary>The users' region (<see cref="Users.UserEntity"/>): a signed-in user's rooms on every device (null: a session's own, as in tests of a gateway alone).</summary>
    public IActorRef? UserRegion { get; init; }
}
