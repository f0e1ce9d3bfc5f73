using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using ActorChat.Actors.Rooms;
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
/// Layouts: integers little-endian; a string is a 7-bit-encoded header <c>length &lt;&lt; 1 | kind</c>
/// followed by <c>length</c> bytes of UTF-8 (kind 0), or, for text that is not well-formed UTF-16
/// (a lone surrogate, which JSON escapes allow), <c>length</c> UTF-16LE code units (kind 1), so
/// every string comes back exactly as it was; a nullable string has a leading presence byte; a
/// <see cref="DateTimeOffset"/> is its UTC ticks and its offset in minutes (int16).
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
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
        var buffer = new ArrayBufferWriter<byte>(256);
        switch (obj)
        {
            case ChatMessage message:
                Write(buffer, message);
                break;
            case StreamPosition position:
                Write(buffer, position.Epoch);
                WriteInt64(buffer, position.Offset);
                break;
            case HistoryStarted started:
                Write(buffer, started.Epoch);
                break;
            case MessagePosted posted:
                Write(buffer, posted.Message);
                Write(buffer, posted.SessionId);
                break;
            case HistoryTrimmed trimmed:
                WriteInt64(buffer, trimmed.FirstKeptOffset);
                break;
            case RoomSnapshot snapshot:
                Write(buffer, snapshot);
                break;
            default:
                throw Unknown(obj.GetType());
        }

        return buffer.WrittenSpan.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new Reader(bytes, manifest);
        object result = manifest switch
        {
            ChatMessageManifest => reader.Message(),
            StreamPositionManifest => new StreamPosition(reader.String(), reader.Int64()),
            HistoryStartedManifest => new HistoryStarted(reader.String()),
            MessagePostedManifest => new MessagePosted(reader.Message(), reader.String()),
            HistoryTrimmedManifest => new HistoryTrimmed(reader.Int64()),
            RoomSnapshotManifest => reader.Snapshot(),
            _ => throw new SerializationException($"ActorChat history: unknown manifest '{manifest}' (this build reads {Known})."),
        };
        reader.End();
        return result;
    }

    private static ArgumentException Unknown(Type type) =>
        new($"ActorChat history has no stored format for {type}: add one to {nameof(HistorySerializer)} and bind the type in {nameof(ChatHistory)}.{nameof(ChatHistory.SerializationConfig)}.");

    private static void Write(ArrayBufferWriter<byte> buffer, ChatMessage message)
    {
        Write(buffer, message.Room);
        WriteInt64(buffer, message.Offset);
        Write(buffer, message.From);
        Write(buffer, message.Text);
        Write(buffer, message.At);
        WriteOptional(buffer, message.Cid);
    }

    private static void Write(ArrayBufferWriter<byte> buffer, RoomSnapshot snapshot)
    {
        Write(buffer, snapshot.Room);
        Write(buffer, snapshot.Epoch);
        WriteInt64(buffer, snapshot.NextOffset);
        WriteInt64(buffer, snapshot.FirstKeptOffset);
        WriteInt64(buffer, snapshot.SequenceNr);
        WriteVarUInt(buffer, (ulong)snapshot.Kept.Count);
        foreach (var kept in snapshot.Kept)
        {
            WriteInt64(buffer, kept.Offset);
            WriteInt64(buffer, kept.SequenceNr);
            Write(buffer, kept.At);
            WriteOptional(buffer, kept.SessionId);
            WriteOptional(buffer, kept.Cid);
        }

        WriteVarUInt(buffer, (ulong)snapshot.Tail.Count);
        foreach (var message in snapshot.Tail)
        {
            Write(buffer, message);
        }
    }

    private static void Write(ArrayBufferWriter<byte> buffer, DateTimeOffset at)
    {
        WriteInt64(buffer, at.UtcTicks);
        WriteInt16(buffer, checked((short)at.TotalOffsetMinutes));
    }

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private static void WriteInt16(ArrayBufferWriter<byte> buffer, short value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(buffer.GetSpan(2), value);
        buffer.Advance(2);
    }

    private static void WriteVarUInt(ArrayBufferWriter<byte> buffer, ulong value)
    {
        var span = buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        buffer.Advance(i);
    }

    private static void WriteOptional(ArrayBufferWriter<byte> buffer, string? value)
    {
        buffer.GetSpan(1)[0] = value is null ? (byte)0 : (byte)1;
        buffer.Advance(1);
        if (value is not null)
        {
            Write(buffer, value);
        }
    }

    private static void Write(ArrayBufferWriter<byte> buffer, string value)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            // Not well-formed UTF-16 (a lone surrogate): kept as code units, so it reads back unchanged.
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("ActorChat history is written little-endian.");
            }

            WriteVarUInt(buffer, (((ulong)value.Length) << 1) | 1);
            var units = MemoryMarshal.AsBytes(value.AsSpan());
            units.CopyTo(buffer.GetSpan(units.Length));
            buffer.Advance(units.Length);
            return;
        }

        WriteVarUInt(buffer, ((ulong)length) << 1);
        buffer.Advance(StrictUtf8.GetBytes(value, buffer.GetSpan(length)));
    }

    /// <summary>Reads a row's bytes; anything short, long or malformed is a <see cref="SerializationException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes, string manifest)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public long Int64() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public short Int16() => System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(Take(2));

        public DateTimeOffset Timestamp()
        {
            var utcTicks = Int64();
            var offset = TimeSpan.FromMinutes(Int16());
            try
            {
                return new DateTimeOffset(utcTicks + offset.Ticks, offset);
            }
            catch (ArgumentException e)
            {
                throw Corrupt($"a timestamp out of range ({e.Message})");
            }
        }

        public ChatMessage Message() => new(
            Room: String(),
            Offset: Int64(),
            From: String(),
            Text: String(),
            At: Timestamp(),
            Cid: OptionalString());

        public RoomSnapshot Snapshot()
        {
            var room = String();
            var epoch = String();
            var nextOffset = Int64();
            var firstKept = Int64();
            var sequenceNr = Int64();
            var kept = new KeptMessage[Count()];
            for (var i = 0; i < kept.Length; i++)
            {
                kept[i] = new KeptMessage(Int64(), Int64(), Timestamp(), OptionalString(), OptionalString());
            }

            var tail = new ChatMessage[Count()];
            for (var i = 0; i < tail.Length; i++)
            {
                tail[i] = Message();
            }

            return new RoomSnapshot(room, epoch, nextOffset, firstKept, sequenceNr, kept, tail);
        }

        public string? OptionalString() => Take(1)[0] switch
        {
            0 => null,
            1 => String(),
            var flag => throw Corrupt($"a presence flag {flag}"),
        };

        public string String()
        {
            var header = VarUInt();
            var length = header >> 1;
            if (length > int.MaxValue / 2)
            {
                throw Corrupt($"a string of {length} units");
            }

            if ((header & 1) == 0)
            {
                try
                {
                    return StrictUtf8.GetString(Take((int)length));
                }
                catch (DecoderFallbackException e)
                {
                    throw Corrupt($"invalid UTF-8 ({e.Message})");
                }
            }

            return new string(MemoryMarshal.Cast<byte, char>(Take((int)length * 2)));
        }

        public readonly void End()
        {
            if (_at != _bytes.Length)
            {
                throw Corrupt($"{_bytes.Length - _at} bytes left over");
            }
        }

        /// <summary>A list's length; more elements than bytes left is corrupt, whatever the layout.</summary>
        private int Count()
        {
            var count = VarUInt();
            if (count > (ulong)(_bytes.Length - _at))
            {
                throw Corrupt($"a list of {count} elements");
            }

            return (int)count;
        }

        private ulong VarUInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Take(1)[0];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw Corrupt("a length longer than 64 bits");
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _bytes.Length - _at < count)
            {
                throw Corrupt("fewer bytes than its layout needs");
            }

            var taken = _bytes.Slice(_at, count);
            _at += count;
            return taken;
        }

        private readonly SerializationException Corrupt(string what) =>
            new($"ActorChat history: a stored '{manifest}' has {what}.");
    }
}
