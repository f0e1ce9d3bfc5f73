using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;
using Effect = ActorChat.Actors.Rooms.MemberEffect<Akka.Actor.IActorRef>;
using Member = ActorChat.Actors.Rooms.RoomMember<Akka.Actor.IActorRef>;

namespace ActorChat.Actors.Rooms;

/// <summary>The room's members, presence, joins and history pages: routed to the pure parts, their effects performed.</summary>
public sealed partial class RoomActor
{
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

        // The room's governance admits it (a ban, a private room refuse it; a first user may own it).
        GovernEnter(enter, connection, encoder);
    }

    /// <summary>An entry the governance admitted: the session is a member (again), attached to <paramref name="connection"/>, and answered.</summary>
    private void Admit(Enter enter, IActorRef connection, IRoomEventEncoder encoder, RoomIdentity identity)
    {
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

        member.Identity = identity;

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

        if (_members.Find(leave.SessionId) is not { } member)
        {
            // Leaving is idempotent; only actorchat.v1 has leave.
            _delivery.Left(Sender, RoomEventEncoders.V1, leave.Ref);
            return;
        }

        if (member.Pending is not null)
        {
            // Its join gets its answer first, in order.
            _delivery.CompleteFromMemory(member);
        }

        var connection = member.Connection ?? Sender;
        Removing(member.SessionId);
        _delivery.Left(connection, member.Encoder, leave.Ref);
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
    private void Perform(IReadOnlyList<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Effect.Watch watch:
                    Context.Watch(watch.Connection);
                    break;
                case Effect.Unwatch unwatch:
                    Context.Unwatch(unwatch.Connection);
                    break;
                case Effect.StartGrace grace:
                    Timers.StartSingleTimer(GraceKey(grace.SessionId), new GraceOver(grace.SessionId, grace.Generation), grace.After);
                    break;
                case Effect.CancelGrace cancel:
                    Timers.Cancel(GraceKey(cancel.SessionId));
                    break;
                case Effect.PresenceChanged:
                    if (!Timers.IsTimerActive(PresenceTimer))
                    {
                        Timers.StartSingleTimer(PresenceTimer, PresenceDue.Instance, _limits.PresenceInterval);
                    }

                    break;
                case Effect.Occupancy occupancy when occupancy.Members != _reportedMembers:
                    // For `rooms`: one small message per change, to the region or the node's directory.
                    _reportedMembers = occupancy.Members;
                    (_directory ?? Context.Parent).Tell(new RoomContract.Occupancy(_room, _reportedMembers));
                    break;
                case Effect.Joined joined:
                    _logger.UserJoined(_room, joined.Name);
                    break;
                case Effect.Left left:
                    _logger.UserLeft(_room, left.Name);
                    break;
                case Effect.Renamed renamed:
                    _logger.UserRenamed(_room, renamed.From, renamed.To);
                    break;
                case Effect.Removed removed:
                    FlushIfOriginal(removed.Member);
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
        _delivery.Presence(coalesced, atOnce);
        if (intervalOver)
        {
            // Otherwise the coalesced audience has not been told yet: its timer stays.
            Timers.Cancel(PresenceTimer);
        }
    }

    // ---- joins and history pages ----

    private void AnswerEnter(Member member, StreamPosition? since, int? limit, string? requestRef)
    {
        if (member.Pending is not null)
        {
            // An earlier join still waiting gets its answer first: one reply per request, in order.
            _delivery.CompleteFromMemory(member);
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

        _delivery.Entered(member, join, answer.Messages, answer.Recovered, list, requestRef);
    }

    private void AnswerHistory(IActorRef replyTo, string? requestRef, HistoryAnswer answer)
    {
        switch (answer)
        {
            case HistoryAnswered page:
                _delivery.History(replyTo, requestRef, page.Messages, page.More);
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

                    _delivery.CompleteEnter(member, messages, recovered);
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
}
