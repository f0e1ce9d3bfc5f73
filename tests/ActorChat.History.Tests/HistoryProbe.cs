using ActorChat.Protocol;
using Akka.Actor;
using Akka.Persistence;

namespace ActorChat.History.Tests;

/// <summary>
/// A test-only persistent actor shaped like a room's history: it persists batches of messages
/// with one <c>PersistAll</c> each and answers once the whole batch is durable, and trims its
/// journal the way retention will (snapshot, then delete the messages and the older snapshots).
/// Its state is the position of its last snapshot and the messages persisted after it.
/// </summary>
internal sealed class HistoryProbe : ReceivePersistentActor
{
    private readonly List<ChatMessage> _messages = [];
    private StreamPosition? _snapshot;
    private StreamPosition? _pending;
    private IActorRef _requester = ActorRefs.Nobody;
    private int _trimStepsLeft;

    public HistoryProbe(string persistenceId)
    {
        PersistenceId = persistenceId;

        Recover<SnapshotOffer>(offer =>
        {
            _snapshot = (StreamPosition)offer.Snapshot;
            _messages.Clear();
        });
        Recover<ChatMessage>(_messages.Add);

        Command<Append>(append =>
        {
            var sender = Sender;
            PersistAll(append.Batch, _messages.Add);

            // Runs after the batch's handlers, i.e. once every message of it is in the journal.
            DeferAsync(append, _ => sender.Tell(new Appended(LastSequenceNr)));
        });
        Command<PersistOther>(other =>
        {
            _requester = Sender;
            Persist(other.Event, _ => _requester.Tell(new Appended(LastSequenceNr)));
        });
        Command<GetState>(_ => Sender.Tell(new State([.. _messages], _snapshot, LastSequenceNr)));

        Command<Trim>(_ =>
        {
            _requester = Sender;
            _pending = new StreamPosition(Trim.Epoch, _messages.Count > 0 ? _messages[^1].Offset : _snapshot?.Offset ?? 0);
            SaveSnapshot(_pending);
        });
        Command<SaveSnapshotSuccess>(saved =>
        {
            _snapshot = _pending;
            _messages.Clear();
            _trimStepsLeft = 2;
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<DeleteMessagesSuccess>(_ => TrimStepDone());
        Command<DeleteSnapshotsSuccess>(_ => TrimStepDone());
        Command<SaveSnapshotFailure>(failed => _requester.Tell(new Failed(failed.Cause.Message)));
        Command<DeleteMessagesFailure>(failed => _requester.Tell(new Failed(failed.Cause.Message)));
        Command<DeleteSnapshotsFailure>(failed => _requester.Tell(new Failed(failed.Cause.Message)));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new HistoryProbe(persistenceId));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        _requester.Tell(new Rejected(cause.Message));
    }

    private void TrimStepDone()
    {
        if (--_trimStepsLeft == 0)
        {
            _requester.Tell(new Trimmed(LastSequenceNr));
        }
    }

    /// <summary>Persist these messages as one batch; answered with <see cref="Appended"/>.</summary>
    public sealed record Append(IReadOnlyList<ChatMessage> Batch);

    /// <summary>Persist something that is not a chat message; answered with <see cref="Appended"/> or <see cref="Rejected"/>.</summary>
    public sealed record PersistOther(object Event);

    /// <summary>The batch is durable; <paramref name="SequenceNr"/> is the journal's last sequence number.</summary>
    public sealed record Appended(long SequenceNr);

    /// <summary>The journal refused to store an event (e.g. it could not be serialized).</summary>
    public sealed record Rejected(string Reason);

    public sealed record GetState
    {
        public static readonly GetState Instance = new();
    }

    /// <summary>The last snapshot's position (null: none) and the messages persisted after it.</summary>
    public sealed record State(IReadOnlyList<ChatMessage> Messages, StreamPosition? Snapshot, long LastSequenceNr);

    /// <summary>Snapshot the position, then delete the journal up to it and every older snapshot; answered with <see cref="Trimmed"/>.</summary>
    public sealed record Trim
    {
        public const string Epoch = "e1";

        public static readonly Trim Instance = new();
    }

    /// <summary>Trimmed at <paramref name="SequenceNr"/>: the messages up to it and the older snapshots are deleted.</summary>
    public sealed record Trimmed(long SequenceNr);

    public sealed record Failed(string Reason);
}
