using ActorChat.Protocol;
using ActorChat.Protocol.Api;
using Akka.Actor;
using static ActorChat.Actors.Rooms.RoomContract;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The server API's requests: a post by no member (<see cref="ApiPost"/>) and the presence list
/// (<see cref="GetPresence"/>). The room answers the asker; the API's body comes from an encoder
/// of the protocol module (<see cref="ApiReplies.Encoder"/>), as a member's ack does.
/// </summary>
public sealed partial class RoomActor
{
    private void ReceiveApi()
    {
        Command<ApiPost>(OnApiPost);
        Command<GetPresence>(_ => _outbox.Tell(Sender, CurrentPresence()));
    }

    private void OnApiPost(ApiPost post)
    {
        var invalid = string.IsNullOrEmpty(post.SenderId) ? "no sender id"
            : string.IsNullOrEmpty(post.From) ? "no name"
            : string.IsNullOrEmpty(post.Text) ? "no text"
            : post.Cid is { Length: 0 } ? "an empty cid"
            : null;
        if (invalid is not null)
        {
            RefuseInvalid(post, invalid, null);
            return;
        }

        if (post.ReplyTo is { } replyTo && (replyTo < _state.FirstKeptOffset || replyTo > _state.LastOffset))
        {
            _outbox.Tell(Sender, new Refused(_room, NotFound, $"The room \"{_room}\" keeps no message at offset {replyTo}.", null));
            return;
        }

        // The API is no member: its ack goes back to the asker (RoomDelivery finds no member by this id).
        var ack = new RoomAck(0, post.SenderId, Sender, ApiReplies.Encoder, null);
        BatchStep step;
        switch (_state.DecidePost(post.SenderId, post.From, post.Text, post.Cid, _time.GetUtcNow(), ChatMessage.ViaApi))
        {
            case PostAccepted accepted:
                step = _batch.Accepted(accepted.Event, ack with { Offset = accepted.Offset });
                break;
            case PostDuplicate { Pending: true } duplicate:
                step = _batch.PendingDuplicate(ack with { Offset = duplicate.Offset });
                break;
            case PostDuplicate duplicate:
                _outbox.Tell(Sender, new ConnectionActor.Deliver(ApiReplies.Encoder.Acked(new PostAcked(_room, null, duplicate.Offset))!.Value));
                return;
            default:
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

    private PresenceList CurrentPresence()
    {
        // By name (a user's connections share the user's one), in the order joined.members has, capped like it.
        var byName = new SortedDictionary<string, (int Connections, string? User)>(RoomMembers.Order);
        foreach (var member in _members.Members)
        {
            var (connections, user) = byName.GetValueOrDefault(member.Name);
            byName[member.Name] = (connections + (member.Connection is null ? 0 : 1), user ?? member.Identity.UserId);
        }

        return new PresenceList(
            _room,
            byName.Count,
            [.. byName.Take(_limits.MaxPresenceList).Select(m => new PresentMember(m.Key, m.Value.Connections, m.Value.User))]);
    }
}
