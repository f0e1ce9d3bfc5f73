using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// Akka's in-memory journal, observable and steerable by the tests: every write is published on the
/// event stream as it starts (<see cref="WriteStarted"/>: one entry per atomic write, with its event
/// count, so one <c>PersistAll</c> is one entry), writes and replays can be held until released, and
/// the next writes can be rejected or replays failed. Steered with the messages below, told to the
/// journal actor (<c>Persistence.Instance.Apply(Sys).JournalFor(null)</c>), each answered with
/// <see cref="Done"/> once in force.
/// </summary>
public sealed class TestJournal : MemoryJournal
{
    private readonly EventStream _events;
    private TaskCompletionSource? _writeGate;
    private TaskCompletionSource? _replayGate;
    private int _rejectWrites;
    private bool _failReplays;

    public TestJournal() => _events = Context.System.EventStream;

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        foreach (var write in writes)
        {
            var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
            _events.Publish(new WriteStarted(write.PersistenceId, events.Count, [.. events.Select(e => e.Payload)]));
        }

        if (_writeGate is { } gate)
        {
            await gate.Task;
        }

        if (_rejectWrites > 0)
        {
            _rejectWrites--;
            return writes.Select(_ => (Exception)new InvalidOperationException("Rejected by the test.")).ToImmutableList();
        }

        return await base.WriteMessagesAsync(writes, cancellationToken);
    }

    public override async Task ReplayMessagesAsync(
        IActorContext context,
        string persistenceId,
        long fromSequenceNr,
        long toSequenceNr,
        long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (_replayGate is { } gate)
        {
            await gate.Task;
        }

        if (_failReplays)
        {
            throw new InvalidOperationException("Replay failed by the test.");
        }

        await base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);
    }

    protected override bool ReceivePluginInternal(object message)
    {
        switch (message)
        {
            case HoldWrites:
                _writeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                break;
            case ReleaseWrites:
                _writeGate?.TrySetResult();
                _writeGate = null;
                break;
            case HoldReplays:
                _replayGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                break;
            case ReleaseReplays:
                _replayGate?.TrySetResult();
                _replayGate = null;
                break;
            case RejectWrites reject:
                _rejectWrites = reject.Count;
                break;
            case FailReplays fail:
                _failReplays = fail.Fail;
                break;
            default:
                return base.ReceivePluginInternal(message);
        }

        Sender.Tell(Done.Instance);
        return true;
    }

    // The test steers its in-process journal: none of these ever leave the test's node, so a run
    // with serialize-messages on (SerializedMessages) does not serialize them.

    /// <summary>An atomic write started: <paramref name="Events"/> events, <paramref name="Payloads"/> in order.</summary>
    public sealed record WriteStarted(string PersistenceId, int Events, IReadOnlyList<object> Payloads) : INoSerializationVerificationNeeded;

    public sealed record HoldWrites : INoSerializationVerificationNeeded;

    public sealed record ReleaseWrites : INoSerializationVerificationNeeded;

    public sealed record HoldReplays : INoSerializationVerificationNeeded;

    public sealed record ReleaseReplays : INoSerializationVerificationNeeded;

    /// <summary>Reject the next <paramref name="Count"/> writes (every atomic write in them).</summary>
    public sealed record RejectWrites(int Count) : INoSerializationVerificationNeeded;

    public sealed record FailReplays(bool Fail) : INoSerializationVerificationNeeded;

    public sealed record Done : INoSerializationVerificationNeeded
    {
        public static readonly Done Instance = new();
    }
}
