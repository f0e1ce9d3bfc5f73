using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// How the sessions and names are sharded (<see cref="ChatNode"/> starts the two regions and the
/// node-local <see cref="SessionFront"/>, which is what connections get as <c>Wiring.Sessions</c>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Region <see cref="NameRegionName"/>: <see cref="NameEntity"/> by name key, extractor
/// <see cref="NameExtractor"/>, hand-off and passivation message <see cref="NameEntity.StopName"/>,
/// remember-entities off (a name comes back with its next claim); an idle name passivates itself.</item>
/// <item>Region <see cref="SessionRegionName"/>: <see cref="SessionEntity"/> by session id, extractor
/// <see cref="SessionExtractor"/>, remember-entities ON with the event-sourced store on the default
/// journal (a session whose node died comes back on a survivor, then expires and frees its name),
/// idle passivation off (a session lives as long as its connection), hand-off message
/// <see cref="SessionEntity.StopSession"/>.</item>
/// </list>
/// (Akka handles <see cref="ShardRegion.StartEntity"/>, the remembered entities' restart, with
/// <see cref="IMessageExtractor.ShardId(string, object)"/>.) Both regions' coordinators keep their state in DistributedData. Shards: <see cref="EntityShards.Of"/>, as for rooms.
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

    /// <summary>The prefix of a name holder that is a user, not a session (session ids never hold a ':').</summary>
    public const string UserHolderPrefix = "u:";

    /// <summary>
    /// Who holds a name in the names' entities: the user (<c>u:</c> and its id), so all of one
    /// user's sessions share the name and it stays reserved for the user while none is live; or,
    /// for an anonymous member, its session.
    /// </summary>
    public static string NameHolder(string sessionId, string? userId) => userId is null ? sessionId : UserHolderPrefix + userId;

    /// <summary>True when <paramref name="holder"/> is a user (<see cref="NameHolder"/>): the name is reserved, never asked back.</summary>
    public static bool IsUserHolder(string holder) => holder.StartsWith(UserHolderPrefix, StringComparison.Ordinal);

    /// <summary>The names' entities (entity id: a key from <see cref="CaselessKey"/> or <see cref="CasedKey"/>).</summary>
    public static Func<string, Props> NameEntityProps(ILogger logger) => key => NameEntity.Props(key, logger);

    /// <summary>A shard number from an entity id: stable across processes and nodes (<see cref="EntityShards.Of"/>).</summary>
    public static string ShardOf(string entityId, int shards) => EntityShards.Of(entityId, shards);

    /// <summary>
    /// A new session id (<see cref="SessionTokens.NewSessionId"/>) whose shard is one of
    /// <paramref name="within"/>; any new id when that is empty. Draws at random until one fits: each
    /// draw fits with a chance of <c>within.Count / shards</c>, and after <c>4 × shards</c> draws
    /// (a few microseconds each; a miss then is rarer than 1 in 50) the last one is taken anyway.
    /// </summary>
    public static string NewSessionIdIn(IReadOnlySet<string> within, int shards)
    {
        var id = SessionTokens.NewSessionId();
        for (var draws = 1; within.Count > 0 && !within.Contains(ShardOf(id, shards)) && draws < 4 * shards; draws++)
        {
            id = SessionTokens.NewSessionId();
        }

        return id;
    }

    /// <summary>Routes <see cref="NameEntity.INameMessage"/> by its key.</summary>
    public sealed class NameExtractor(int shards) : EntityExtractor(shards)
    {
        public override string? EntityId(object message) => (message as NameEntity.INameMessage)?.Key;
    }

    /// <summary>Routes <see cref="ISessionMessage"/> by its session id.</summary>
    public sealed class SessionExtractor(int shards) : EntityExtractor(shards)
    {
        public override string? EntityId(object message) => (message as ISessionMessage)?.SessionId;
    }
}
