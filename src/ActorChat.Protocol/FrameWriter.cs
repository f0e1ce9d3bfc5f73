using System.Buffers;
using System.Text.Json;

namespace ActorChat.Protocol;

/// <summary>
/// Writes one text frame <c>{"type": …, "ref"?: …, "payload": {…}}</c> with a <see cref="Utf8JsonWriter"/>
/// and returns exactly its bytes: one allocation per frame (the returned array), the writer and its
/// growing buffer are reused per thread. Use with <c>using</c>: <see cref="Start"/>, write the payload's
/// members on <see cref="Json"/>, <see cref="Finish"/>.
/// </summary>
internal ref struct FrameWriter
{
    // A frame this large is rare (a joined with 100 long messages); its buffer is not kept, so one
    // large frame does not pin memory on a thread for good.
    private const int MaxRetainedCapacity = 256 * 1024;

    [ThreadStatic]
    private static Scratch? t_cached;

    private Scratch? _scratch;

    private FrameWriter(Scratch scratch) => _scratch = scratch;

    public readonly Utf8JsonWriter Json => _scratch!.Json;

    /// <summary>Starts a frame of <paramref name="type"/>; <paramref name="requestRef"/> is written only when not null.</summary>
    public static FrameWriter Start(ReadOnlySpan<byte> type, string? requestRef)
    {
        // Taken off the thread while in use, so a frame started inside another (never done today)
        // would get its own scratch rather than corrupt the outer one.
        var scratch = t_cached ?? new Scratch();
        t_cached = null;
        var json = scratch.Json;
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        if (requestRef is not null)
        {
            json.WriteString("ref"u8, requestRef);
        }

        json.WriteStartObject("payload"u8);
        return new FrameWriter(scratch);
    }

    /// <summary>Closes the payload and the envelope and returns the frame's UTF-8 bytes.</summary>
    public readonly byte[] Finish()
    {
        var json = Json;
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return _scratch!.Buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        if (_scratch is not { } scratch)
        {
            return;
        }

        _scratch = null;
        scratch.Json.Reset();
        scratch.Buffer.ResetWrittenCount();
        if (scratch.Buffer.Capacity <= MaxRetainedCapacity)
        {
            t_cached = scratch;
        }
    }

    private sealed class Scratch
    {
        public Scratch() => Json = new Utf8JsonWriter(Buffer);

        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);

        // Never disposed: Dispose only flushes and forgets the buffer, and the writer lives as long as
        // its thread's cache.
        public Utf8JsonWriter Json { get; }
    }
}
