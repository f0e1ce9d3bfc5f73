using System.Diagnostics;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;

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
    private const int MaxHistoryAttempts = 3;

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

    // Members by session id and by connection; who is shown, and what each audience was told (RoomPresence).
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, Member> _byConnection = [];
    private readonly RoomPresence _presence;
    private readonly List<Member> _marked = [];

    // beej-chat-protocol connections that have not joined: the original protocol delivers every
    // broadcast to a socket from the moment it is accepted.
    private readonly HashSet<IActorRef> _listeners = [];

    // Everything the room tells a connection, member, listener or asker goes through it: directly
    // on this node, through the target node's relay otherwise (a broadcast once per node).
    private readonly RoomOutbox _outbox;

    // The open batch: decided, not yet written.
    private readonly List<RoomEvent> _batch = [];
    private readonly List<PendingAck> _batchAcks = [];
    private int _batchPosts;
    private bool _flushQueued;

    // The batch being written.
    private PendingAck[] _writtenAcks = [];
    private readonly List<MessagePosted> _applied = [];
    private int _unapplied;
    private bool _writing;

    private long _lastSnapshotSequenceNr;
    private bool _snapshotting;
    private long _deletedUpTo;

    private readonly Dictionary<long, PendingRead> _reads = [];
    private long _lastReadId;

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
        _presence = new RoomPresence(room, limits.MaxPresenceList);
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
        Command<ReadHistory>(r => AnswerHistory(Sender, r.Before, r.Limit, r.Ref, _state.History(r.Before, r.Limit), attempt: 1));
        Command<RenameMember>(OnRenameMember);
        Command<RoomContract.SessionEnded>(e => WithMember(e.SessionId, member =>
        {
            Remove(member);
            FlushIfOriginal(member);
        }));
        Command<GetStatus>(_ => _outbox.Tell(Sender, CurrentStatus()));
        Command<Flush>(_ =>
        {
            _flushQueued = false;
            FlushBatch();
        });
        Command<PresenceDue>(_ => FlushPresence());
        Command<GraceOver>(OnGraceOver);
        Command<RetentionDue>(_ =>
        {
            // An open batch applies retention when it is written.
            if (_batch.Count == 0)
            {
                FlushBatch();
            }
        });
        Command<ApplyRetention>(_ =>
        {
            // Recovery already applied it when this woke the room; an awake room applies it now.
            if (_batch.Count == 0)
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
                OnConnectionDied(t.ActorRef);
            }
        });
        Command<RoomJournalReader.JournalRead>(OnJournalRead);
        Command<RoomJournalReader.JournalReadFailed>(OnJournalReadFailed);
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f =>
        {
            _snapshotting = false;
            _logger.RoomHousekeepingFailed(f.Cause, _room, "saving a snapshot");
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f =>
        {
            _deletedUpTo = 0;
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
        _room, _state.Position, _state.FirstKeptOffset, _state.SequenceNr, _members.Count, _byConnection.Count, _presence.HasChanges, _presence.Published.Names);

    // ---- recovery ----

    private void OnSnapshotOffer(SnapshotOffer offer)
    {
        if (offer.Snapshot is not RoomSnapshot snapshot || snapshot.SequenceNr != offer.Metadata.SequenceNr)
        {
            throw new InvalidOperationException($"Room \"{_room}\": the snapshot at sequence number {offer.Metadata.SequenceNr} is not this room's state.");
        }

        _state = RoomState.FromSnapshot(snapshot, _limits);
        _lastSnapshotSequenceNr = snapshot.SequenceNr;
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

        if (_members.TryGetValue(enter.SessionId, out var member))
        {
            member.Encoder = encoder;
            if (!connection.Equals(member.Connection))
            {
                Attach(member, connection);
            }

            Rename(member, enter.Name);
        }
        else
        {
            member = new Member(enter.SessionId, enter.Name, encoder);
            _members.Add(member.SessionId, member);
            _logger.UserJoined(_room, member.Name);
            Attach(member, connection);
            if (Show(member.Name))
            {
                Mark(member).JoinUnannounced = true;
            }

            ReportOccupancy();
        }

        if (atOnce)
        {
            // Its own chat-join reaches it with everyone's, before its chat-users.
            FlushPresence(atOnceOnly: true);
        }

        AnswerEnter(member, enter.Since, enter.Limit, enter.Ref);
    }

    private void OnListen(Listen listen)
    {
        if (listen.Connection is { } connection && !connection.IsNobody() && !_byConnection.ContainsKey(connection) && _listeners.Add(connection))
        {
            Context.Watch(connection);
        }

        if (listen.Ack is { } ack)
        {
            _outbox.Tell(Sender, ack);
        }
    }

    private void Attach(Member member, IActorRef connection)
    {
        // A resumed session moves to its new connection; answers and events meant for the old one stop.
        Detach(member);
        if (_byConnection.Remove(connection, out var previous) && previous != member)
        {
            // The connection now speaks for another session: the old one is as good as disconnected.
            previous.Connection = null;
            previous.Pending = null;
            StartGrace(previous);
        }

        member.Connection = connection;
        _byConnection[connection] = member;
        Context.Watch(connection);
        member.GraceGeneration++;
        Timers.Cancel(GraceKey(member));
    }

    private void Detach(Member member)
    {
        if (member.Connection is { } old)
        {
            _byConnection.Remove(old);
            Context.Unwatch(old);
            member.Connection = null;
        }

        member.Pending = null;
    }

    private void OnLeave(Leave leave)
    {
        if (string.IsNullOrEmpty(leave.SessionId))
        {
            RefuseInvalid(leave, "no session id", leave.Ref);
            return;
        }

        var fact = new RoomLeft(_room, leave.Ref);
        if (!_members.TryGetValue(leave.SessionId, out var member))
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
        Remove(member);
        FlushIfOriginal(member);
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

        WithMember(rename.SessionId, member =>
        {
            Rename(member, rename.NewName);
            FlushIfOriginal(member);
        });
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

        if (_batch.Count > 0 || _writing)
        {
            _presenceAfterBatch = true;
        }
        else
        {
            FlushPresence(atOnceOnly: true);
        }
    }

    private void OnConnectionDied(IActorRef connection)
    {
        if (!_byConnection.Remove(connection, out var member))
        {
            return;
        }

        member.Connection = null;
        member.Pending = null;
        member.LastConnection = connection;
        StartGrace(member);
    }

    private void StartGrace(Member member)
    {
        // A beej-chat-protocol member is not removed here even though it cannot resume: what it sent
        // last may still be on its way through the region, which its death notice overtakes. Its
        // connection's Leave (and its session's end) come that way, after those messages; the grace
        // is only the fallback.
        if (_settings.PresenceGrace <= TimeSpan.Zero)
        {
            Remove(member);
            FlushIfOriginal(member);
            return;
        }

        member.GraceGeneration++;
        Timers.StartSingleTimer(GraceKey(member), new GraceOver(member.SessionId, member.GraceGeneration), _settings.PresenceGrace);
    }

    private void OnGraceOver(GraceOver over)
    {
        if (_members.TryGetValue(over.SessionId, out var member) && member.Connection is null && member.GraceGeneration == over.Generation)
        {
            Remove(member);
            FlushIfOriginal(member);
        }
    }

    private void Remove(Member member)
    {
        _members.Remove(member.SessionId);
        _logger.UserLeft(_room, member.Name);
        Detach(member);
        Timers.Cancel(GraceKey(member));
        Hide(member.Name);
        ReportOccupancy();
    }

    /// <summary>Tells the region (or the node's directory) how many members the room has, for <c>rooms</c> (one small message per change).</summary>
    private void ReportOccupancy()
    {
        if (_members.Count != _reportedMembers)
        {
            _reportedMembers = _members.Count;
            (_directory ?? Context.Parent).Tell(new RoomContract.Occupancy(_room, _reportedMembers));
        }
    }

    private void WithMember(string sessionId, Action<Member> action)
    {
        if (_members.TryGetValue(sessionId, out var member))
        {
            action(member);
        }
    }

    private static string GraceKey(Member member) => "grace:" + member.SessionId;

    // ---- presence ----

    /// <summary>Shows <paramref name="name"/> for one more member; true when it was not shown (a join).</summary>
    private bool Show(string name)
    {
        if (!_presence.Show(name))
        {
            return false;
        }

        SchedulePresence();
        return true;
    }

    private void Hide(string name)
    {
        if (_presence.Hide(name))
        {
            SchedulePresence();
        }
    }

    private void Rename(Member member, string to)
    {
        var from = member.Name;
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            return;
        }

        member.Name = to;
        _logger.UserRenamed(_room, from, to);
        if (_presence.Rename(from, to))
        {
            SchedulePresence();
        }
    }

    private void SchedulePresence()
    {
        if (!Timers.IsTimerActive(PresenceTimer))
        {
            Timers.StartSingleTimer(PresenceTimer, PresenceDue.Instance, _limits.PresenceInterval);
        }
    }

    private Member Mark(Member member)
    {
        if (!member.Marked)
        {
            member.Marked = true;
            _marked.Add(member);
        }

        return member;
    }

    /// <summary>
    /// Sends the presence changes since the last diff to every attached member, one diff per
    /// audience encoded once per protocol: those who take coalesced diffs unless
    /// <paramref name="atOnceOnly"/> (a seed-protocol change, which its protocol shows at once; the
    /// others get it at the interval), and those who see changes at once.
    /// </summary>
    private void FlushPresence(bool atOnceOnly = false)
    {
        // With nobody attached who takes coalesced diffs, their view may as well be brought up to date now.
        atOnceOnly = atOnceOnly && _members.Values.Any(m => m.Connection is not null && !m.Encoder.PresenceAtOnce);
        var coalesced = atOnceOnly ? null : _presence.FlushCoalesced();
        var atOnce = _presence.FlushAtOnce();
        if (coalesced is not null || atOnce is not null)
        {
            _outbox.BeginBroadcast();
            var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
            foreach (var member in _members.Values)
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

        if (atOnceOnly)
        {
            // The coalesced audience has not been told yet: its timer stays, and so do the marks.
            return;
        }

        Timers.Cancel(PresenceTimer);
        foreach (var member in _marked)
        {
            member.Marked = false;
            member.JoinUnannounced = false;
        }

        _marked.Clear();
    }

    private static ConnectionActor.Deliver PresenceFrames(Dictionary<IRoomEventEncoder, ConnectionActor.Deliver> encoded, IRoomEventEncoder encoder, PresenceDiff diff)
    {
        if (!encoded.TryGetValue(encoder, out var deliver))
        {
            encoded[encoder] = deliver = new ConnectionActor.Deliver(encoder.Presence(diff));
        }

        return deliver;
    }

    private MemberList ListFor(Member member) => _presence.ListFor(member.Name, member.Encoder.PresenceAtOnce);

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
            if (pending.Held.Count + deliver.Frames.Count <= _settings.MaxHeldFrames)
            {
                pending.Held.AddRange(deliver.Frames);
                return;
            }

            CompleteFromMemory(member);
        }

        _outbox.Deliver(connection, deliver);
    }

    // ---- joins ----

    private void AnswerEnter(Member member, StreamPosition? since, int? limit, string? requestRef)
    {
        if (member.Pending is not null)
        {
            // An earlier join still waiting gets its answer first: one reply per request, in order.
            CompleteFromMemory(member);
        }

        var join = _state.Join(since, limit);
        var list = ListFor(member);
        if (join.Messages.Journal is not { } range)
        {
            ReplyEntered(member, join, join.Messages.InMemory, join.Recovered, list, requestRef);
            return;
        }

        if (_reads.Count >= _settings.MaxJournalReads)
        {
            _logger.RoomReadsBusy(_room, _reads.Count);
            ReplyEntered(member, join, join.Messages.InMemory, FromMemory(join), list, requestRef);
            return;
        }

        var readId = StartRead(range);
        _reads[readId] = new EnterRead(range, member.SessionId);
        member.Pending = new PendingEnter(readId, join, list, requestRef);
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
        CompleteEnter(member, join.Messages.InMemory, FromMemory(join));
    }

    private static bool? FromMemory(JoinHistory join) => join.Recovered is null ? null : false;

    private void ReplyEntered(Member member, JoinHistory join, IReadOnlyList<ChatMessage> messages, bool? recovered, MemberList list, string? requestRef)
    {
        var position = new StreamPosition(join.Epoch, join.Offset);
        var frames = member.Encoder.Entered(new RoomEntered(_room, requestRef, member.Name, position, list.Names, list.Count, messages, recovered));
        _outbox.Tell(member.Connection!, new Entered(_room, position, list.Count, recovered, frames));
    }

    // ---- history ----

    /// <summary>A history page, in the only protocol that has them (a <c>history</c> request comes from actorchat.v1).</summary>
    private ConnectionActor.Deliver HistoryFrame(string? requestRef, IReadOnlyList<ChatMessage> messages, bool more) =>
        new(RoomEventEncoders.V1.History(new HistoryPageRead(_room, requestRef, messages, more))!.Value);

    private void AnswerHistory(IActorRef replyTo, long? before, int? limit, string? requestRef, HistoryPage page, int attempt)
    {
        if (page.Messages.Journal is not { } range)
        {
            _outbox.Tell(replyTo, HistoryFrame(requestRef, page.Messages.InMemory, page.More));
            return;
        }

        if (_reads.Count >= _settings.MaxJournalReads || attempt > MaxHistoryAttempts)
        {
            _logger.RoomReadsBusy(_room, _reads.Count);
            _outbox.Tell(replyTo, new Refused(_room, Unavailable, "The room's history cannot be read now; try again.", requestRef));
            return;
        }

        var readId = StartRead(range);
        _reads[readId] = new HistoryRead(range, replyTo, before, limit, requestRef, page, attempt);
    }

    // ---- journal reads ----

    private long StartRead(JournalRange range)
    {
        var readId = ++_lastReadId;
        Context.ActorOf(RoomJournalReader.Props(Journal, PersistenceId, readId, range, _settings.JournalReadTimeout));
        return readId;
    }

    private void OnJournalRead(RoomJournalReader.JournalRead read)
    {
        if (!_reads.Remove(read.ReadId, out var pending))
        {
            return;
        }

        switch (pending)
        {
            case EnterRead enter when Waiting(enter.SessionId, read.ReadId) is { } member:
                var join = member.Pending!.Join;
                if (join.Messages.TryComplete(read.Messages, out var messages))
                {
                    CompleteEnter(member, messages, join.Recovered);
                }
                else
                {
                    _logger.RoomJournalReadFailed(_room, enter.Range.FromOffset, enter.Range.ToOffset, "messages missing");
                    CompleteFromMemory(member);
                }

                break;
            case HistoryRead history:
                if (history.Page.Messages.TryComplete(read.Messages, out var page))
                {
                    _outbox.Tell(history.ReplyTo, HistoryFrame(history.Ref, page, history.Page.More));
                }
                else
                {
                    // Retention deleted them meanwhile: the state knows, ask it again.
                    AnswerHistory(history.ReplyTo, history.Before, history.Limit, history.Ref, _state.History(history.Before, history.Limit), history.Attempt + 1);
                }

                break;
        }

        TryStop();
    }

    private void OnJournalReadFailed(RoomJournalReader.JournalReadFailed failed)
    {
        if (!_reads.Remove(failed.ReadId, out var pending))
        {
            return;
        }

        _logger.RoomJournalReadFailed(_room, pending.Range.FromOffset, pending.Range.ToOffset, failed.Reason);
        switch (pending)
        {
            case EnterRead enter when Waiting(enter.SessionId, failed.ReadId) is { } member:
                CompleteFromMemory(member);
                break;
            case HistoryRead history:
                _outbox.Tell(history.ReplyTo, new Refused(_room, Unavailable, "The room's history cannot be read now; try again.", history.Ref));
                break;
        }

        TryStop();
    }

    private Member? Waiting(string sessionId, long readId) =>
        _members.TryGetValue(sessionId, out var member) && member.Pending?.ReadId == readId && member.Connection is not null ? member : null;

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
        if (!_members.TryGetValue(post.SessionId, out var member) || (member.Connection is null && !Sender.Equals(member.LastConnection)))
        {
            _outbox.Tell(Sender, new Refused(_room, ErrorCodes.NotInRoom, $"Join the room \"{_room}\" before sending to it.", post.Ref, post));
            return;
        }

        var ack = new PendingAck(0, member.SessionId, member.Connection ?? Sender, member.Encoder, post.Ref);
        switch (_state.DecidePost(post.SessionId, member.Name, post.Text, post.Cid, _time.GetUtcNow()))
        {
            case PostAccepted accepted:
                _batch.Add(accepted.Event);
                _batchAcks.Add(ack with { Offset = accepted.Offset });
                break;
            case PostDuplicate { Pending: true } duplicate:
                // The original is in the open batch: acked once it is durable.
                _batchAcks.Add(ack with { Offset = duplicate.Offset });
                break;
            case PostDuplicate duplicate:
                if (member.Encoder.Acked(new PostAcked(_room, post.Ref, duplicate.Offset)) is { } frame)
                {
                    Send(member, new ConnectionActor.Deliver(frame));
                }

                return;
        }

        if (++_batchPosts >= _settings.MaxBatchPosts)
        {
            FlushBatch();
        }
        else if (!_flushQueued)
        {
            _flushQueued = true;
            Self.Tell(Flush.Instance);
        }
    }

    /// <summary>Writes the open batch, with retention decided at its end, as one <c>PersistAll</c>.</summary>
    private void FlushBatch()
    {
        if (_state.DecideTrim(_time.GetUtcNow()) is { } trim)
        {
            _batch.Add(trim);
        }

        if (_batch.Count == 0)
        {
            return;
        }

        RoomEvent[] events = [.. _batch];
        _batch.Clear();
        _writtenAcks = [.. _batchAcks];
        _batchAcks.Clear();
        _batchPosts = 0;
        _unapplied = events.Length;
        _writing = true;
        PersistAll(events, OnPersisted);
    }

    private void OnPersisted(RoomEvent persisted)
    {
        _state.Apply(persisted);
        if (persisted is MessagePosted posted)
        {
            _applied.Add(posted);
        }

        if (--_unapplied == 0)
        {
            FinishBatch();
        }
    }

    /// <summary>The batch is durable: each member gets its acks, then the messages, in one Deliver.</summary>
    private void FinishBatch()
    {
        _writing = false;
        if (_applied.Exists(p => _members.TryGetValue(p.SessionId, out var author) && author.JoinUnannounced))
        {
            FlushPresence();
        }

        Dictionary<Member, List<ReadOnlyMemory<byte>>>? acks = null;
        foreach (var ack in _writtenAcks)
        {
            if (ack.Encoder.Acked(new PostAcked(_room, ack.Ref, ack.Offset)) is not { } frame)
            {
                continue;
            }

            if (_members.TryGetValue(ack.SessionId, out var member) && member.Connection is not null)
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

        if (_applied.Count > 0 || acks is not null)
        {
            var start = Stopwatch.GetTimestamp();
            _outbox.BeginBroadcast();
            // Encoded once per protocol in use, the same bytes for every member of it.
            var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
            foreach (var member in _members.Values)
            {
                if (member.Connection is null)
                {
                    continue;
                }

                var messages = _applied.Count == 0 ? null : Encoded(encoded, member.Encoder);
                if (acks is not null && acks.TryGetValue(member, out var own))
                {
                    Send(member, new ConnectionActor.Deliver([.. own, .. messages?.Frames ?? []]));
                }
                else if (messages is not null)
                {
                    Send(member, messages);
                }
            }

            if (_applied.Count > 0)
            {
                foreach (var listener in _listeners)
                {
                    _outbox.Deliver(listener, Encoded(encoded, RoomEventEncoders.Beej));
                }
            }

            _outbox.EndBroadcast();
            _metrics?.FanOut(Stopwatch.GetElapsedTime(start));
        }

        _applied.Clear();
        _writtenAcks = [];
        if (_presenceAfterBatch)
        {
            _presenceAfterBatch = false;
            FlushPresence(atOnceOnly: true);
        }

        MaybeSnapshot();
        TryStop();
    }

    private ConnectionActor.Deliver Encoded(Dictionary<IRoomEventEncoder, ConnectionActor.Deliver> encoded, IRoomEventEncoder encoder)
    {
        if (!encoded.TryGetValue(encoder, out var deliver))
        {
            encoded[encoder] = deliver = Encode(encoder);
        }

        return deliver;
    }

    private ConnectionActor.Deliver Encode(IRoomEventEncoder encoder)
    {
        var frames = new ReadOnlyMemory<byte>[_applied.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = encoder.Message(_applied[i].Message);
        }

        return new ConnectionActor.Deliver(frames);
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
        if (!_snapshotting && _state.SequenceNr - _lastSnapshotSequenceNr >= _settings.SnapshotEvery && _state.SequenceNr == LastSequenceNr)
        {
            _snapshotting = true;
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        _snapshotting = false;
        var sequenceNr = saved.Metadata.SequenceNr;
        _lastSnapshotSequenceNr = Math.Max(_lastSnapshotSequenceNr, sequenceNr);
        var deletable = _state.DeletableUpTo(sequenceNr);
        if (deletable > _deletedUpTo)
        {
            _deletedUpTo = deletable;
            DeleteMessages(deletable);
        }

        if (sequenceNr > 1)
        {
            DeleteSnapshots(new SnapshotSelectionCriteria(sequenceNr - 1));
        }

        // Batches written while it was saved may already call for the next one.
        MaybeSnapshot();
    }

    // ---- passivation ----

    private void OnIdle()
    {
        if (_passivating || _members.Count > 0 || _listeners.Count > 0 || _batch.Count > 0 || _reads.Count > 0)
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
        if (_batch.Count > 0)
        {
            FlushBatch();
        }

        TryStop();
    }

    private void TryStop()
    {
        if (_stopping && !_writing && _batch.Count == 0 && _reads.Count == 0)
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
        foreach (var member in _members.Values)
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

    /// <summary>A session in the room. Mutable, and never leaves the actor.</summary>
    private sealed class Member(string sessionId, string name, IRoomEventEncoder encoder)
    {
        public string SessionId { get; } = sessionId;

        public string Name { get; set; } = name;

        /// <summary>Its protocol's encoder: what the room tells it is encoded by it.</summary>
        public IRoomEventEncoder Encoder { get; set; } = encoder;

        /// <summary>Its connection; null while it is within its presence grace.</summary>
        public IActorRef? Connection { get; set; }

        /// <summary>The connection it had when that died: its posts still on their way are accepted.</summary>
        public IActorRef? LastConnection { get; set; }

        public long GraceGeneration { get; set; }

        /// <summary>Its <c>joined</c>, waiting on a journal read.</summary>
        public PendingEnter? Pending { get; set; }

        /// <summary>In <see cref="_marked"/>: one of the flags below is set for this presence interval.</summary>
        public bool Marked { get; set; }

        /// <summary>Its join is in the presence diff not yet sent.</summary>
        public bool JoinUnannounced { get; set; }

    }

    private sealed class PendingEnter(long readId, JoinHistory join, MemberList list, string? requestRef)
    {
        public long ReadId { get; } = readId;

        public JoinHistory Join { get; } = join;

        public MemberList List { get; } = list;

        public string? Ref { get; } = requestRef;

        /// <summary>Frames the member's connection gets right after its <c>joined</c>.</summary>
        public List<ReadOnlyMemory<byte>> Held { get; } = [];
    }

    private abstract record PendingRead(JournalRange Range);

    private sealed record EnterRead(JournalRange Range, string SessionId) : PendingRead(Range);

    private sealed record HistoryRead(
        JournalRange Range,
        IActorRef ReplyTo,
        long? Before,
        int? Limit,
        string? Ref,
        HistoryPage Page,
        int Attempt) : PendingRead(Range);

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
