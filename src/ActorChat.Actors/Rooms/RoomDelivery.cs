using System.Diagnostics;
using ActorChat.Protocol;
using Akka.Actor;
using static ActorChat.Actors.Rooms.RoomContract;
using Member = ActorChat.Actors.Rooms.RoomMember<Akka.Actor.IActorRef>;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// What a room tells its members, listeners and askers, as frames: each fact encoded once per
/// protocol in use and handed to the <see cref="RoomOutbox"/>. A member whose <c>joined</c> waits on
/// a journal read has what follows it held (up to <see cref="RoomSettings.MaxHeldFrames"/>; past it
/// the join is answered from memory at once). Owned by the room's actor; not thread-safe.
/// </summary>
/// <remarks><paramref name="standing"/> gives a member's role, the room's settings and its mute for its <c>joined</c>, as they are when it is answered.</remarks>
internal sealed class RoomDelivery(string room, RoomOutbox outbox, RoomMembership<IActorRef> members, IReadOnlySet<IActorRef> listeners, int maxHeldFrames, ChatMetrics? metrics, Func<Member, RoomStanding> standing)
{
    /// <summary>The presence diffs of each audience to every attached member of it (and the listeners, who see changes at once).</summary>
    public void Presence(PresenceDiff? coalesced, PresenceDiff? atOnce)
    {
        if (coalesced is null && atOnce is null)
        {
            return;
        }

        outbox.BeginBroadcast();
        var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
        foreach (var member in members.Members)
        {
            if (member.Connection is not null && (member.Encoder.PresenceAtOnce ? atOnce : coalesced) is { } diff)
            {
                Send(member, PresenceFrames(encoded, member.Encoder, diff));
            }
        }

        if (atOnce is not null)
        {
            foreach (var listener in listeners)
            {
                outbox.Deliver(listener, PresenceFrames(encoded, RoomEventEncoders.Beej, atOnce));
            }
        }

        outbox.EndBroadcast();
    }

    /// <summary>A fact of roles and moderation to every attached member, encoded once per protocol (a protocol without it gets nothing).</summary>
    public void Governance(GovernanceFact fact)
    {
        outbox.BeginBroadcast();
        var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver?>(ReferenceEqualityComparer.Instance);
        foreach (var member in members.Members)
        {
            if (member.Connection is null)
            {
                continue;
            }

            if (!encoded.TryGetValue(member.Encoder, out var deliver))
            {
                encoded[member.Encoder] = deliver = member.Encoder.Governance(fact) is { } frame ? new ConnectionActor.Deliver(frame) : null;
            }

            if (deliver is not null)
            {
                Send(member, deliver);
            }
        }

        outbox.EndBroadcast();
    }

    /// <summary>A durable batch: each member gets its acks, then the messages, in one Deliver.</summary>
    public void Batch(WrittenBatch<RoomAck> written)
    {
        var applied = written.Messages;
        Dictionary<Member, List<ReadOnlyMemory<byte>>>? acks = null;
        foreach (var ack in written.Acks)
        {
            if (ack.Encoder.Acked(new PostAcked(room, ack.Ref, ack.Offset)) is not { } frame)
            {
                continue;
            }

            if (members.Find(ack.SessionId) is { Connection: not null } member)
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
                outbox.Tell(ack.Connection, new ConnectionActor.Deliver(frame));
            }
        }

        if (applied.Count == 0 && acks is null)
        {
            return;
        }

        var start = Stopwatch.GetTimestamp();
        outbox.BeginBroadcast();
        // Encoded once per protocol in use, the same bytes for every member of it.
        var encoded = new Dictionary<IRoomEventEncoder, ConnectionActor.Deliver>(ReferenceEqualityComparer.Instance);
        foreach (var member in members.Members)
        {
            if (member.Connection is null)
            {
                continue;
            }

            var messages = applied.Count == 0 ? null : Messages(encoded, member.Encoder, applied);
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
            foreach (var listener in listeners)
            {
                outbox.Deliver(listener, Messages(encoded, RoomEventEncoders.Beej, applied));
            }
        }

        outbox.EndBroadcast();
        metrics?.FanOut(Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Tells <paramref name="deliver"/> to the member's connection, or holds it while its <c>joined</c> waits on a journal read.</summary>
    public void Send(Member member, ConnectionActor.Deliver deliver)
    {
        if (member.Connection is not { } connection)
        {
            return;
        }

        if (member.Pending is { } pending)
        {
            if (pending.TryHold(deliver.Frames, maxHeldFrames))
            {
                return;
            }

            CompleteFromMemory(member);
        }

        outbox.Deliver(connection, deliver);
    }

    /// <summary>Answers the member's join that waited on the journal, then sends what was held for it.</summary>
    public void CompleteEnter(Member member, IReadOnlyList<ChatMessage> messages, bool? recovered)
    {
        var pending = member.Pending!;
        member.Pending = null;
        Entered(member, pending.Join, messages, recovered, pending.List, pending.Ref);
        if (pending.Held.Count > 0)
        {
            outbox.Tell(member.Connection!, new ConnectionActor.Deliver([.. pending.Held]));
        }
    }

    /// <summary>Answers a join waiting on the journal with what memory holds: the newest of its messages, never claiming recovery.</summary>
    public void CompleteFromMemory(Member member)
    {
        var join = member.Pending!.Join;
        CompleteEnter(member, join.Messages.InMemory, RoomReads.FromMemory(join));
    }

    /// <summary>The member's <see cref="RoomContract.Entered"/>, in its protocol.</summary>
    public void Entered(Member member, JoinHistory join, IReadOnlyList<ChatMessage> messages, bool? recovered, MemberList list, string? requestRef)
    {
        var position = new StreamPosition(join.Epoch, join.Offset);
        var (role, rules, mute) = standing(member);
        var frames = member.Encoder.Entered(new RoomEntered(room, requestRef, member.Name, position, list.Names, list.Count, messages, recovered, role, rules, mute is not null, mute?.Until));
        outbox.Tell(member.Connection!, new Entered(room, position, list.Count, recovered, frames));
    }

    /// <summary>A history page, in the only protocol that has them (a <c>history</c> request comes from actorchat.v1).</summary>
    public void History(IActorRef replyTo, string? requestRef, IReadOnlyList<ChatMessage> messages, bool more) =>
        outbox.Tell(replyTo, new ConnectionActor.Deliver(RoomEventEncoders.V1.History(new HistoryPageRead(room, requestRef, messages, more))!.Value));

    /// <summary>A governance answer to an asker that is no member (the server API), in actorchat.v1's shape, which the API's bodies share.</summary>
    public void Governance(IActorRef replyTo, GovernanceFact fact)
    {
        if (RoomEventEncoders.V1.Governance(fact) is { } frame)
        {
            outbox.Tell(replyTo, new ConnectionActor.Deliver(frame));
        }
    }

    /// <summary>A <c>leave</c> confirmed, in <paramref name="encoder"/>'s protocol (a session not in the room: actorchat.v1, the only one with leave).</summary>
    public void Left(IActorRef connection, IRoomEventEncoder encoder, string? requestRef)
    {
        if (encoder.Left(new RoomLeft(room, requestRef)) is { } frame)
        {
            outbox.Tell(connection, new ConnectionActor.Deliver(frame));
        }
    }

    /// <summary>The room stops: whoever is still attached (a join that raced passivation, or a failure) must enter again.</summary>
    public void Stopped(StreamPosition? position)
    {
        foreach (var member in members.Members)
        {
            if (member.Connection is { } connection)
            {
                outbox.Tell(connection, new RoomStopped(room, member.Pending is null ? position : null));
            }
        }

        foreach (var listener in listeners)
        {
            outbox.Tell(listener, new RoomStopped(room, null));
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

    private static ConnectionActor.Deliver Messages(Dictionary<IRoomEventEncoder, ConnectionActor.Deliver> encoded, IRoomEventEncoder encoder, IReadOnlyList<MessagePosted> applied)
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
}

/// <summary>A member's standing in the room for its <c>joined</c>: its role, the settings, its mute (null: not muted).</summary>
internal readonly record struct RoomStanding(RoomRole Role, RoomRules Rules, RoomMute? Mute);

/// <summary>A post to ack once its batch is durable: with <paramref name="Offset"/>, to its member (or <paramref name="Connection"/>, where it came from, once it is gone).</summary>
internal readonly record struct RoomAck(long Offset, string SessionId, IActorRef Connection, IRoomEventEncoder Encoder, string? Ref);
