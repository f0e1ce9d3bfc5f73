namespace ActorChat.Protocol.V1;

/// <summary>Room events as <c>actorchat.v1</c> frames: <c>message</c>, and one <c>presence</c> per diff.</summary>
internal sealed class V1RoomEventEncoder : IRoomEventEncoder
{
    public string Subprotocol => Subprotocols.V1;

    public ReadOnlyMemory<byte> Message(ChatMessage message) => V1Protocol.EncodeMessage(message);

    public IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        return diff.IsEmpty ? [] : [V1Protocol.EncodePresence(diff)];
    }
}
