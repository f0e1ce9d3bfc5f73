using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// Reads <see cref="WireWriter"/>'s layout; anything short, long or malformed is a
/// <see cref="SerializationException"/> naming <paramref name="what"/> (e.g. "a stored 'msg1'"),
/// never a wrong value.
/// </summary>
public ref struct WireReader(ReadOnlySpan<byte> bytes, string what)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _at;

    public byte Byte() => Take(1)[0];

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var flag => throw Corrupt($"a flag {flag}"),
    };

    public short Fixed16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public int Fixed32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public int? OptionalFixed32() => Bool() ? Fixed32() : null;

    public bool? OptionalBool() => Bool() ? Bool() : null;

    public long Fixed64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public long? OptionalFixed64() => Bool() ? Fixed64() : null;

    public DateTimeOffset Timestamp()
    {
        var utcTicks = Fixed64();
        var offset = TimeSpan.FromMinutes(Fixed16());
        try
        {
            return new DateTimeOffset(utcTicks + offset.Ticks, offset);
        }
        catch (ArgumentException e)
        {
            throw Corrupt($"a timestamp out of range ({e.Message})");
        }
    }

    public string Text()
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
                return WireWriter.StrictUtf8.GetString(Take((int)length));
            }
            catch (DecoderFallbackException e)
            {
                throw Corrupt($"invalid UTF-8 ({e.Message})");
            }
        }

        return new string(MemoryMarshal.Cast<byte, char>(Take((int)length * 2)));
    }

    public string? OptionalString() => Bool() ? Text() : null;

    /// <summary>A byte block, copied out of the message.</summary>
    public byte[] Bytes() => Take(Count()).ToArray();

    /// <summary>
    /// A list written by <see cref="WireWriter.Blocks"/>, each block a slice of
    /// <paramref name="whole"/> (the bytes this reader reads), not a copy: the blocks keep the
    /// message's array alive, which is what a frame on its way to a socket needs anyway.
    /// </summary>
    public ReadOnlyMemory<byte>[] Blocks(ReadOnlyMemory<byte> whole)
    {
        if (whole.Length != _bytes.Length)
        {
            throw new ArgumentException("Blocks are sliced out of the bytes the reader reads.", nameof(whole));
        }

        var blocks = new ReadOnlyMemory<byte>[Count()];
        for (var i = 0; i < blocks.Length; i++)
        {
            var length = Count();
            var start = _at;
            Take(length);
            blocks[i] = whole.Slice(start, length);
        }

        return blocks;
    }

    public string[] Strings()
    {
        var values = new string[Count()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Text();
        }

        return values;
    }

    public IActorRef ActorRef(ExtendedActorSystem system) => system.Provider.ResolveActorRef(Text());

    public IActorRef[] ActorRefs(ExtendedActorSystem system)
    {
        var actors = new IActorRef[Count()];
        for (var i = 0; i < actors.Length; i++)
        {
            actors[i] = ActorRef(system);
        }

        return actors;
    }

    public IActorRef? OptionalActorRef(ExtendedActorSystem system) => Bool() ? ActorRef(system) : null;

    /// <summary>A message written by <see cref="WireWriter.Nested"/>.</summary>
    public object Nested(ExtendedActorSystem system)
    {
        var serializerId = Fixed64();
        var manifest = Text();
        var bytes = Bytes();
        if (serializerId is < int.MinValue or > int.MaxValue)
        {
            throw Corrupt($"a serializer id {serializerId}");
        }

        return system.Serialization.Deserialize(bytes, (int)serializerId, manifest);
    }

    /// <summary>
    /// A list's length; more elements than bytes left is corrupt whatever the layout (every element
    /// takes at least one byte), so a corrupt count cannot make a reader allocate a huge array.
    /// </summary>
    public int Count()
    {
        var count = VarUInt();
        if (count > (ulong)(_bytes.Length - _at))
        {
            throw Corrupt($"a list of {count} elements");
        }

        return (int)count;
    }

    public ulong VarUInt()
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

    /// <summary>Checks that every byte was read.</summary>
    public readonly void End()
    {
        if (_at != _bytes.Length)
        {
            throw Corrupt($"{_bytes.Length - _at} bytes left over");
        }
    }

    public readonly SerializationException Corrupt(string problem) => new($"ActorChat: {what} has {problem}.");

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
}
