using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Rooms;

/// <summary>A message for one room; <see cref="Room"/> is the room's name, its id.</summary>
public interface IWithRoom
{
    string Room { get; }
}

/// <summary>The rooms' listing messages (a room and a connection with its node's <see cref="RoomDirectory"/>).</summary>
public static class RoomRegion
{
    /// <summary>A room's member count changed (room → its node's <see cref="RoomDirectory"/>), for <see cref="ListRooms"/>.</summary>
    /// <remarks>Node-local (a room reports to its own node's directory), so it has no serializer.</remarks>
    public sealed record Occupancy(string Room, int Members) : INoSerializationVerificationNeeded;

    /// <summary>Asks for the <see cref="RoomList"/> (connection → its node's <see cref="RoomDirectory"/>); <paramref name="Ref"/> is the <c>rooms</c> request's.</summary>
    /// <remarks>Node-local: a connection asks its own node (the directory answers from its replica).</remarks>
    public sealed record ListRooms(string? Ref) : INoSerializationVerificationNeeded;

    /// <summary>The rooms with members now, for a <c>rooms</c> reply.</summary>
    /// <remarks>Node-local: the answer to <see cref="ListRooms"/>.</remarks>
    public sealed record RoomList(string? Ref, IReadOnlyList<RoomSummary> Rooms) : INoSerializationVerificationNeeded;
}
