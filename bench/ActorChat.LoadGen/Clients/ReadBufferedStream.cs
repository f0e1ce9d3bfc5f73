namespace ActorChat.LoadGen.Clients;

/// <summary>
/// Buffers reads (so a client receiving many small frames makes few socket reads) and passes
/// writes straight through. The WebSocket reads a frame header and its payload separately; without
/// this each delivery would cost the load generator two system calls.
/// </summary>
internal sealed class ReadBufferedStream(Stream inner, int bufferSize) : Stream
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        if (_start == _end)
        {
            if (buffer.Length >= _buffer.Length)
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }

            _start = 0;
            _end = await inner.ReadAsync(_buffer, cancellationToken);
            if (_end == 0)
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _end - _start);
        _buffer.AsMemory(_start, count).CopyTo(buffer);
        _start += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
