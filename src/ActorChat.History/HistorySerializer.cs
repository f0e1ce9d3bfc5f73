using System.Runtime.Serialization;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Serialization;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.History;

/// <summary>
/// The format of everything rooms persist (journal events and snapshots): Protocol Buffers messages
/// of the schema <c>src/ActorChat.Actors/Serialization/persisted.proto</c> (<see cref="PersistedFormat"/>),
/// each named by a short versioned manifest stored beside its row.
/// </summary>
/// <remarks>
/// <para>
/// Why not Akka's default: without a binding, Akka.Persistence.Sql stores a payload with the
/// <c>System.Object</c> serializer (Newtonsoft JSON with .NET type names), so renaming a record or
/// moving it to another assembly would make the stored history unreadable, and a type nobody meant
/// to persist would be written silently. Here each persisted type has a manifest (<c>msg2</c>…)
/// independent of its .NET name; the journal and the snapshot store use this serializer for every
/// payload, so a type it does not know is refused at <c>Persist</c> (the actor gets
/// <c>OnPersistRejected</c>) instead of reaching the database. A schema rather than a layout by
/// hand: every field is declared once, with its number, and a field added later reads as its
/// default from older rows.
/// </para>
/// <para>
/// Rows written before the schema (manifests <c>msg1 pos1 hst1 pst1 trm1 rsn1</c>, a hand-written
/// layout) are never rewritten: <see cref="LegacyHistoryReader"/> reads them. To persist a new type:
/// a message in the schema, a manifest here and a binding (<see cref="ChatHistory.SerializationConfig"/>). To change
/// a message's meaning: a new message under a new manifest, the old one still read.
/// </para>
/// </remarks>
public sealed class HistorySerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id, stored with each row (Akka reserves 0–100 for itself).</summary>
    public const int SerializerId = 4201;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-history";

    /// <summary><see cref="ChatMessage"/> (Protocol Buffers, <c>persisted.proto</c>).</summary>
    internal const string ChatMessageManifest = "msg2";

    /// <summary><see cref="StreamPosition"/>.</summary>
    internal const string StreamPositionManifest = "pos2";

    /// <summary><see cref="HistoryStarted"/>.</summary>
    internal const string HistoryStartedManifest = "hst2";

    /// <summary><see cref="MessagePosted"/>.</summary>
    internal const string MessagePostedManifest = "pst2";

    /// <summary><see cref="HistoryTrimmed"/>.</summary>
    internal const string HistoryTrimmedManifest = "trm2";

    /// <summary><see cref="RoomSnapshot"/>.</summary>
    internal const string RoomSnapshotManifest = "rsn2";

    /// <summary>Each <see cref="GovernanceEvent"/> kind (roles, settings, moderation): <c>gov1.claim</c>, <c>gov1.configure</c>….</summary>
    internal static readonly IReadOnlyDictionary<GovernanceKind, string> GovernanceManifests =
        Enum.GetValues<GovernanceKind>().ToDictionary(k => k, k => "gov1." + k.ToString().ToLowerInvariant());

    private static readonly Dictionary<string, GovernanceKind> GovernanceKinds =
        GovernanceManifests.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>Every manifest this build reads: its own, and the hand-written layouts' (<see cref="LegacyHistoryReader"/>).</summary>
    private static readonly string Known = string.Join(", ", ChatMessageManifest, StreamPositionManifest, HistoryStartedManifest, MessagePostedManifest, HistoryTrimmedManifest, RoomSnapshotManifest, string.Join(", ", GovernanceManifests.Values), LegacyHistoryReader.Manifests);

    public HistorySerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o switch
        {
            ChatMessage => ChatMessageManifest,
            StreamPosition => StreamPositionManifest,
            HistoryStarted => HistoryStartedManifest,
            MessagePosted => MessagePostedManifest,
            HistoryTrimmed => HistoryTrimmedManifest,
            RoomSnapshot => RoomSnapshotManifest,
            GovernanceEvent e => GovernanceManifests[PersistedFormat.KindOf(e)],
            _ => throw Unknown(o.GetType()),
        };
    }

    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj switch
        {
            ChatMessage message => PersistedFormat.ToBytes(message),
            StreamPosition position => PersistedFormat.ToBytes(position),
            RoomEvent e => PersistedFormat.ToBytes(e),
            RoomSnapshot snapshot => PersistedFormat.ToBytes(snapshot),
            _ => throw Unknown(obj.GetType()),
        };
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return manifest switch
        {
            ChatMessageManifest => PersistedFormat.ReadChatMessage(bytes),
            StreamPositionManifest => PersistedFormat.ReadStreamPosition(bytes),
            HistoryStartedManifest => PersistedFormat.ReadHistoryStarted(bytes),
            MessagePostedManifest => PersistedFormat.ReadMessagePosted(bytes),
            HistoryTrimmedManifest => PersistedFormat.ReadHistoryTrimmed(bytes),
            RoomSnapshotManifest => PersistedFormat.ReadRoomSnapshot(bytes),
            _ when GovernanceKinds.TryGetValue(manifest, out var kind) => PersistedFormat.ReadGovernanceEvent(bytes, kind),
            _ => LegacyHistoryReader.Read(bytes, manifest) ?? throw new SerializationException($"ActorChat history: unknown manifest '{manifest}' (this build reads {Known})."),
        };
    }

    private static ArgumentException Unknown(Type type) =>
        new($"ActorChat history has no stored format for {type}: add one to {nameof(HistorySerializer)} and bind the type in {nameof(ChatHistory)}.{nameof(ChatHistory.SerializationConfig)}.");
}
