using Akka.Actor;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The node's end of every room's traffic to connections on other nodes: one actor at
/// <c>/user/relay</c> on every node (<see cref="Name"/>). A room on another node sends a
/// connection here what it would tell it directly on its own node (<see cref="Forward"/>), and a
/// broadcast once per node (<see cref="FanOut"/>) with the pre-encoded frames and this node's
/// targets, so the frames cross the network once per node, not once per member.
/// </summary>
/// <remarks>
/// The relay tells in the order it receives, and what it receives from one room comes in the
/// order the room sent it (room → relay and relay → connection are both FIFO), so a connection
/// sees one room's messages in the room's order. It keeps no state and never answers.
/// </remarks>
public sealed class NodeRelay : ReceiveActor
{
    /// <summary>Its name under <c>/user</c>, the same on every node.</summary>
    public const string Name = "relay";

    public NodeRelay()
    {
        Receive<Forward>(f => f.Connection.Tell(f.Message, Sender));
        Receive<FanOut>(OnFanOut);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new NodeRelay());

    private void OnFanOut(FanOut fanOut)
    {
        foreach (var delivery in fanOut.Deliveries)
        {
            foreach (var connection in delivery.Connections)
            {
                connection.Tell(delivery.Deliver, Sender);
            }
        }
    }

    /// <summary>One message for one connection on this node (room → relay), told with the room as sender.</summary>
    public sealed record Forward(IActorRef Connection, object Message);

    /// <summary>
    /// A room's broadcast for this node's connections (room → relay): each delivery's frames to each
    /// of its connections, in order. Usually one delivery (the same frames for everyone); a batch
    /// adds one per member whose own acks come with the messages, so a broadcast is still one
    /// message per node.
    /// </summary>
    public sealed record FanOut(IReadOnlyList<Delivery> Deliveries);

    /// <summary>The same <paramref name="Deliver"/> for each of <paramref name="Connections"/>.</summary>
    public sealed record Delivery(ConnectionActor.Deliver Deliver, IReadOnlyList<IActorRef> Connections);
}
