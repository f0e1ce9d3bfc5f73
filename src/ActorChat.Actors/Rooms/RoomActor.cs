using System.Diagnostics;
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
/// One <c>actorchat.v1</c> room: a persistent actor (persistence id <c>room-{name}</c>) created by
/// <see cref="RoomRegion"/>, applying <see cref="RoomState"/> exactly per its batching contract, and
/// the room's membership and presence, which are not persisted (members enter again after a restart).
/// </summary>
/// <remarks>
/// <para>
/// <b>Writes.</b> Posts are decided as they arrive and collected into the open batch; the first one
/// tells the room a <see cref="Flush"/>, which arrives after the posts already queued in the mailbox,
/// and the batch is then written with one <c>PersistAll</c> (a batch reaching
/// <see cref="RoomSettings.MaxBatchPosts"/> is written at once). While a batch is written the room
/// handles nothing else (Akka stashes commands until every handler of a <c>PersistAll</c> has run), so
/// the posts that arrive meanwhile form the next batch: the slower the journal, the larger the batches.
/// Each event is applied in its handler; after the last one every member gets one
/// <see cref="ConnectionActor.Deliver"/>: its acks first, then the batch's messages encoded once per
/// protocol in use.
/// </para>
/// <para>
/// <b>Presence.</b> Members are sessions, watched through their connection. A connection that dies
/// leaves its member shown for <see cref="RoomSettings.PresenceGrace"/>; the session entering again
/// within it changes nothing anyone sees. Joins, leaves and renames are coalesced by
/// <see cref="PresenceBuffer"/> and sent every <see cref="RoomLimits.PresenceInterval"/> at most, one
/// frame per diff per protocol (beej: one frame per name, as always). A joiner's reply lists the names
/// as the last diff left them, plus its own: the next diff then takes every member, the joiner too,
/// to the same list (a list of the names present at the very moment of the join would not: a name
/// that came and went within the interval is in no diff, and would stay in that joiner's list for
/// good). So joiners of one interval share one cached list, and the joiner's own name may come again
/// in the next diff's joins (a v1 client applies diffs as set operations). A beej member does not get
/// its own <c>chat-join</c> twice (its reply carries it, as the original protocol's join did), and a
/// message is never broadcast before its author's join: a batch with such a message sends the
/// presence diff first.
/// </para>
/// <para>
/// <b>Reads.</b> Joins and history pages are answered from the durable state. A slice reaching past
/// the in-memory tail is read from the journal by a <see cref="RoomJournalReader"/> child, at most
/// <see cref="RoomSettings.MaxJournalReads"/> at once, without holding up the room. A member whose
/// <c>joined</c> waits on such a read already receives the room's events; they are held (bounded) and
/// sent right after it. A read that fails, times out or cannot run answers a join from memory
/// (<c>recovered: false</c> when it asked to recover, never a silent partial recovery) and refuses a
/// history page with <see cref="Unavailable"/>.
/// </para>
/// <para>
/// <b>Failure.</b> A rejected write throws (the region stops the room; its next message recovers it
/// from the journal); a failed write stops it (Akka). Members still attached are told
/// <see cref="RoomStopped"/>.
/// </para>
/// <para>
/// <b>Delivery.</b> Everything the room tells a connection (replies, acks, pages, broadcasts,
/// <see cref="RoomStopped"/>) goes through its <see cref="RoomOutbox"/>: directly to a connection
/// on the room's node, through the <see cref="NodeRelay"/> of another node otherwise, one message
/// per node for a broadcast; one path per connection keeps the room's order.
/// </para>
/// </remarks>
public sealed class RoomActor : ReceivePersistentActor, IWithTimers
{
    private const string PresenceTimer = "presence";
    private const string RetentionTimer = "retention";

    private readonly string _room;
    private readonly RoomLimits _limits;
    private readonly RoomSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ChatMetrics? _metrics;

    // Where member counts go for `rooms`: the region (one node), or the node's directory (a
    // cluster, where the parent is a shard that knows nothing of them).
    private readonly IActorRef? _directory;
    private RoomState _state;

    // The pure parts: who is in (and shown), the batch writer, journal reads, journal retention.
    private readonly RoomMembership<IActorRef> _members;
    private readonly RoomBatch<PendingAck> _batch;
    private readonly RoomReads<IActorRef> _reads;
    private readonly RoomRetention _retention;

    // beej-chat-protocol connections that have not joined: the original protocol delivers every
    // broadcast to a socket from the moment it is accepted.
    private readonly HashSet<IActorRef> _listeners = [];

    // Everything the room tells a connection, member, listener or asker goes through it: directly
    // on this node, through the target node's relay otherwise (a broadcast once per node).
    private readonly RoomOutbox _outbox;

    private bool _passivating;
    private bool _stopping;
    private int _reportedMembers;
    private bool _presenceAfterBatch;

    public RoomActor(string room, RoomLimits limits, RoomSettings settings, ILogger logger, TimeProvider time, ChatMetrics? metrics = null, IActorRef? directory = null)
    {
        _metrics = metrics;
        _directory = directory;
        ArgumentException.ThrowIfNullOrEmpty(room);
        _room = room;
        _limits = limits;
        _settings = settings;
        _logger = logger;
        _time = time;
        _state = new RoomState(room, limits);
        _members = new RoomMembership<IActorRef>(room, limits.MaxPresenceList, settings.PresenceGrace);
        _batch = new RoomBatch<PendingAck>(settings.MaxBatchPosts);
        _reads = new RoomReads<IActorRef>(settings.MaxJournalReads);
        _retention = new RoomRetention(settings.SnapshotEvery);
        _outbox = new RoomOutbox(Self, Context.System, metrics);
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
    }

    public override string PersistenceId => "room-" + _room;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="directory">Where the room reports its member count (<see cref="RoomContract.Occupancy"/>); null: its parent, the <see cref="RoomRegion"/>.</param>
    public static Props Props(string room, RoomLimits limits, RoomSettings settings, ILogger logger, TimeProvider? time = null, ChatMetrics? metrics = null, IActorRef? directory = null) =>
        Akka.Actor.Props.Create(() => new RoomActor(room, limits, settings, logger, time ?? TimeProvider.System, metrics, directory));

    private RoomContract.Status CurrentStatus() => new(
        _room, _state.Position, _state.FirstKeptOffset, _state.SequenceNr, _members.Count, _members.Attached, _members.Presence.HasChanges, _members.Presence.Published.Names);

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

    // ---- membership ----

    private void OnEnter(Enter enter)
    {
        var connection = enter.Member is { } given && !given.IsNobody() ? given : null;
        var invalid = string.IsNullOrEmpty(enter.SessionId) ? "no session id"
            : string.IsNullOrEmpty(enter.Name) ? "no name"
            : connection is null ? "no member"
            : RoomEventEncoders.Find(enter.Subprotocol) is null ? $"unknown subprotocol \"{enter.Subprotocol}\""
            : null;
        if (invalid is not null || connection is null || RoomEventEncoders.Find(enter.Subprotocol) is not { } encoder)
        {
            RefuseInvalid(enter, invalid ?? "no member", enter.Ref);
            return;
        }

        var atOnce = encoder.PresenceAtOnce;
        if (atOnce)
        {
            // The original protocol shows each change at once, in order with the messages: what
            // others changed goes out first, then this join, so its chat-users is exact.
            FlushPresence(atOnceOnly: true);
        }

        if (_listeners.Remove(connection))
        {
            Context.Unwatch(connection);
        }

        if (_members.Find(enter.SessionId) is { } member)
        {
            member.Encoder = encoder;
            if (!connection.Equals(member.Connection))
            {
                Attach(member, connection);
            }

            Perform(_members.Rename(member, enter.Name));
        }
        else
        {
            (member, var added) = _members.Add(enter.SessionId, enter.Name, encoder);
            Perform(added);
            Attach(member, connection);
            Perform(_members.ShowJoined(member));
        }

        if (atOnce)
        {
            // Its own chat-join reaches it with everyone's, before its chat-users.
            FlushPresence(atOnceOnly: true);
        }

        AnswerEnter(member, enter.Since, enter.Limit, enter.Ref);
    }

    /// <summary>Moves the member to its connection; a removal on the way is shown before the member is attached.</summary>
    private void Attach(Member member, IActorRef connection)
    {
        Perform(_members.Release(member, connection));
        Perform(_members.Attach(member, connection));
    }

    private void OnListen(Listen listen)
    {
        if (listen.Connection is { } connection && !connection.IsNobody() && !_members.IsConnection(connection) && _listeners.Add(connection))
        {
            Context.Watch(connection);
        }

        if (listen.Ack is { } ack)
        {
            _outbox.Tell(Sender, ack);
        }
    }

    private void OnLeave(Leave leave)
    {
        if (string.IsNullOrEmpty(leave.SessionId))
        {
            RefuseInvalid(leave, "no session id", leave.Ref);
            return;
        }

        var fact = new RoomLeft(_room, leave.Ref);
        if (_members.Find(leave.SessionId) is not { } member)
        {
            // Leaving is idempotent; only actorchat.v1 has leave.
            _outbox.Tell(Sender, new ConnectionActor.Deliver(RoomEventEncoders.V1.Left(fact)!.Value));
            return;
        }

        if (member.Pending is not null)
        {
            // Its join gets its answer first, in order.
            CompleteFromMemory(member);
        }

        var connection = member.Connection ?? Sender;
        var left = member.Encoder.Left(fact);
        Removing(member.SessionId);
        if (left is { } frame)
        {
            _outbox.Tell(connection, new ConnectionActor.Deliver(frame));
        }
    }

    private void OnRenameMember(RenameMember rename)
    {
        if (string.IsNullOrEmpty(rename.SessionId) || string.IsNullOrEmpty(rename.NewName))
        {
            _logger.RoomInvalidRequest(_room, nameof(RenameMember), "no session id or no name");
            return;
        }

        if (_members.Find(rename.SessionId) is { } member)
        {
            Perform(_members.Rename(member, rename.NewName));
            FlushIfOriginal(member);
        }
    }

    private void Removing(string sessionId)
    {
        if (_members.Find(sessionId) is { } member)
        {
            Perform(_members.Remove(member));
            FlushIfOriginal(member);
        }
    }

    /// <summary>Performs what a change of membership asks for, in order.</summary>
    private void Perform(IReadOnlyList<MemberEffect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case MemberEffect.Watch watch:
                    Context.Watch((IActorRef)watch.Connection);
                    break;
                case MemberEffect.Unwatch unwatch:
                    Context.Unwatch((IActorRef)unwatch.Connection);
                    break;
                case MemberEffect.StartGrace grace:
                    Timers.StartSingleTimer(GraceKey(grace.SessionId), new GraceOver(grace.SessionId, grace.Generation), grace.After);
                    break;
                case MemberEffect.CancelGrace cancel:
                    Timers.Cancel(GraceKey(cancel.SessionId));
                    break;
                case MemberEffect.PresenceChanged:
                    if (!Timers.IsTimerActive(PresenceTimer))
                    {
                        Timers.StartSingleTimer(PresenceTimer, PresenceDue.Instance, _limits.PresenceInterval);
                    }

                    break;
                case MemberEffect.Occupancy occupancy when occupancy.Members != _reportedMembers:
                    // For `rooms`: one small message per change, to the region or the node's directory.
                    _reportedMembers = occupancy.Members;
                    (_directory ?? Context.Parent).Tell(new RoomContract.Occupancy(_room, _reportedMembers));
                    break;
                case MemberEffect.Joined joined:
                    _logger.UserJoined(_room, joined.Name);
                    break;
                case MemberEffect.Left left:
                    _logger.UserLeft(_room, left.Name);
                    break;
                case MemberEffect.Renamed renamed:
                    _logger.UserRenamed(_room, renamed.From, renamed.To);
                    break;
                case MemberEffect.Removed removed:
                    FlushIfOriginal((Member)removed.Member);
                    break;
            }
        }
    }

    /// <summary>
    /// A change by a <c>beej-chat-protocol</c> member is shown at once, in order with the messages, as
    /// the original protocol did: right away, or right after the messages posted before it are durable.
    /// </summary>
    private void FlushIfOriginal(Member member)
    {
        if (!member.Encoder.PresenceAtOnce)
        {
            return;
        }

        if (_batch.IsOpen || _batch.IsWriting)
        {
            _presenceAfterBatch = true;
        }
        else
        {
            FlushPresence(atOnceOnly: true);
        }
    }

    private static string GraceKey(string sessionId) => "grace:" + sessionId;

    // ---- presence ----

    /// <summary>
    /// Sends the presence changes since the last diff to every attached member, one diff per
    /// audience encoded once per protocol: those who take coalesced diffs unless
    /// <paramref name="atOnceOnly"/> (a seed-protocol change, which its protocol shows at once; the
    /// others get it at the interval), and those who see changes at once.
    /// </summary>
    private void FlushPresence(bool atOnceOnly = false)
    {
        var (coalesced, atOnce, intervalOver) = _members.FlushPresence(atOnceOnly);
        if (coalesced is not null || atOnce is not null)
        {
            _outbox.BeginBroadcast();
            var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
            foreach (var member in _members.Members)
            {
                if (member.Connection is not null && (member.Encoder.PresenceAtOnce ? atOnce : coalesced) is { } diff)
                {
                    Send(member, PresenceFrames(encoded, member.Encoder, diff));
                }
            }

            if (atOnce is not null)
            {
                foreach (var listener in _listeners)
                {
                    _outbox.Deliver(listener, PresenceFrames(encoded, RoomEventEncoders.Beej, atOnce));
                }
            }

            _outbox.EndBroadcast();
        }

        if (intervalOver)
        {
            // Otherwise the coalesced audience has not been told yet: its timer stays.
            Timers.Cancel(PresenceTimer);
        }
    }

    private static ConnectionActor.Deliver PresenceFrames(Dictionary<IRoomEventEncoder, ConnectionActor.Deliver> encoded, IRoomEventEncoder encoder, PresenceDiff diff)
    {
        if (!encoded.TryGetValue(encoder, out var deliver))
        {
            encoded[encoder] = deliver = new ConnectionActor.Deliver(encoder.Presence(diff));
        }

        return deliver;
    }

    // ---- delivery ----

    /// <summary>Tells <paramref name="deliver"/> to the member's connection, or holds it while its <c>joined</c> waits on a journal read.</summary>
    private void Send(Member member, ConnectionActor.Deliver deliver)
    {
        if (member.Connection is not { } connection)
        {
            return;
        }

        if (member.Pending is { } pending)
        {
            if (pending.TryHold(deliver.Frames, _settings.MaxHeldFrames))
            {
                return;
            }

            CompleteFromMemory(member);
        }

        _outbox.Deliver(connection, deliver);
    }

    // ---- joins and history pages ----

    private void AnswerEnter(Member member, StreamPosition? since, int? limit, string? requestRef)
    {
        if (member.Pending is not null)
        {
            // An earlier join still waiting gets its answer first: one reply per request, in order.
            CompleteFromMemory(member);
        }

        var join = _state.Join(since, limit);
        var list = _members.Presence.ListFor(member.Name, member.Encoder.PresenceAtOnce);
        var answer = _reads.DecideEnter(member.SessionId, join);
        if (answer.Busy)
        {
            _logger.RoomReadsBusy(_room, _reads.Count);
        }

        if (answer is { ReadId: { } readId, Range: { } range })
        {
            StartRead(readId, range);
            member.Pending = new PendingEnter(readId, join, list, requestRef);
            return;
        }

        ReplyEntered(member, join, answer.Messages, answer.Recovered, list, requestRef);
    }

    private void CompleteEnter(Member member, IReadOnlyList<ChatMessage> messages, bool? recovered)
    {
        var pending = member.Pending!;
        member.Pending = null;
        ReplyEntered(member, pending.Join, messages, recovered, pending.List, pending.Ref);
        if (pending.Held.Count > 0)
        {
            _outbox.Tell(member.Connection!, new ConnectionActor.Deliver([.. pending.Held]));
        }
    }

    /// <summary>Answers a join waiting on the journal with what memory holds: the newest of its messages, never claiming recovery.</summary>
    private void CompleteFromMemory(Member member)
    {
        var join = member.Pending!.Join;
        CompleteEnter(member, join.Messages.InMemory, RoomReads.FromMemory(join));
    }

    private void ReplyEntered(Member member, JoinHistory join, IReadOnlyList<ChatMessage> messages, bool? recovered, MemberList list, string? requestRef)
    {
        var position = new StreamPosition(join.Epoch, join.Offset);
        var frames = member.Encoder.Entered(new RoomEntered(_room, requestRef, member.Name, position, list.Names, list.Count, messages, recovered));
        _outbox.Tell(member.Connection!, new Entered(_room, position, list.Count, recovered, frames));
    }

    /// <summary>A history page, in the only protocol that has them (a <c>history</c> request comes from actorchat.v1).</summary>
    private void AnswerHistory(IActorRef replyTo, string? requestRef, HistoryAnswer answer)
    {
        switch (answer)
        {
            case HistoryAnswered page:
                _outbox.Tell(replyTo, new ConnectionActor.Deliver(RoomEventEncoders.V1.History(new HistoryPageRead(_room, requestRef, page.Messages, page.More))!.Value));
                break;
            case HistoryReading reading:
                StartRead(reading.ReadId, reading.Range);
                break;
            case HistoryUnavailable unavailable:
                if (unavailable.Busy)
                {
                    _logger.RoomReadsBusy(_room, _reads.Count);
                }

                _outbox.Tell(replyTo, new Refused(_room, Unavailable, "The room's history cannot be read now; try again.", requestRef));
                break;
        }
    }

    // ---- journal reads ----

    private void StartRead(long readId, JournalRange range) =>
        Context.ActorOf(RoomJournalReader.Props(Journal, PersistenceId, readId, range, _settings.JournalReadTimeout));

    private void OnReadDone(RoomReads<IActorRef>.ReadOutcome? outcome, long readId, string reason)
    {
        switch (outcome)
        {
            case null:
                return;
            case RoomReads<IActorRef>.EnterReadOutcome enter:
                if (enter.Messages is null)
                {
                    _logger.RoomJournalReadFailed(_room, enter.Range.FromOffset, enter.Range.ToOffset, reason);
                }

                if (_members.Waiting(enter.SessionId, readId) is { } member)
                {
                    var (messages, recovered, incomplete) = RoomReads.CompleteJoin(member.Pending!.Join, enter.Messages);
                    if (incomplete)
                    {
                        _logger.RoomJournalReadFailed(_room, enter.Range.FromOffset, enter.Range.ToOffset, reason);
                    }

                    CompleteEnter(member, messages, recovered);
                }

                break;
            case RoomReads<IActorRef>.HistoryReadOutcome history:
                if (history.Answer is HistoryUnavailable { Busy: false })
                {
                    _logger.RoomJournalReadFailed(_room, history.Range.FromOffset, history.Range.ToOffset, reason);
                }

                AnswerHistory(history.ReplyTo, history.Ref, history.Answer);
                break;
        }

        TryStop();
    }

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

        var ack = new PendingAck(0, member.SessionId, member.Connection ?? Sender, member.Encoder, post.Ref);
        var step = BatchStep.None;
        switch (_state.DecidePost(post.SessionId, member.Name, post.Text, post.Cid, _time.GetUtcNow()))
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
                    Send(member, new ConnectionActor.Deliver(frame));
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

    /// <summary>The batch is durable: each member gets its acks, then the messages, in one Deliver.</summary>
    private void FinishBatch(WrittenBatch<PendingAck> written)
    {
        var applied = written.Messages;
        if (applied.Any(p => _members.Find(p.SessionId) is { JoinUnannounced: true }))
        {
            FlushPresence();
        }

        Dictionary<Member, List<ReadOnlyMemory<byte>>>? acks = null;
        foreach (var ack in written.Acks)
        {
            if (ack.Encoder.Acked(new PostAcked(_room, ack.Ref, ack.Offset)) is not { } frame)
            {
                continue;
            }

            if (_members.Find(ack.SessionId) is { Connection: not null } member)
            {
                acks ??= [];
                if (!acks.TryGetValue(member, out var frames))
                {
                    acks[member] = frames = [];
                }

                frames.Add(frame);
            }
            else
            {
                // It left (or its connection died) after posting: the ack still goes where the post came from.
                _outbox.Tell(ack.Connection, new ConnectionActor.Deliver(frame));
            }
        }

        if (applied.Count > 0 || acks is not null)
        {
            var start = Stopwatch.GetTimestamp();
            _outbox.BeginBroadcast();
            // Encoded once per protocol in use, the same bytes for every member of it.
            var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
            foreach (var member in _members.Members)
            {
                if (member.Connection is null)
                {
                    continue;
                }

                var messages = applied.Count == 0 ? null : Encoded(encoded, member.Encoder, applied);
                if (acks is not null && acks.TryGetValue(member, out var own))
                {
                    Send(member, new ConnectionActor.Deliver([.. own, .. messages?.Frames ?? []]));
                }
                else if (messages is not null)
                {
                    Send(member, messages);
                }
            }

            if (applied.Count > 0)
            {
                foreach (var listener in _listeners)
                {
                    _outbox.Deliver(listener, Encoded(encoded, RoomEventEncoders.Beej, applied));
                }
            }

            _outbox.EndBroadcast();
            _metrics?.FanOut(Stopwatch.GetElapsedTime(start));
        }

        if (_presenceAfterBatch)
        {
            _presenceAfterBatch = false;
            FlushPresence(atOnceOnly: true);
        }

        MaybeSnapshot();
        TryStop();
    }

    private static ConnectionActor.Deliver Encoded(Dictionary<IRoomEventEncoder, ConnectionActor.Deliver> encoded, IRoomEventEncoder encoder, IReadOnlyList<MessagePosted> applied)
    {
        if (!encoded.TryGetValue(encoder, out var deliver))
        {
            var frames = new ReadOnlyMemory<byte>[applied.Count];
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = encoder.Message(applied[i].Message);
            }

            encoded[encoder] = deliver = new ConnectionActor.Deliver(frames);
        }

        return deliver;
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

    // ---- passivation ----

    private void OnIdle()
    {
        if (_passivating || _members.Count > 0 || _listeners.Count > 0 || _batch.IsOpen || _reads.Count > 0)
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
        // Whoever is still attached (a join that raced passivation, or a failure) must enter again.
        foreach (var member in _members.Members)
        {
            if (member.Connection is { } connection)
            {
                _outbox.Tell(connection, new RoomStopped(_room, member.Pending is null && _state.IsStarted ? _state.Position : null));
            }
        }

        foreach (var listener in _listeners)
        {
            _outbox.Tell(listener, new RoomStopped(_room, null));
        }

        base.PostStop();
    }

    private void RefuseInvalid(object request, string reason, string? requestRef)
    {
        _logger.RoomInvalidRequest(_room, request.GetType().Name, reason);
        _outbox.Tell(Sender, new Refused(_room, ErrorCodes.InvalidPacket, $"Invalid request: {reason}.", requestRef));
    }

    private readonly record struct PendingAck(long Offset, string SessionId, IActorRef Connection, IRoomEventEncoder Encoder, string? Ref);

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
