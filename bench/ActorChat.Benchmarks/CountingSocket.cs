using ActorChat.Actors;

namespace ActorChat.Benchmarks;

/// <summary>
/// An in-memory socket whose sends complete at once. It counts frames and, when it has seen the
/// number it was told to expect, counts itself done on the shared <see cref="FanOutLatch"/>.
/// </summary>
internal sealed class CountingSocket(FanOutLatch latch) : IChatSocket
{
    private long _frames;
    private long _target = long.MaxValue;

    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Signals the latch once <paramref name="more"/> further frames have been sent.</summary>
    public void Expect(long more) => Volatile.Write(ref _target, Frames + more);

    public ValueTask SendAsync(ReadOnlyMemory<byte> utf8Text)
    {
        if (Interlocked.Increment(ref _frames) == Volatile.Read(ref _target))
        {
            latch.Signal();
        }

        return ValueTask.CompletedTask;
    }

    public void Close(int code, string reason)
    {
    }
}

/// <summary>Completes when every socket it waits for has signalled.</summary>
internal sealed class FanOutLatch
{
    private int _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reset(int sockets)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, sockets);
        return _done.Task;
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}
