using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
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
                Write(buffer, message.Room);
                WriteInt64(buffer, message.Offset);
                Write(buffer, message.From);
                Write(buffer, message.Text);
                WriteInt64(buffer, message.At.UtcTicks);
                WriteInt16(buffer, checked((short)message.At.TotalOffsetMinutes));
                WriteOptional(buffer, message.Cid);
                break;
            case StreamPosition position:
                Write(buffer, position.Epoch);
                WriteInt64(buffer, position.Offset);
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
            ChatMessageManifest => new ChatMessage(
                Room: reader.String(),
                Offset: reader.Int64(),
                From: reader.String(),
                Text: reader.String(),
                At: reader.Timestamp(),
                Cid: reader.OptionalString()),
            StreamPositionManifest => new StreamPosition(reader.String(), reader.Int64()),
            _ => throw new SerializationException($"ActorChat history: unknown manifest '{manifest}' (this build reads {ChatMessageManifest}, {StreamPositionManifest})."),
        };
        reader.End();
        return result;
    }

    private static ArgumentException Unknown(Type type) =>
        new($"ActorChat history has no stored format for {type}: add one to {nameof(HistorySerializer)} and bind the type in {nameof(ChatHistory)}.{nameof(ChatHistory.SerializationConfig)}.");

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
