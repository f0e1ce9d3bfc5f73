using System.Globalization;
using System.Text;
using Akka.Cluster.Sharding;

namespace ActorChat.Actors;

/// <summary>
/// The one hash that places every entity (rooms, names, sessions) in a shard: FNV-1a over the
/// entity id's UTF-8, modulo the number of shards. Stable across processes, nodes and runs
/// (<see cref="string.GetHashCode()"/> is randomized per process and would send one room to
/// different shards from different nodes). Changing it moves remembered sessions to other shards,
/// so it must stay as it is for existing data.
/// </summary>
public static class EntityShards
{
    /// <summary>The shard of <paramref name="entityId"/> among <paramref name="shards"/>.</summary>
    public static string Of(string entityId, int shards)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(entityId.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(entityId, buffer)]
            : Encoding.UTF8.GetBytes(entityId);
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (hash % (uint)shards).ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>An extractor whose messages name their entity (<paramref name="entityId"/>); the shard is <see cref="EntityShards.Of"/>.</summary>
public abstract class EntityExtractor(int shards) : IMessageExtractor
{
    public abstract string? EntityId(object message);

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message) is { } id ? EntityShards.Of(id, shards) : null;

    public string ShardId(string entityId, object? messageHint = null) => EntityShards.Of(entityId, shards);
}
