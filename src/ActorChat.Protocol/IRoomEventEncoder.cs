using ActorChat.Protocol.Beej;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol;

/// <summary>
/// Turns a room's protocol-neutral facts into the frames of one protocol: the one place a room's
/// output becomes bytes. A room encodes each broadcast fact once per protocol its members speak and
/// hands the same bytes to every member of that protocol, so a broadcast to n members costs one
/// encoding per protocol, not n. Implementations are stateless and safe to share between threads.
/// </summary>
public interface IRoomEventEncoder
{
    /// <summary>
    /// True when the protocol shows each presence change at once, in order with the messages (the
    /// seed protocol did); false when it takes coalesced diffs at the room's presence interval.
    /// </summary>
    bool PresenceAtOnce { get; }

    /// <summary>The one text frame that delivers <paramref name="message"/> to a member.</summary>
    ReadOnlyMemory<byte> Message(ChatMessage message);

    /// <summary>
    /// The text frames that tell a member about <paramref name="diff"/>, in the order to send them;
    /// empty when the diff is empty.
    /// </summary>
    IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff);

    /// <summary>The frames that answer a member's entry.</summary>
    IReadOnlyList<ReadOnlyMemory<byte>> Entered(RoomEntered entered);

    /// <summary>The frame that acks a post; null when the protocol has no acks.</summary>
    ReadOnlyMemory<byte>? Acked(PostAcked acked);

    /// <summary>The frame that confirms a leave; null when the protocol has none.</summary>
    ReadOnlyMemory<byte>? Left(RoomLeft left);

    /// <summary>The frame of a history page; null when the protocol has no history.</summary>
    ReadOnlyMemory<byte>? History(HistoryPageRead page);

    /// <summary>The frame of a fact of roles and moderation; null when the protocol has none (the seed protocol).</summary>
    ReadOnlyMemory<byte>? Governance(GovernanceFact fact);
}

/// <summary>The encoder of each subprotocol.</summary>
public static class RoomEventEncoders
{
    public static IRoomEventEncoder Beej { get; } = new BeejRoomEventEncoder();

    public static IRoomEventEncoder V1 { get; } = new V1RoomEventEncoder();

    /// <summary>The encoder of <paramref name="subprotocol"/>; null for a subprotocol the server does not speak.</summary>
    public static IRoomEventEncoder? Find(string? subprotocol) => subprotocol switch
    {
        Subprotocols.V1 => V1,
        Subprotocols.Beej => Beej,
        _ => null,
    };
}
