using System.Diagnostics;
using ActorChat.Actors.Protocol;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// One chat room. Holds every attached connection (joined or not: all receive broadcasts) and the
/// name ↔ connection map, applies the join, rename and leave rules, and fans each broadcast out as
/// one serialized frame told to every member. Members are watched, so a connection that dies for
/// any reason is removed and its leave announced exactly once.
/// </summary>
public sealed class RoomActor : ReceiveActor
{
    private readonly string _name;
    private readonly ChatSettings _settings;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<IActorRef, string?> _members = [];

    private readonly NameBook<IActorRef> _names = new();
    private readonly List<ReadOnlyMemory<byte>> _pending = [];
    private bool _flushQueued;
    private bool _draining;

    public RoomActor(string name, ChatSettings settings, ChatMetrics metrics, ILogger logger)
    {
        _name = name;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;

        Receive<Attach>(a => OnAttach(a.Connection, Sender));
        Receive<Join>(j => OnJoin(Sender, j.Username));
        Receive<Say>(s => OnSay(Sender, s.Username, s.Message));
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
        Receive<Drain>(OnDrain);
        Receive<Flush>(_ =>
        {
            _flushQueued = false;
            FlushBroadcasts();
        });
        Receive<GetMembers>(_ => Sender.Tell(new Members(_members.Count, [.. _members.Values.OfType<string>()])));
    }

    public static Props Props(string name, ChatSettings settings, ChatMetrics metrics, ILogger logger) =>
        Akka.Actor.Props.Create(() => new RoomActor(name, settings, metrics, logger));

    /// <summary>
    /// Nothing a member sends may cost the room its membership: a message whose handling throws is
    /// logged and dropped, and the room goes on with its state (a resume, kept inside the actor).
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.RoomFailure(ex, _name, message.GetType().Name);
            return true;
        }
    }

    private void OnAttach(IActorRef member, IActorRef requester)
    {
        if (_draining)
        {
            member.Tell(new ConnectionActor.Close(CloseCodes.GoingAway, "server shutting down"));
        }
        else if (_members.TryAdd(member, null))
        {
            Context.Watch(member);
        }

        requester.Tell(Attached.Instance);
    }

    private void OnJoin(IActorRef member, string requested)
    {
        if (!_members.TryGetValue(member, out var current))
        {
            return;
        }

        FlushBroadcasts();
        if (!ChatRules.TryValidateName(requested, _settings.MaxNameLength, out var name, out var key, out var error))
        {
            member.Tell(new Refused(ErrorCodes.InvalidName, error));
            return;
        }

        if (name == current)
        {
            return;
        }

        if (!_names.TryClaim(member, name, key, out var held))
        {
            _logger.NameRefusedAsTaken(_name, name, held);
            member.Tell(new Refused(ErrorCodes.NameTaken, held == name
                ? $"The name \"{name}\" is taken."
                : $"The name \"{name}\" is too close to \"{held}\", which is taken."));
            return;
        }

        _members[member] = name;
        _metrics.Joined();
        member.Tell(new NameAccepted(name));
        if (current is null)
        {
            _logger.UserJoined(_name, name);
            Broadcast(ChatProtocol.EncodeJoin(name));
            FlushBroadcasts();
            var users = _members.Values.OfType<string>().Order(StringComparer.OrdinalIgnoreCase).ToArray();
            member.Tell(new ConnectionActor.Deliver(ChatProtocol.EncodeUsers(name, users)));
        }
        else
        {
            _logger.UserRenamed(_name, current, name);
            Broadcast(ChatProtocol.EncodeRename(name, current));
        }
    }

    private void OnSay(IActorRef member, string? claimedName, string message)
    {
        if (!_members.TryGetValue(member, out var name))
        {
            return;
        }

        if (name is null)
        {
            FlushBroadcasts();
            member.Tell(new Refused(ErrorCodes.NotJoined, "Join the chat (chat-join) before sending messages."));
            return;
        }

        if (claimedName is not null && claimedName != name)
        {
            OnJoin(member, claimedName);
            name = _members[member]!;
        }

        Broadcast(ChatProtocol.EncodeMessage(name, message));
    }

    private void OnTerminated(IActorRef member)
    {
        if (!_members.Remove(member, out var name) || name is null)
        {
            return;
        }

        _names.Release(member, out _);
        _logger.UserLeft(_name, name);
        Broadcast(ChatProtocol.EncodeLeave(name));
    }

    private void OnDrain(Drain drain)
    {
        FlushBroadcasts();
        _draining = true;
        _logger.Draining(_name, _members.Count, drain.Window);
        var close = new ConnectionActor.Close(CloseCodes.GoingAway, "server shutting down");
        foreach (var member in _members.Keys)
        {
            var delay = drain.Window > TimeSpan.Zero
                ? TimeSpan.FromTicks(Random.Shared.NextInt64(drain.Window.Ticks))
                : TimeSpan.Zero;
            Context.System.Scheduler.ScheduleTellOnce(delay, member, close, Self);
        }
    }

    /// <summary>
    /// Queues a frame for every member. Frames queued while the room works through its mailbox go
    /// out together when the <see cref="Flush"/> it sends itself comes up: under load one message
    /// per member carries many frames; when idle a frame waits one mailbox hop. Anything the room
    /// tells a single member flushes first, so every member sees one order.
    /// </summary>
    private void Broadcast(byte[] frame)
    {
        _pending.Add(frame);
        if (!_flushQueued)
        {
            _flushQueued = true;
            Self.Tell(Flush.Instance);
        }
    }

    private void FlushBroadcasts()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var start = Stopwatch.GetTimestamp();
        var deliver = new ConnectionActor.Deliver([.. _pending]);
        _pending.Clear();
        foreach (var member in _members.Keys)
        {
            member.Tell(deliver, ActorRefs.NoSender);
        }

        _metrics.FanOut(Stopwatch.GetElapsedTime(start));
    }

    /// <summary>
    /// A connection is being accepted (bridge → room): it receives broadcasts from now on, and
    /// the sender gets <see cref="Attached"/> once it does.
    /// </summary>
    public sealed record Attach(IActorRef Connection);

    /// <summary>The connection named in <see cref="Attach"/> is a member (room → bridge).</summary>
    public sealed record Attached
    {
        public static readonly Attached Instance = new();
    }

    /// <summary>Join, or rename when already joined (connection → room). The name is not yet trimmed.</summary>
    public sealed record Join(string Username);

    /// <summary>
    /// Post a message (connection → room). A <paramref name="Username"/> other than the bound name
    /// is a rename attempt; null posts under the bound name, whatever it is by then.
    /// </summary>
    public sealed record Say(string? Username, string Message);

    /// <summary>The room bound this name to the connection (room → connection).</summary>
    public sealed record NameAccepted(string Username);

    /// <summary>The room refused a join, rename or message (room → connection).</summary>
    public sealed record Refused(string Code, string Message);

    /// <summary>Close every member with 1001, each at a random moment within <paramref name="Window"/>, and refuse new ones.</summary>
    public sealed record Drain(TimeSpan Window);

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    /// <summary>Asks for <see cref="Members"/> (health checks, tests).</summary>
    public sealed record GetMembers
    {
        public static readonly GetMembers Instance = new();
    }

    /// <summary>How many connections are attached, and the bound names.</summary>
    public sealed record Members(int Connections, IReadOnlyList<string> Names);
}
