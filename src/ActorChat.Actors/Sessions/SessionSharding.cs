using ActorChat.Actors.Rooms;
using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// How a cluster node starts the sessions and names: two shard regions and a node-local
/// <see cref="SessionFront"/>, which is what connections get as <c>Wiring.Sessions</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Region <see cref="NameRegionName"/>: <see cref="NameEntity"/> by name key, extractor
/// <see cref="NameExtractor"/>, hand-off and passivation message <see cref="NameEntity.StopName"/>,
/// remember-entities off (a name comes back with its next claim), idle passivation on.</item>
/// <item>Region <see cref="SessionRegionName"/>: <see cref="SessionEntity"/> by session id, extractor
/// <see cref="SessionExtractor"/>, remember-entities ON with the event-sourced store on the default
/// journal (a session whose node died comes back on a survivor, then expires and frees its name),
/// idle passivation off (a session lives as long as its connection), hand-off message
/// <see cref="SessionEntity.StopSession"/>.</item>
/// </list>
/// (Akka handles <see cref="ShardRegion.StartEntity"/>, the remembered entities' restart, with
/// <see cref="IMessageExtractor.ShardId(string, object)"/>.) Both regions' coordinators keep their state in DistributedData. Shards: a stable hash of the
/// entity id (FNV-1a over its UTF-8) modulo the number of shards, the same on every node and every
/// run (<see cref="string.GetHashCode()"/> is randomized per process).
/// </remarks>
public static class SessionSharding
{
    /// <summary>The names' region (type name).</summary>
    public const string NameRegionName = "name";

    /// <summary>The sessions' region (type name).</summary>
    public const string SessionRegionName = "session";

    /// <summary>The key of the names' region in Akka.Hosting's actor registry (<c>WithShardRegion&lt;NameRegion&gt;</c>).</summary>
    public sealed class NameRegion
    {
        private NameRegion()
        {
        }
    }

    /// <summary>The key of the sessions' region in Akka.Hosting's actor registry (<c>WithShardRegion&lt;SessionRegion&gt;</c>).</summary>
    public sealed class SessionRegion
    {
        private SessionRegion()
        {
        }
    }

    /// <summary>The entity id of a name's <c>Caseless</c> key.</summary>
    public static string CaselessKey(string caseless) => "c:" + caseless;

    /// <summary>The entity id of a name's <c>Cased</c> key.</summary>
    public static string CasedKey(string cased) => "k:" + cased;

    /// <summary>The names' entities (entity id: a key from <see cref="CaselessKey"/> or <see cref="CasedKey"/>).</summary>
    public static Func<string, Props> NameEntityProps(ILogger logger) => key => NameEntity.Props(key, logger);

    /// <summary>The sessions' entities (entity id: the session id).</summary>
    /// <param name="settings">Time-to-live and the other bounds.</param>
    /// <param name="names">The names' shard region.</param>
    /// <param name="rooms">The rooms' routing point, told <see cref="RoomContract.SessionEnded"/>.</param>
    /// <param name="logger">Logs ids 2130–2149.</param>
    /// <param name="time">The clock (tests); null: the system's.</param>
    public static Func<string, Props> SessionEntityProps(SessionEntitySettings settings, IActorRef names, IActorRef rooms, ILogger logger, TimeProvider? time = null) =>
        id => SessionEntity.Props(id, settings, names, rooms, logger, time);

    /// <summary>The node's front for connections (<c>Wiring.Sessions</c>).</summary>
    public static Props FrontProps(IActorRef sessions, int maxNameLength) => SessionFront.Props(sessions, maxNameLength);

    /// <summary>A shard number from an entity id: stable across processes and nodes.</summary>
    public static string ShardOf(string entityId, int shards)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(entityId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (hash % (uint)shards).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Routes <see cref="NameEntity.INameMessage"/> by its key.</summary>
    public sealed class NameExtractor(int shards) : IMessageExtractor
    {
        public string? EntityId(object message) => message switch
        {
            NameEntity.INameMessage m => m.Key,
            _ => null,
        };

        public object? EntityMessage(object message) => message;

        public string? ShardId(object message) => EntityId(message) is { } id ? ShardOf(id, shards) : null;

        public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId, shards);
    }

    /// <summary>Routes <see cref="ISessionMessage"/> by its session id.</summary>
    public sealed class SessionExtractor(int shards) : IMessageExtractor
    {
        public string? EntityId(object message) => message switch
        {
            ISessionMessage m => m.SessionId,
            _ => null,
        };

        public object? EntityMessage(object message) => message;

        public string? ShardId(object message) => EntityId(message) is { } id ? ShardOf(id, shards) : null;

        public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId, shards);
    }
}
