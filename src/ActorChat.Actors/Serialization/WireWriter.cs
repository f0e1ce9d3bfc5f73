using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// Writes the compact binary layout of what crosses nodes (room, relay and session messages; never
/// stored, so it may change with a release). What is stored is Protocol Buffers
/// (<see cref="PersistedFormat"/>); stored rows of older builds in this layout are read by
/// <see cref="WireReader"/> (the legacy readers). One layout, so a string or a timestamp reads back
/// the same wherever it was written.
/// </summary>
/// <remarks>
/// Integers are little-endian (fixed width) or 7-bit varints (lengths, counts); a string is a varint
/// header <c>length &lt;&lt; 1 | kind</c> then <c>length</c> bytes of UTF-8 (kind 0) or, for text that
/// is not well-formed UTF-16 (a lone surrogate, which JSON escapes allow), <c>length</c> UTF-16LE code
/// units (kind 1), so every string comes back exactly as it was; an optional value has a leading
/// presence byte; a <see cref="DateTimeOffset"/> is its UTC ticks and its offset in minutes (int16);
/// an actor ref is its serialized path (with the node's address), a nested message Akka's own
/// serializer id, manifest and bytes.
/// </remarks>
public sealed class WireWriter(int capacity = 256)
{
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ArrayBufferWriter<byte> _buffer = new(capacity);

    /// <summary>The bytes written so far, copied.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Fixed16(short value)
    {
        BinaryPrimitives.WriteInt16LittleEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void Fixed32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void OptionalFixed32(int? value)
    {
        Bool(value is not null);
        if (value is { } v)
        {
            Fixed32(v);
        }
    }

    public void OptionalBool(bool? value)
    {
        Bool(value is not null);
        if (value is { } v)
        {
            Bool(v);
        }
    }

    public void Fixed64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>A non-negative count or length (a varint).</summary>
    public void Count(int value) => VarUInt(checked((ulong)value));

    public void VarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void Timestamp(DateTimeOffset at)
    {
        Fixed64(at.UtcTicks);
        Fixed16(checked((short)at.TotalOffsetMinutes));
    }

    public void Text(string value)
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
                throw new PlatformNotSupportedException("ActorChat writes its binary layout little-endian.");
            }

            VarUInt((((ulong)value.Length) << 1) | 1);
            Raw(MemoryMarshal.AsBytes(value.AsSpan()));
            return;
        }

        VarUInt(((ulong)length) << 1);
        _buffer.Advance(StrictUtf8.GetBytes(value, _buffer.GetSpan(length)));
    }

    public void OptionalString(string? value)
    {
        Bool(value is not null);
        if (value is not null)
        {
            Text(value);
        }
    }

    public void OptionalFixed64(long? value)
    {
        Bool(value is not null);
        if (value is { } v)
        {
            Fixed64(v);
        }
    }

    /// <summary>A byte block (a pre-encoded frame): its length, then the bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Count(bytes.Length);
        Raw(bytes);
    }

    /// <summary>A list of byte blocks (pre-encoded frames): the count, then each block.</summary>
    public void Blocks(IReadOnlyList<ReadOnlyMemory<byte>> blocks)
    {
        Count(blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            Bytes(blocks[i].Span);
        }
    }

    public void Strings(IReadOnlyCollection<string> values)
    {
        Count(values.Count);
        foreach (var value in values)
        {
            Text(value);
        }
    }

    /// <summary>An actor ref as its full path with this node's address, so another node can resolve it.</summary>
    public void ActorRef(IActorRef actor) => Text(Akka.Serialization.Serialization.SerializedActorPath(actor));

    public void OptionalActorRef(IActorRef? actor)
    {
        Bool(actor is not null && !actor.IsNobody());
        if (actor is not null && !actor.IsNobody())
        {
            ActorRef(actor);
        }
    }

    public void ActorRefs(IReadOnlyList<IActorRef> actors)
    {
        Count(actors.Count);
        for (var i = 0; i < actors.Count; i++)
        {
            ActorRef(actors[i]);
        }
    }

    /// <summary>A message of any type Akka can serialize (its serializer id, manifest and bytes).</summary>
    public void Nested(ExtendedActorSystem system, object message)
    {
        var serializer = system.Serialization.FindSerializerFor(message);
        Fixed64(serializer.Identifier);
        Text(Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Bytes(serializer.ToBinary(message));
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }
}
