namespace ActorChat.Actors.Rooms;

/// <summary>Routes <see cref="IWithRoom"/> messages under sharding: the entity id is the room's name, the shard <see cref="EntityShards.Of"/> it.</summary>
public sealed class RoomMessageExtractor(int shards) : EntityExtractor(shards)
{
    public override string? EntityId(object message) => (message as IWithRoom)?.Room;
}
