using System.Globalization;
using System.Text;
using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The <c>rooms</c> listing in a cluster, one per node at <c>/user/room-directory</c>. Under
/// sharding a room's parent is a shard, which knows nothing of member counts, so the rooms on this
/// node report their <see cref="RoomContract.Occupancy"/> here instead. Each node's directory
/// publishes its busiest rooms (at most <see cref="RoomRegion.MaxListedRooms"/>) into one
/// Akka.DistributedData <c>LWWDictionary</c> keyed by node address, at most every
/// <see cref="PublishInterval"/> and only when they changed; <see cref="RoomContract.ListRooms"/> is
/// answered from the local replica merged with this node's own counts, so a listing never waits on
/// the network and is at most a gossip round behind.
/// </summary>
/// <remarks>
/// A node's list is stored as one plain string (<c>room count</c> lines) so DData's own
/// serializer carries it: no serializer of ours crosses the wire for this. Entries of nodes that
/// left are removed by every directory that sees them go (removals are idempotent), and ignored
/// until then.
/// </remarks>
public sealed class RoomDirectory : ReceiveActor, IWithTimers
{
    /// <summary>Most rooms one <c>rooms</c> reply lists (the busiest), so the frame stays small whatever the cluster holds.</summary>
    public const int MaxListedRooms = 1000;

    /// <summary>The DData key every node's directory writes its entry under.</summary>
    public static readonly LWWDictionaryKey<string, string> Key = new("actorchat-rooms");

    /// <summary>How often, at most, this node's list is written (only when it changed).</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);

    private const string PublishTimer = "publish";

    private readonly ILogger _logger;
    private readonly Cluster _cluster;
    private readonly IActorRef _replicator;
    private readonly string _self;
    private readonly Dictionary<string, int> _occupancy = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _rooms = [];
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private Dictionary<string, IReadOnlyList<RoomSummary>> _others = new(StringComparer.Ordinal);
    private string _published = "";
    private bool _changed;

    public RoomDirectory(ILogger logger)
    {
        _logger = logger;
        _cluster = Cluster.Get(Context.System);
        _replicator = DistributedData.Get(Context.System).Replicator;
        _self = _cluster.SelfAddress.ToString();

        Receive<RoomContract.Occupancy>(OnOccupancy);
        Receive<Terminated>(t =>
        {
            if (_rooms.Remove(t.ActorRef, out var room))
            {
                _changed |= _occupancy.Remove(room);
            }
        });
        Receive<RoomContract.ListRooms>(l => Sender.Tell(new RoomContract.RoomList(l.Ref, List())));
        Receive<Publish>(_ => PublishIfChanged());
        Receive<Changed>(c => _others = Read(c.Get(Key)));
        Receive<IUpdateResponse>(r =>
        {
            if (r is IUpdateFailure failure)
            {
                _logger.RoomDirectoryWriteFailed(failure.GetType().Name);
            }
        });
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.WeaklyUp))
            {
                _members.Add(member.Address.ToString());
            }
        });
        Receive<ClusterEvent.MemberUp>(up => _members.Add(up.Member.Address.ToString()));
        Receive<ClusterEvent.MemberWeaklyUp>(up => _members.Add(up.Member.Address.ToString()));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            var address = removed.Member.Address.ToString();
            _members.Remove(address);
            _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, string>.Empty, WriteLocal.Instance, d => d.Remove(_cluster, address)));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ILogger logger) => Akka.Actor.Props.Create(() => new RoomDirectory(logger));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
        _replicator.Tell(Dsl.Subscribe(Key, Self));
        Timers.StartPeriodicTimer(PublishTimer, Publish.Instance, PublishInterval);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _replicator.Tell(Dsl.Unsubscribe(Key, Self));
    }

    /// <summary>A node's rooms as stored: one <c>room count</c> line each, busiest first.</summary>
    internal static string Encode(IEnumerable<RoomSummary> rooms)
    {
        var text = new StringBuilder();
        foreach (var room in rooms)
        {
            text.Append(room.Room).Append(' ').Append(room.Members.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The inverse of <see cref="Encode"/>; a line it does not understand is skipped (a newer node's format).</summary>
    internal static List<RoomSummary> Decode(string text)
    {
        var rooms = new List<RoomSummary>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var members))
            {
                rooms.Add(new RoomSummary(line[..space], members));
            }
        }

        return rooms;
    }

    /// <summary>
    /// The busiest rooms of <paramref name="counts"/>, most members first, at most
    /// <see cref="MaxListedRooms"/>; the lobby always listed (it always exists).
    /// </summary>
    internal static List<RoomSummary> Busiest(IEnumerable<KeyValuePair<string, int>> counts, bool withLobby)
    {
        var listed = counts.Where(o => o.Value > 0)
            .OrderByDescending(o => o.Value)
            .ThenBy(o => o.Key, StringComparer.Ordinal)
            .Take(MaxListedRooms)
            .Select(o => new RoomSummary(o.Key, o.Value))
            .ToList();
        if (withLobby && !listed.Exists(r => r.Room == RoomNames.Lobby))
        {
            if (listed.Count == MaxListedRooms)
            {
                listed.RemoveAt(listed.Count - 1);
            }

            listed.Add(new RoomSummary(RoomNames.Lobby, 0));
        }

        return listed;
    }

    private void OnOccupancy(RoomContract.Occupancy occupancy)
    {
        if (!_rooms.ContainsKey(Sender))
        {
            // A room reports on its first member: from then on its stop removes it.
            _rooms[Sender] = occupancy.Room;
            Context.Watch(Sender);
        }

        if (_occupancy.GetValueOrDefault(occupancy.Room, -1) != occupancy.Members)
        {
            _occupancy[occupancy.Room] = occupancy.Members;
            _changed = true;
        }
    }

    private void PublishIfChanged()
    {
        if (!_changed)
        {
            return;
        }

        _changed = false;
        var text = Encode(Busiest(_occupancy, withLobby: false));
        if (text == _published)
        {
            return;
        }

        _published = text;
        _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, string>.Empty, WriteLocal.Instance, d => d.SetItem(_cluster, _self, text)));
    }

    private Dictionary<string, IReadOnlyList<RoomSummary>> Read(LWWDictionary<string, string> data)
    {
        var nodes = new Dictionary<string, IReadOnlyList<RoomSummary>>(StringComparer.Ordinal);
        foreach (var (node, text) in data)
        {
            // This node's own entry is older than its own counts.
            if (node != _self)
            {
                nodes[node] = Decode(text);
            }
        }

        return nodes;
    }

    /// <summary>This node's rooms now, merged with the other nodes' last published lists; a room on two nodes at once (a hand-over) counts its larger number.</summary>
    private List<RoomSummary> List()
    {
        var merged = new Dictionary<string, int>(_occupancy, StringComparer.Ordinal);
        foreach (var (node, rooms) in _others)
        {
            if (!_members.Contains(node))
            {
                continue;
            }

            foreach (var room in rooms)
            {
                merged[room.Room] = Math.Max(merged.GetValueOrDefault(room.Room), room.Members);
            }
        }

        return Busiest(merged, withLobby: true);
    }

    private sealed record Publish : INoSerializationVerificationNeeded
    {
        public static readonly Publish Instance = new();
    }
}
