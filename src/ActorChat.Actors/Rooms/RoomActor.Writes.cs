using ActorChat.Protocol;
using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;

namespace ActorChat.Actors.Rooms;

/// <summary>The room's writes: posts decided into the batch writer, batches persisted, acks and broadcasts sent, snapshots saved.</summary>
public sealed partial class RoomActor
{
    // ---- posts and batches ----

    private void OnPost(Post post)
    {
        var invalid = string.IsNullOrEmpty(post.SessionId) ? "no session id"
            : string.IsNullOrEmpty(post.Text) ? "no text"
            : post.Cid is { Length: 0 } ? "an empty cid"
            : null;
        if (invalid is not null)
        {
            RefuseInvalid(post, invalid, post.Ref);
            return;
        }

        // A post may arrive after its author's death notice (which overtakes what went through the
        // region): from the connection the member last had, it still counts.
        if (_members.Poster(post.SessionId, Sender) is not { } member)
        {
            _outbox.Tell(Sender, new Refused(_room, ErrorCodes.NotInRoom, $"Join the room \"{_room}\" before sending to it.", post.Ref, post));
            return;
        }

        if (!MaySend(member, post))
        {
            return;
        }

        var ack = new RoomAck(0, member.SessionId, member.Connection ?? Sender, member.Encoder, post.Ref);
        var step = BatchStep.None;
        switch (_state.DecidePost(post.SessionId, member.Name, post.Text, post.Cid, _time.GetUtcNow(), userId: member.Identity.UserId))
        {
            case PostAccepted accepted:
                step = _batch.Accepted(accepted.Event, ack with { Offset = accepted.Offset });
                break;
            case PostDuplicate { Pending: true } duplicate:
                // The original is in the open batch: acked once it is durable.
                step = _batch.PendingDuplicate(ack with { Offset = duplicate.Offset });
                break;
            case PostDuplicate duplicate:
                if (member.Encoder.Acked(new PostAcked(_room, post.Ref, duplicate.Offset)) is { } frame)
                {
                    _delivery.Send(member, new ConnectionActor.Deliver(frame));
                }

                return;
        }

        if (step == BatchStep.Write)
        {
            FlushBatch();
        }
        else if (step == BatchStep.QueueFlush)
        {
            Self.Tell(Flush.Instance);
        }
    }

    /// <summary>Writes the open batch, with retention decided at its end, as one <c>PersistAll</c>.</summary>
    private void FlushBatch()
    {
        if (_batch.Close(_state.DecideTrim(_time.GetUtcNow())) is { } events)
        {
            PersistAll(events, OnPersisted);
        }
    }

    private void OnPersisted(RoomEvent persisted)
    {
        _state.Apply(persisted);
        if (_batch.Persisted(persisted))
        {
            FinishBatch(_batch.Finish());
        }
    }

    /// <summary>The batch is durable: its acks and messages go out, presence first when an author's join is not announced yet.</summary>
    private void FinishBatch(WrittenBatch<RoomAck> written)
    {
        if (written.Messages.Any(p => _members.Find(p.SessionId) is { JoinUnannounced: true }))
        {
            FlushPresence();
        }

        _delivery.Batch(written);
        if (_presenceAfterBatch)
        {
            _presenceAfterBatch = false;
            FlushPresence(atOnceOnly: true);
        }

        MaybeSnapshot();
        TryStop();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The rejected events were decided but can never be applied, and they consumed sequence
        // numbers: only recovery from the journal gives a state that matches it again.
        _logger.RoomWriteRejected(cause, _room, @event.GetType().Name, sequenceNr);
        throw new InvalidOperationException($"Room \"{_room}\": the journal rejected {@event.GetType().Name} at sequence number {sequenceNr}.", cause);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.RoomWriteFailed(cause, _room, @event.GetType().Name, sequenceNr);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    // ---- snapshots and retention ----

    private void MaybeSnapshot()
    {
        if (_retention.DecideSnapshot(_state.SequenceNr, LastSequenceNr))
        {
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        var sequenceNr = saved.Metadata.SequenceNr;
        var cleanup = _retention.Saved(sequenceNr, _state.DeletableUpTo(sequenceNr));
        if (cleanup.MessagesUpTo is { } messages)
        {
            DeleteMessages(messages);
        }

        if (cleanup.SnapshotsUpTo is { } snapshots)
        {
            DeleteSnapshots(new SnapshotSelectionCriteria(snapshots));
        }

        // Batches written while it was saved may already call for the next one.
        MaybeSnapshot();
    }
}
