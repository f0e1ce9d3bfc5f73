using Akka.Actor;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The one way a room reaches connections, members, listeners and askers: a target on the room's
/// own node is told directly, as on one node; a target on another node through that node's
/// <see cref="NodeRelay"/>. Every remote message from one room to one node takes the same path
/// (room → relay, FIFO; relay → connection, FIFO), so each connection sees the room's order.
/// </summary>
/// <remarks>
/// A broadcast (<see cref="BeginBroadcast"/> … <see cref="EndBroadcast"/>) collects its remote
/// targets by node and sends each node one <see cref="NodeRelay.FanOut"/> at its end, carrying each
/// distinct <see cref="ConnectionActor.Deliver"/> once. A single message to a node whose fan-out is
/// still collected sends that fan-out first, so nothing overtakes what the room sent before it.
/// With every target local nothing is allocated: each is told at once, as before there was a relay.
/// Owned by the room's actor; not thread-safe.
/// </remarks>
internal sealed class RoomOutbox(IActorRef room, ActorSystem system, ChatMetrics? metrics)
{
    private readonly Address _selfAddress = ((ExtendedActorSystem)system).Provider.DefaultAddress;
    private readonly Dictionary<Address, ActorSelection> _relays = [];
    private readonly Dictionary<Address, NodeFanOut> _pending = [];
    private bool _broadcasting;
    private bool _broadcastSent;

    /// <summary>Tells <paramref name="target"/> <paramref name="message"/> with the room as sender.</summary>
    public void Tell(IActorRef target, object message)
    {
        var address = target.Path.Address;
        if (IsLocal(address))
        {
            target.Tell(message, room);
            return;
        }

        if (_pending.Remove(address, out var pending))
        {
            Send(address, pending);
        }

        SendRemote(address, new NodeRelay.Forward(target, message));
    }

    /// <summary>Starts collecting a broadcast's remote targets.</summary>
    public void BeginBroadcast()
    {
        _broadcasting = true;
        _broadcastSent = false;
    }

    /// <summary>
    /// Tells <paramref name="target"/> <paramref name="deliver"/>: at once when local or outside a
    /// broadcast, else with the other targets on its node at <see cref="EndBroadcast"/>. Give the
    /// same instance to every target that gets the same frames: it crosses to each node once.
    /// </summary>
    public void Deliver(IActorRef target, ConnectionActor.Deliver deliver)
    {
        _broadcastSent = true;
        var address = target.Path.Address;
        if (IsLocal(address))
        {
            target.Tell(deliver, room);
            return;
        }

        if (!_broadcasting)
        {
            Tell(target, deliver);
            return;
        }

        if (!_pending.TryGetValue(address, out var pending))
        {
            _pending[address] = pending = new NodeFanOut();
        }

        pending.Add(target, deliver);
    }

    /// <summary>Sends each node its collected fan-out, and counts the broadcast when it reached anyone.</summary>
    public void EndBroadcast()
    {
        _broadcasting = false;
        foreach (var (address, pending) in _pending)
        {
            Send(address, pending);
        }

        _pending.Clear();
        if (_broadcastSent)
        {
            metrics?.Broadcast();
        }
    }

    private bool IsLocal(Address address) => address.HasLocalScope || address.Equals(_selfAddress);

    private void Send(Address address, NodeFanOut pending) => SendRemote(address, new NodeRelay.FanOut(pending.Deliveries));

    private void SendRemote(Address address, object message)
    {
        if (!_relays.TryGetValue(address, out var relay))
        {
            _relays[address] = relay = system.ActorSelection(new RootActorPath(address) / "user" / NodeRelay.Name);
        }

        relay.Tell(message, room);
        metrics?.RemoteMessage();
    }

    /// <summary>One node's share of a broadcast: each distinct Deliver once, with its targets there.</summary>
    private sealed class NodeFanOut
    {
        private readonly Dictionary<ConnectionActor.Deliver, List<IActorRef>> _targets = new(ReferenceEqualityComparer.Instance);

        public List<NodeRelay.Delivery> Deliveries { get; } = [];

        public void Add(IActorRef target, ConnectionActor.Deliver deliver)
        {
            if (!_targets.TryGetValue(deliver, out var targets))
            {
                _targets[deliver] = targets = [];
                Deliveries.Add(new NodeRelay.Delivery(deliver, targets));
            }

            targets.Add(target);
        }
    }
}
