using Akka.Cluster.Sharding;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Routes <see cref="IWithRoom"/> messages under sharding: the entity id is the room's name, the
/// shard a hash of it modulo the number of shards. The hash is Akka's MurmurHash of the name
/// (<see cref="HashCodeMessageExtractor"/>), the same in every process; <c>string.GetHashCode</c>
/// is randomized per process and would send one room to different shards from different nodes.
/// </summary>
public sealed class RoomMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    /// <remarks>Akka's own messages (<c>StartEntity</c>, <c>ShardingEnvelope</c>) are handled by the extractor's base.</remarks>
    public override string? EntityId(object message) => (message as IWithRoom)?.Room;
}
