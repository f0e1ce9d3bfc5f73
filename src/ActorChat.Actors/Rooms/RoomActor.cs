using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;
using Member = ActorChat.Actors.Rooms.RoomMember<Akka.Actor.IActorRef>;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// One room: a persistent actor (persistence id <c>room-{name}</c>), a thin shell over pure parts
/// that decide, and return the events to persist or the effects to perform: <see cref="RoomState"/>
/// (the durable history, applied exactly per its batching contract and replayed by recovery),
/// <see cref="RoomBatch{TAck}"/> (the batch writer), <see cref="RoomMembership{TConnection}"/>
/// (members, presence grace and presence, not persisted: members enter again after a restart),
/// <see cref="RoomReads{TReplyTo}"/> (journal reads) and <see cref="RoomRetention"/> (snapshots and
/// journal deletion). The shell routes messages, persists, and performs the effects; frames go out
/// through <see cref="RoomDelivery"/> and <see cref="RoomOutbox"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Writes.</b> While a batch is written the room handles nothing else (Akka stashes commands until
/// every handler of a <c>PersistAll</c> has run), so the posts that arrive meanwhile form the next
/// batch: the slower the journal, the larger the batches. After the last event of a batch every member
/// gets one <see cref="ConnectionActor.Deliver"/>: its acks first, then the batch's messages encoded
/// once per protocol in use.
/// </para>
/// <para>
/// <b>Presence.</b> Joins, leaves and renames are coalesced by <see cref="RoomPresence"/> and sent
/// every <see cref="RoomLimits.PresenceInterval"/> at most, one frame per diff per protocol (beej: at
/// once, one frame per name, as always). A joiner's reply lists the names as the last diff left them,
/// plus its own (<see cref="RoomPresence.ListFor"/>). A message is never broadcast before its
/// author's join: a batch with such a message sends the presence diff first.
/// </para>
/// <para>
/// <b>Reads.</b> A slice reaching past the in-memory tail is read from the journal by a
/// <see cref="RoomJournalReader"/> child, without holding up the room. A member whose <c>joined</c>
/// waits on such a read already receives the room's events; they are held (bounded) and sent right
/// after it. A read that fails, times out or cannot run answers a join from memory (never a silent
/// partial recovery) and refuses a history page with <see cref="Unavailable"/>.
/// </para>
/// <para>
/// <b>Failure.</b> A rejected write throws (its next message recovers the room from the journal); a
/// failed write stops it (Akka). Members still attached are told <see cref="RoomStopped"/>.
/// </para>
/// </remarks>
public sealed partial class RoomActor : ReceivePersistentActor, IWithTimers
{
    private const string PresenceTimer = "presence";
    private const string RetentionTimer = "retention";

    private readonly string _room;
    private readonly RoomLimits _limits;
    private readonly RoomSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Where member counts go for `rooms`: the region (one node), or the node's directory (a
    // cluster, where the parent is a shard that knows nothing of them).
    private readonly IActorRef? _directory;
    private RoomState _state;

    // The pure parts: who is in (and shown), the batch writer, journal reads, journal retention.
    private readonly RoomMembership<IActorRef> _members;
    private readonly RoomBatch<RoomAck> _batch;
    private readonly RoomReads<IActorRef> _reads;
    private readonly RoomRetention _retention;
    private readonly RoomPurge _purges;
    private readonly RoomJournalPurge _purge;

    // beej-chat-protocol connections that have not joined: the original protocol delivers every
    // broadcast to a socket from the moment it is accepted.
    private readonly HashSet<IActorRef> _listeners = [];

    // Everything the room tells a connection, member, listener or asker goes through it: directly
    // on this node, through the target node's relay otherwise (a broadcast once per node).
    private readonly RoomOutbox _outbox;
    private readonly RoomDelivery _delivery;

    private bool _passivating;
    private bool _stopping;
    private int _reportedMembers;
    private bool _presenceAfterBatch;

    /// <param name="purge">How the store purges deleted messages' text (<see cref="RoomJournalPurge"/>); null: <see cref="RoomJournalPurges.None"/>.</param>
    public RoomActor(string room, RoomLimits limits, RoomSettings settings, ILogger logger, TimeProvider time, ChatMetrics? metrics = null, IActorRef? directory = null, RoomJournalPurge? purge = null)
    {
        _directory = directory;
        ArgumentException.ThrowIfNullOrEmpty(room);
        _room = room;
        _limits = limits;
        _settings = settings;
        _logger = logger;
        _time = time;
        _state = new RoomState(room, limits);
        _members = new RoomMembership<IActorRef>(room, limits.MaxPresenceList, settings.PresenceGrace);
        _batch = new RoomBatch<RoomAck>(settings.MaxBatchPosts);
        _reads = new RoomReads<IActorRef>(settings.MaxJournalReads);
        _retention = new RoomRetention(settings.SnapshotEvery);
        _purges = new RoomPurge(settings.MaxPurgeRows);
        _purge = purge ?? RoomJournalPurges.None;
        _outbox = new RoomOutbox(Self, Context.System, metrics);
        _delivery = new RoomDelivery(room, _outbox, _members, _listeners, settings.MaxHeldFrames, metrics, StandingOf);
        if (settings.JournalPluginId is { } journal)
        {
            JournalPluginId = journal;
        }

        if (settings.SnapshotPluginId is { } snapshots)
        {
            SnapshotPluginId = snapshots;
        }

        Recover<SnapshotOffer>(OnSnapshotOffer);
        Recover<RoomEvent>(e => _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<Enter>(OnEnter);
        Command<Listen>(OnListen);
        Command<Leave>(OnLeave);
        Command<Post>(OnPost);
        Command<ReadHistory>(r => AnswerHistory(Sender, r.Ref, _reads.DecideHistory(_state, Sender, r.Before, r.Limit, r.Ref)));
        Command<RenameMember>(OnRenameMember);
        Command<Configure>(OnConfigure);
        Command<Grant>(OnGrant);
        Command<Moderate>(OnModerate);
        Command<ReadBans>(OnReadBans);
        Command<ReadAudit>(OnReadAudit);
        Command<DeleteMessage>(OnDeleteMessage);
        Command<RoomContract.SessionEnded>(e => Removing(e.SessionId));
        Command<GetStatus>(_ => _outbox.Tell(Sender, CurrentStatus()));
        Command<Flush>(_ =>
        {
            _batch.FlushArrived();
            FlushBatch();
        });
        Command<PresenceDue>(_ => FlushPresence());
        Command<GraceOver>(over => Perform(_members.GraceOver(over.SessionId, over.Generation)));
        Command<RetentionDue>(_ =>
        {
            // An open batch applies retention when it is written.
            if (!_batch.IsOpen)
            {
                FlushBatch();
            }
        });
        Command<ApplyRetention>(_ =>
        {
            // Recovery already applied it when this woke the room; an awake room applies it now.
            if (!_batch.IsOpen)
            {
                FlushBatch();
            }

            _outbox.Tell(Sender, CurrentStatus());

            // Woken by a sweep, an empty room need not wait out its idle timeout.
            OnIdle();
        });
        Command<Terminated>(t =>
        {
            if (!_listeners.Remove(t.ActorRef))
            {
                Perform(_members.ConnectionDied(t.ActorRef));
            }
        });
        Command<RoomJournalReader.JournalRead>(r => OnReadDone(_reads.Completed(r.ReadId, r.Messages, _state), r.ReadId, "messages missing"));
        Command<RoomJournalReader.JournalReadFailed>(f => OnReadDone(_reads.Failed(f.ReadId), f.ReadId, f.Reason));
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f =>
        {
            _retention.SaveFailed();
            _logger.RoomHousekeepingFailed(f.Cause, _room, "saving a snapshot");
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f =>
        {
            _retention.DeleteFailed();
            _logger.RoomHousekeepingFailed(f.Cause, _room, "deleting trimmed journal entries");
        });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _logger.RoomHousekeepingFailed(f.Cause, _room, "deleting old snapshots"));
        Command<ReceiveTimeout>(_ => OnIdle());
        Command<StopRoom>(_ => OnStop());
        ReceiveApi();
        ReceivePurge();
    }

    public override string PersistenceId => "room-" + _room;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="directory">Where the room reports its member count (<see cref="RoomContract.Occupancy"/>); null: its parent, the <see cref="RoomRegion"/>.</param>
    /// <param name="purge">How the store purges deleted messages' text; null: <see cref="RoomJournalPurges.None"/>.</param>
    public static Props Props(string room, RoomLimits limits, RoomSettings settings, ILogger logger, TimeProvider? time = null, ChatMetrics? metrics = null, IActorRef? directory = null, RoomJournalPurge? purge = null) =>
        Akka.Actor.Props.Create(() => new RoomActor(room, limits, settings, logger, time ?? TimeProvider.System, metrics, directory, purge));

    private RoomContract.Status CurrentStatus() => new(
        _room, _state.Position, _state.FirstKeptOffset, _state.SequenceNr, _members.Count, _members.Attached, _members.Presence.HasChanges, _members.Presence.Published.Names, Governance.Rules);

    // ---- recovery ----

    private void OnSnapshotOffer(SnapshotOffer offer)
    {
        if (offer.Snapshot is not RoomSnapshot snapshot || snapshot.SequenceNr != offer.Metadata.SequenceNr)
        {
            throw new InvalidOperationException($"Room \"{_room}\": the snapshot at sequence number {offer.Metadata.SequenceNr} is not this room's state.");
        }

        _state = RoomState.FromSnapshot(snapshot, _limits);
        _retention.Recovered(snapshot.SequenceNr);
    }

    private void OnRecovered()
    {
        if (_state.SequenceNr != LastSequenceNr)
        {
            throw new InvalidOperationException(
                $"Room \"{_room}\": the journal ends at sequence number {LastSequenceNr} but its events make {_state.SequenceNr}.");
        }

        Context.SetReceiveTimeout(_settings.IdleTimeout);
        Timers.StartPeriodicTimer(RetentionTimer, RetentionDue.Instance, _settings.RetentionInterval);
        StartPurgeTimer();
        if (!_state.IsStarted)
        {
            // Persist (not PersistAll of a batch): commands wait until the room has its epoch.
            Persist(_state.DecideStart(RoomState.NewEpoch()), started =>
            {
                _state.Apply(started);
                _logger.RoomHistoryStarted(_room, started.Epoch);
            });
            return;
        }

        _logger.RoomRecovered(_room, _state.LastOffset, _state.Position.Epoch, _state.SequenceNr);

        // A room wakes up after any time asleep: apply retention by age now.
        FlushBatch();
    }

    // ---- passivation ----

    private void OnIdle()
    {
        if (_passivating || _members.Count > 0 || _listeners.Count > 0 || _batch.IsOpen || _reads.Count > 0)
        {
            return;
        }

        // Deleted text still in the journal is purged before the room sleeps (then this is called again).
        if (PurgeBeforeIdle())
        {
            return;
        }

        _passivating = true;
        _logger.RoomPassivating(_room);
        Context.Parent.Tell(new Passivate(StopRoom.Instance));
    }

    private void OnStop()
    {
        _stopping = true;
        if (_batch.IsOpen)
        {
            FlushBatch();
        }

        TryStop();
    }

    private void TryStop()
    {
        if (_stopping && !_batch.IsWriting && !_batch.IsOpen && _reads.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    protected override void PostStop()
    {
        // A failed room's members enter again on RoomStopped: its EntityHost holds what they send
        // from now on until the next incarnation (after a backoff), so nothing is handed to the
        // dying one.
        Context.Parent.Tell(EntityHost.Stopping.Instance);
        _delivery.Stopped(_state.IsStarted ? _state.Position : null);
        base.PostStop();
    }

    private void RefuseInvalid(object request, string reason, string? requestRef)
    {
        _logger.RoomInvalidRequest(_room, request.GetType().Name, reason);
        _outbox.Tell(Sender, new Refused(_room, ErrorCodes.InvalidPacket, $"Invalid request: {reason}.", requestRef));
    }

    // The room's own reminders (self and timers) never leave it, so they are not serialized even
    // when every message is (akka.actor.serialize-messages, the tests' cross-node check).
    private sealed record Flush : INoSerializationVerificationNeeded
    {
        public static readonly Flush Instance = new();
    }

    private sealed record PresenceDue : INoSerializationVerificationNeeded
    {
        public static readonly PresenceDue Instance = new();
    }

    /// <summary>Periodic, and no activity: it must not keep an idle room from passivating.</summary>
    private sealed record RetentionDue : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static readonly RetentionDue Instance = new();
    }

    private sealed record GraceOver(string SessionId, long Generation) : INoSerializationVerificationNeeded;
}
