using ActorChat.Protocol.Beej;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol;

/// <summary>
/// Turns a room's protocol-neutral events into the frames of one protocol. A room encodes each event
/// once per protocol its members speak and hands the same bytes to every member of that protocol, so
/// a broadcast to n members costs one encoding per protocol, not n. Implementations are stateless and
/// safe to share between threads.
/// </summary>
public interface IRoomEventEncoder
{
    /// <summary>The subprotocol whose frames this encoder writes (<see cref="Subprotocols"/>).</summary>
    string Subprotocol { get; }

    /// <summary>The one text frame that delivers <paramref name="message"/> to a member.</summary>
    ReadOnlyMemory<byte> Message(ChatMessage message);

    /// <summary>
    /// The text frames that tell a member about <paramref name="diff"/>, in the order to send them;
    /// empty when the diff is empty.
    /// </summary>
    IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff);
}

/// <summary>The encoder of each subprotocol.</summary>
public static class RoomEventEncoders
{
    public static IRoomEventEncoder Beej { get; } = new BeejRoomEventEncoder();

    public static IRoomEventEncoder V1 { get; } = new V1RoomEventEncoder();

    /// <summary>Every encoder, for a room that encodes an event once for each protocol in use.</summary>
    public static IReadOnlyList<IRoomEventEncoder> All { get; } = [V1, Beej];

    /// <summary>The encoder of <paramref name="subprotocol"/>; throws for a subprotocol the server does not speak.</summary>
    public static IRoomEventEncoder For(string subprotocol) => subprotocol switch
    {
        Subprotocols.V1 => V1,
        Subprotocols.Beej => Beej,
        _ => throw new ArgumentException($"Unknown subprotocol \"{subprotocol}\".", nameof(subprotocol)),
    };
}
