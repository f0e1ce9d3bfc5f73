using System.Runtime.Serialization;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Serialization;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.History;

/// <summary>
/// The format of everything rooms persist (journal events and snapshots): a small hand-written
/// binary layout per type, named by a short versioned manifest stored beside each row.
/// </summary>
/// <remarks>
/// <para>
/// Why not Akka's default: without a binding, Akka.Persistence.Sql stores a payload with the
/// <c>System.Object</c> serializer (Newtonsoft JSON with .NET type names), so renaming a record or
/// moving it to another assembly would make the stored history unreadable, and a type nobody meant
/// to persist would be written silently. Here each persisted type has a manifest (<c>msg1</c>…)
/// independent of its .NET name; the journal and the snapshot store use this serializer for every
/// payload, so a type it does not know is refused at <c>Persist</c> (the actor gets
/// <c>OnPersistRejected</c>) instead of reaching the database. Binary by hand rather than JSON
/// because JSON is written only by the protocol module, and a row is read far more often (every
/// recovery) than its layout changes.
/// </para>
/// <para>
/// To persist a new type: give it a manifest and a layout below, and a binding in
/// <see cref="ChatHistory.SerializationConfig"/>. To change a layout: add a new manifest (e.g.
/// <c>msg2</c>) and keep reading the old one; stored rows are never rewritten.
/// </para>
/// <para>
/// Layouts: the shared binary layout of <see cref="WireWriter"/> (strings exact even when not
/// well-formed UTF-16, timestamps with their offset), fields in the order written below.
/// </para>
/// </remarks>
public sealed class HistorySerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id, stored with each row (Akka reserves 0–100 for itself).</summary>
    public const int SerializerId = 4201;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-history";

    /// <summary><see cref="ChatMessage"/>: room, offset, from, text, at, cid?.</summary>
    internal const string ChatMessageManifest = "msg1";

    /// <summary><see cref="StreamPosition"/>: epoch, offset.</summary>
    internal const string StreamPositionManifest = "pos1";

    /// <summary><see cref="HistoryStarted"/>: epoch.</summary>
    internal const string HistoryStartedManifest = "hst1";

    /// <summary><see cref="MessagePosted"/>: the <see cref="ChatMessage"/> layout, then the session id.</summary>
    internal const string MessagePostedManifest = "pst1";

    /// <summary><see cref="HistoryTrimmed"/>: first kept offset.</summary>
    internal const string HistoryTrimmedManifest = "trm1";

    /// <summary>
    /// <see cref="RoomSnapshot"/>: room, epoch, next offset, first kept offset, sequence number; the
    /// kept messages (count, then offset, sequence number, at, session id?, cid? each); the tail
    /// (count, then the <see cref="ChatMessage"/> layout each).
    /// </summary>
    internal const string RoomSnapshotManifest = "rsn1";

    /// <summary>Every manifest this build reads.</summary>
    private static readonly string Known = string.Join(", ", ChatMessageManifest, StreamPositionManifest, HistoryStartedManifest, MessagePostedManifest, HistoryTrimmedManifest, RoomSnapshotManifest);

    /// <summary>UTF-8 that throws on what it cannot represent exactly, instead of writing U+FFFD.</summary>

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
            _ => throw Unknown(o.GetType()),
        };
    }

    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var writer = new WireWriter();
        switch (obj)
        {
            case ChatMessage message:
                Write(writer, message);
                break;
            case StreamPosition position:
                writer.Text(position.Epoch);
                writer.Fixed64(position.Offset);
                break;
            case HistoryStarted started:
                writer.Text(started.Epoch);
                break;
            case MessagePosted posted:
                Write(writer, posted.Message);
                writer.Text(posted.SessionId);
                break;
            case HistoryTrimmed trimmed:
                writer.Fixed64(trimmed.FirstKeptOffset);
                break;
            case RoomSnapshot snapshot:
                Write(writer, snapshot);
                break;
            default:
                throw Unknown(obj.GetType());
        }

        return writer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new WireReader(bytes, $"a stored '{manifest}'");
        object result = manifest switch
        {
            ChatMessageManifest => ReadMessage(ref reader),
            StreamPositionManifest => new StreamPosition(reader.Text(), reader.Fixed64()),
            HistoryStartedManifest => new HistoryStarted(reader.Text()),
            MessagePostedManifest => new MessagePosted(ReadMessage(ref reader), reader.Text()),
            HistoryTrimmedManifest => new HistoryTrimmed(reader.Fixed64()),
            RoomSnapshotManifest => ReadSnapshot(ref reader),
            _ => throw new SerializationException($"ActorChat history: unknown manifest '{manifest}' (this build reads {Known})."),
        };
        reader.End();
        return result;
    }

    private static ArgumentException Unknown(Type type) =>
        new($"ActorChat history has no stored format for {type}: add one to {nameof(HistorySerializer)} and bind the type in {nameof(ChatHistory)}.{nameof(ChatHistory.SerializationConfig)}.");

    private static void Write(WireWriter writer, ChatMessage message)
    {
        writer.Text(message.Room);
        writer.Fixed64(message.Offset);
        writer.Text(message.From);
        writer.Text(message.Text);
        writer.Timestamp(message.At);
        writer.OptionalString(message.Cid);
    }

    private static void Write(WireWriter writer, RoomSnapshot snapshot)
    {
        writer.Text(snapshot.Room);
        writer.Text(snapshot.Epoch);
        writer.Fixed64(snapshot.NextOffset);
        writer.Fixed64(snapshot.FirstKeptOffset);
        writer.Fixed64(snapshot.SequenceNr);
        writer.Count(snapshot.Kept.Count);
        foreach (var kept in snapshot.Kept)
        {
            writer.Fixed64(kept.Offset);
            writer.Fixed64(kept.SequenceNr);
            writer.Timestamp(kept.At);
            writer.OptionalString(kept.SessionId);
            writer.OptionalString(kept.Cid);
        }

        writer.Count(snapshot.Tail.Count);
        foreach (var message in snapshot.Tail)
        {
            Write(writer, message);
        }
    }

    private static ChatMessage ReadMessage(ref WireReader reader) => new(
        Room: reader.Text(),
        Offset: reader.Fixed64(),
        From: reader.Text(),
        Text: reader.Text(),
        At: reader.Timestamp(),
        Cid: reader.OptionalString());

    private static RoomSnapshot ReadSnapshot(ref WireReader reader)
    {
        var room = reader.Text();
        var epoch = reader.Text();
        var nextOffset = reader.Fixed64();
        var firstKept = reader.Fixed64();
        var sequenceNr = reader.Fixed64();
        var kept = new KeptMessage[reader.Count()];
        for (var i = 0; i < kept.Length; i++)
        {
            kept[i] = new KeptMessage(reader.Fixed64(), reader.Fixed64(), reader.Timestamp(), reader.OptionalString(), reader.OptionalString());
        }

        var tail = new ChatMessage[reader.Count()];
        for (var i = 0; i < tail.Length; i++)
        {
            tail[i] = ReadMessage(ref reader);
        }

        return new RoomSnapshot(room, epoch, nextOffset, firstKept, sequenceNr, kept, tail);
    }
}
