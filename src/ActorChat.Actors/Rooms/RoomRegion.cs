using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Rooms.RoomContract;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The one routing point for rooms on this node. It creates a room's actor on first use, forwards
/// every <see cref="IWithRoom"/> message to it with its sender, and passivates rooms the way
/// Akka.Cluster.Sharding's shard region does: a room asks with Akka's own <see cref="Passivate"/>, the region
/// tells it the stop message, and what arrives for the room until it has stopped is buffered and
/// handed to a fresh incarnation. Rooms and their senders see the same contract as under sharding
/// (messages carry their room id; passivation by <see cref="Passivate"/>), so in a cluster a shard
/// region takes this actor's place without a change to the room.
/// </summary>
public sealed class RoomRegion : ReceiveActor
{
    /// <summary>Messages held for one passivating room; more are dropped (a room that takes this long to stop is failing).</summary>
    public const int MaxBufferedPerRoom = 10_000;

    /// <summary>Most rooms one <c>rooms</c> reply lists (the busiest), so the frame stays small whatever the server holds.</summary>
    public const int MaxListedRooms = 1000;

    private readonly Func<string, Props> _roomProps;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IActorRef> _rooms = [];
    private readonly Dictionary<IActorRef, string> _ids = [];
    private readonly Dictionary<string, List<(IWithRoom Message, IActorRef Sender)>> _buffers = [];
    private readonly Dictionary<string, int> _occupancy = new(StringComparer.Ordinal);

    public RoomRegion(Func<string, Props> roomProps, ILogger logger)
    {
        _roomProps = roomProps;
        _logger = logger;
        Receive<IWithRoom>(m => Deliver(m, Sender));
        Receive<Passivate>(p => OnPassivate(Sender, p.StopMessage));
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
        Receive<GetRoomCount>(_ => Sender.Tell(new RoomCount(_rooms.Count)));
        Receive<Occupancy>(o =>
        {
            if (_ids.ContainsKey(Sender))
            {
                _occupancy[o.Room] = o.Members;
            }
        });
        Receive<ListRooms>(l => Sender.Tell(new RoomList(l.Ref, List())));
    }

    public static Props Props(Func<string, Props> roomProps, ILogger logger) =>
        Akka.Actor.Props.Create(() => new RoomRegion(roomProps, logger));

    /// <summary>A room that fails is stopped, like a sharded entity; its next message starts it again from its journal.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void Deliver(IWithRoom message, IActorRef sender)
    {
        if (_buffers.TryGetValue(message.Room, out var buffer))
        {
            if (buffer.Count < MaxBufferedPerRoom)
            {
                buffer.Add((message, sender));
            }
            else
            {
                _logger.RoomBufferFull(message.Room, MaxBufferedPerRoom);
            }

            return;
        }

        if (!_rooms.TryGetValue(message.Room, out var room))
        {
            if (!RoomNames.IsValid(message.Room))
            {
                // The connections validate room names before anything is sent here.
                _logger.InvalidRoomId(message.Room, message.GetType().Name);
                return;
            }

            room = Context.ActorOf(_roomProps(message.Room), message.Room);
            Context.Watch(room);
            _rooms[message.Room] = room;
            _ids[room] = message.Room;
        }

        room.Tell(message, sender);
    }

    private void OnPassivate(IActorRef room, object stopMessage)
    {
        if (!_ids.TryGetValue(room, out var id) || _buffers.ContainsKey(id))
        {
            return;
        }

        _buffers[id] = [];
        room.Tell(stopMessage, Self);
    }

    private void OnTerminated(IActorRef room)
    {
        if (!_ids.Remove(room, out var id))
        {
            return;
        }

        _rooms.Remove(id);
        _occupancy.Remove(id);
        if (_buffers.Remove(id, out var buffer))
        {
            // Whatever came while it stopped goes to a fresh incarnation, in order.
            foreach (var (message, sender) in buffer)
            {
                Deliver(message, sender);
            }
        }
    }

    /// <summary>
    /// The rooms with members on this node, most members first, at most <see cref="MaxListedRooms"/>;
    /// the lobby is always listed (it always exists), with 0 members while asleep.
    /// </summary>
    private List<RoomSummary> List()
    {
        var listed = _occupancy.Where(o => o.Value > 0)
            .OrderByDescending(o => o.Value)
            .ThenBy(o => o.Key, StringComparer.Ordinal)
            .Take(MaxListedRooms)
            .Select(o => new RoomSummary(o.Key, o.Value))
            .ToList();
        if (!listed.Exists(r => r.Room == RoomNames.Lobby))
        {
            if (listed.Count == MaxListedRooms)
            {
                listed.RemoveAt(listed.Count - 1);
            }

            listed.Add(new RoomSummary(RoomNames.Lobby, _occupancy.GetValueOrDefault(RoomNames.Lobby)));
        }

        return listed;
    }
}
