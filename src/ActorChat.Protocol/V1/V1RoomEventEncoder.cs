namespace ActorChat.Protocol.V1;

/// <summary>Room facts as <c>actorchat.v1</c> frames: <c>message</c>, one <c>presence</c> per diff, <c>joined</c>, <c>ack</c>, <c>left</c>, <c>history</c>.</summary>
internal sealed class V1RoomEventEncoder : IRoomEventEncoder
{
    public bool PresenceAtOnce => false;

    public ReadOnlyMemory<byte> Message(ChatMessage message) => V1Protocol.EncodeMessage(message);

    public IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        return diff.IsEmpty ? [] : [V1Protocol.EncodePresence(diff)];
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> Entered(RoomEntered entered)
    {
        ArgumentNullException.ThrowIfNull(entered);
        return [V1Protocol.EncodeJoined(entered)];
    }

    public ReadOnlyMemory<byte>? Acked(PostAcked acked)
    {
        ArgumentNullException.ThrowIfNull(acked);
        return V1Protocol.EncodeAck(acked.Ref, acked.Room, acked.Offset);
    }

    public ReadOnlyMemory<byte>? Left(RoomLeft left)
    {
        ArgumentNullException.ThrowIfNull(left);
        return V1Protocol.EncodeLeft(left.Ref, left.Room);
    }

    public ReadOnlyMemory<byte>? History(HistoryPageRead page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return V1Protocol.EncodeHistory(page.Ref, page.Room, page.Messages, page.More);
    }

    public ReadOnlyMemory<byte>? Governance(GovernanceFact fact) => V1Protocol.EncodeGovernance(fact);
}
