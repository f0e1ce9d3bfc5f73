using ActorChat.Actors.Rooms;
using ActorChat.Actors.Serialization;
using ActorChat.Protocol;

namespace ActorChat.History;

/// <summary>
/// READ ONLY: the hand-written layouts rooms persisted before the Protocol Buffers schema (up to
/// commit f30805b), manifests <c>msg1 pos1 hst1 pst1 trm1 rsn1</c>. Nothing writes them any more;
/// journals and snapshot stores written by those builds still hold them, and rows are never
/// rewritten, so this stays as long as such a store may be opened (JournalOfF30805bTests reads one).
/// </summary>
/// <remarks>
/// The layout (<see cref="WireReader"/>): fields in the order read below; a string a varint
/// header and UTF-8 or UTF-16 units, a timestamp its UTC ticks and offset minutes, an optional
/// value a presence byte first.
/// </remarks>
internal static class LegacyHistoryReader
{
    /// <summary>The manifests read here, for error messages.</summary>
    public const string Manifests = "msg1, pos1, hst1, pst1, trm1, rsn1";

    /// <summary>The stored value, or null when <paramref name="manifest"/> is not one of these layouts.</summary>
    public static object? Read(byte[] bytes, string manifest)
    {
        var reader = new WireReader(bytes, $"a stored '{manifest}'");
        object? result = manifest switch
        {
            "msg1" => ReadMessage(ref reader),
            "pos1" => new StreamPosition(reader.Text(), reader.Fixed64()),
            "hst1" => new HistoryStarted(reader.Text()),
            "pst1" => new MessagePosted(ReadMessage(ref reader), reader.Text()),
            "trm1" => new HistoryTrimmed(reader.Fixed64()),
            "rsn1" => ReadSnapshot(ref reader),
            _ => null,
        };
        if (result is not null)
        {
            reader.End();
        }

        return result;
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
