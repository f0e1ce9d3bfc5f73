using System.Diagnostics;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;

namespace ActorChat.Benchmarks.Rooms;

/// <summary>
/// A room member standing in for a v1 connection: it enters its room through the region, counts the
/// <c>message</c> frames the room delivers to it and, when it is its room's sender, posts and times the
/// <c>ack</c> of each post. Frames are told apart by their first bytes (<c>{"type":"ack"</c>,
/// <c>{"type":"message"</c>), which is how <c>V1Protocol</c> writes them; nothing is decoded.
/// </summary>
/// <remarks>
/// A room acks a member's posts in order (batches are written one after the other and each batch's
/// acks keep the order of its posts), so the ack of the oldest post in flight is always the next one:
/// a queue of send times is enough to time every post.
/// </remarks>
public sealed class RoomMember : ReceiveActor, IWithTimers
{
    private static readonly byte[] s_ack = "{\"type\":\"ack\""u8.ToArray();
    private static readonly byte[] s_message = "{\"type\":\"message\""u8.ToArray();
    private static readonly string s_text = new('x', 100);
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);

    private readonly string _room;
    private readonly string _session;
    private readonly IActorRef _region;
    private readonly Queue<long> _inFlight = new();
    private readonly List<long> _latencies = [];
    private IActorRef? _enteredReplyTo;
    private Mode _mode = Mode.Idle;
    private int _window;
    private double _perSecond;
    private long _pacedStart;
    private long _pacedSent;
    private long _posted;
    private long _acks;
    private long _messages;
    private long _delivers;

    public RoomMember(string room, string session, IActorRef region)
    {
        _room = room;
        _session = session;
        _region = region;
        Receive<Join>(_ =>
        {
            _enteredReplyTo = Sender;
            _region.Tell(new RoomContract.Enter(_room, _session, _session, Self, Subprotocols.V1, null, null, null), Self);
        });
        Receive<RoomContract.Entered>(_ => _enteredReplyTo?.Tell(Joined.Instance));
        Receive<ConnectionActor.Deliver>(OnDeliver);
        Receive<Saturate>(s =>
        {
            _mode = Mode.Saturate;
            _window = s.Window;
            while (_inFlight.Count < _window)
            {
                PostOne();
            }
        });
        Receive<Paced>(p =>
        {
            _mode = Mode.Paced;
            _perSecond = p.PerSecond;
            _pacedStart = Stopwatch.GetTimestamp();
            _pacedSent = 0;
            Timers.StartPeriodicTimer("tick", Tick.Instance, s_tick);
        });
        Receive<Tick>(_ => OnTick());
        Receive<Pause>(_ =>
        {
            _mode = Mode.Idle;
            Timers.CancelAll();
        });
        Receive<ResetLatencies>(_ =>
        {
            _latencies.Clear();
            Sender.Tell(Joined.Instance);
        });
        Receive<GetCounts>(g => Sender.Tell(new Counts(_posted, _acks, _messages, _delivers, _inFlight.Count, g.WithLatencies ? [.. _latencies] : [])));
        Receive<RoomContract.Refused>(r => throw new InvalidOperationException($"{_room}: the room refused a post: {r.Code} {r.Message}"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string room, string session, IActorRef region) =>
        Akka.Actor.Props.Create(() => new RoomMember(room, session, region));

    private void OnDeliver(ConnectionActor.Deliver deliver)
    {
        _delivers++;
        foreach (var frame in deliver.Frames)
        {
            var span = frame.Span;
            if (span.StartsWith(s_message))
            {
                _messages++;
            }
            else if (span.StartsWith(s_ack))
            {
                _acks++;
                var sent = _inFlight.Dequeue();
                _latencies.Add(Stopwatch.GetTimestamp() - sent);
                if (_mode == Mode.Saturate)
                {
                    PostOne();
                }
            }
        }
    }

    private void OnTick()
    {
        if (_mode != Mode.Paced)
        {
            return;
        }

        var due = (long)(Stopwatch.GetElapsedTime(_pacedStart).TotalSeconds * _perSecond);
        for (; _pacedSent < due; _pacedSent++)
        {
            PostOne();
        }
    }

    private void PostOne()
    {
        _posted++;
        _inFlight.Enqueue(Stopwatch.GetTimestamp());

        // A cid on every post, as a v1 client sends: the room's duplicate check is part of the cost.
        _region.Tell(new RoomContract.Post(_room, _session, s_text, _posted.ToString(System.Globalization.CultureInfo.InvariantCulture), null), Self);
    }

    private enum Mode
    {
        Idle,
        Saturate,
        Paced,
    }

    /// <summary>Enter the room; answered with <see cref="Joined"/> once the room has answered.</summary>
    public sealed record Join
    {
        public static readonly Join Instance = new();
    }

    public sealed record Joined
    {
        public static readonly Joined Instance = new();
    }

    /// <summary>Keep <paramref name="Window"/> posts in flight: a new post for each ack.</summary>
    public sealed record Saturate(int Window);

    /// <summary>Post <paramref name="PerSecond"/> messages a second, whatever the acks do.</summary>
    public sealed record Paced(double PerSecond);

    /// <summary>Post nothing more (posts in flight are still acked).</summary>
    public sealed record Pause
    {
        public static readonly Pause Instance = new();
    }

    public sealed record ResetLatencies
    {
        public static readonly ResetLatencies Instance = new();
    }

    public sealed record GetCounts(bool WithLatencies);

    /// <summary>Totals since the start; <paramref name="Latencies"/> in <see cref="Stopwatch"/> ticks, since the last reset.</summary>
    public sealed record Counts(long Posted, long Acks, long Messages, long Delivers, int InFlight, long[] Latencies);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}
