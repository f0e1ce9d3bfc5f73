using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// The one supervision story of every sharded entity (rooms, sessions, names): the shard starts an
/// <see cref="EntityHost"/>, which runs the entity as its only child. An entity that throws, or
/// stops without being asked to (a failed recovery or write), is started again after a backoff that
/// doubles with each failure in a row (<see cref="EntitySupervision"/>), so one that fails on every
/// message, or cannot recover at all, costs a bounded amount of work instead of spinning. What
/// arrives meanwhile waits here, in order, and is handed to the next incarnation (bounded: past
/// <see cref="EntitySupervision.MaxBuffered"/> it goes to dead letters, which are logged).
/// </summary>
/// <remarks>
/// <para>
/// To the shard the host is the entity: the entity's <see cref="Akka.Cluster.Sharding.Passivate"/>
/// (sent to its parent, the host) is passed up as the host's own, and the shard's stop message
/// (passivation, hand-off) is passed down; once the entity has stopped after it, the host stops.
/// Senders are kept both ways, so whoever talks to the entity sees the entity's own ref.
/// </para>
/// <para>
/// A failure in a row is one within <see cref="EntitySupervision.ResetAfter"/> of the entity's last
/// start; a later one starts again from <see cref="EntitySupervision.MinBackoff"/>.
/// </para>
/// </remarks>
public sealed class EntityHost : ReceiveActor, IWithTimers
{
    private const string RestartTimer = "restart";

    private readonly Props _entityProps;
    private readonly Func<object, bool> _isStopMessage;
    private readonly EntitySupervision _supervision;
    private readonly ILogger _logger;
    private readonly Queue<(object Message, IActorRef Sender)> _waiting = new();

    private IActorRef? _entity;
    private DateTime _startedAt;
    private int _failuresInARow;
    private int _incarnation;
    private bool _stopAsked;
    private bool _dying;

    public EntityHost(Props entityProps, Func<object, bool> isStopMessage, EntitySupervision supervision, ILogger logger)
    {
        _entityProps = entityProps;
        _isStopMessage = isStopMessage;
        _supervision = supervision;
        _logger = logger;

        Receive<Terminated>(OnTerminated, t => t.ActorRef.Equals(_entity));
        Receive<RestartDue>(_ => StartEntity());
        ReceiveAny(OnMessage);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>How many entities this host has started (tests).</summary>
    internal int Incarnations => _incarnation;

    /// <param name="entityProps">The entity's own props.</param>
    /// <param name="isStopMessage">The shard's stop message (hand-off and passivation) for this kind of entity.</param>
    public static Props Props(Props entityProps, Func<object, bool> isStopMessage, EntitySupervision supervision, ILogger logger) =>
        Akka.Actor.Props.Create(() => new EntityHost(entityProps, isStopMessage, supervision, logger));

    /// <summary>Whatever the entity throws stops it; the host decides when it starts again.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(cause =>
    {
        _logger.EntityFailed(Self.Path.Name, cause.GetType().Name, cause.Message);
        _dying = true;
        return Directive.Stop;
    });

    protected override void PreStart() => StartEntity();

    private void StartEntity()
    {
        _entity = Context.Watch(Context.ActorOf(_entityProps, $"e{++_incarnation}"));
        _startedAt = DateTime.UtcNow;
        while (_waiting.TryDequeue(out var waiting))
        {
            _entity.Tell(waiting.Message, waiting.Sender);
        }
    }

    private void OnMessage(object message)
    {
        if (_entity is { } entity && Sender.Equals(entity))
        {
            if (message is Stopping)
            {
                // What comes from now on would die with it: held for the next incarnation.
                _dying = true;
                return;
            }

            // The entity's own word to its shard (Passivate): from the host, which the shard knows.
            Context.Parent.Tell(message, Self);
            return;
        }

        if (_isStopMessage(message))
        {
            _stopAsked = true;
            if (_entity is null)
            {
                // Between incarnations: nothing to stop but the host.
                Context.Stop(Self);
                return;
            }
        }

        if (_entity is not null && !_dying)
        {
            _entity.Forward(message);
        }
        else if (_waiting.Count < _supervision.MaxBuffered)
        {
            _waiting.Enqueue((message, Sender));
        }
        else
        {
            Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        _entity = null;
        _dying = false;
        if (_stopAsked)
        {
            // The shard holds what comes during a passivation or hand-off; anything held here
            // (sent as the entity was stopping) goes to dead letters, which are logged.
            while (_waiting.TryDequeue(out var waiting))
            {
                Context.System.DeadLetters.Tell(new DeadLetter(waiting.Message, waiting.Sender, Self), waiting.Sender);
            }

            Context.Stop(Self);
            return;
        }

        // Stopped without being asked: a failure. In a row if it came soon after the last start.
        _failuresInARow = DateTime.UtcNow - _startedAt < _supervision.ResetAfter ? _failuresInARow + 1 : 1;
        var delay = _supervision.Backoff(_failuresInARow);
        _logger.EntityRestarting(Self.Path.Name, _failuresInARow, delay);
        Timers.StartSingleTimer(RestartTimer, RestartDue.Instance, delay);
    }

    /// <summary>
    /// Entity → host, first thing in its <c>PostStop</c>: it is stopping, so what arrives from now on
    /// is held for the next incarnation (a room's members enter again the moment it tells them it
    /// stopped, before the host has seen it terminate).
    /// </summary>
    public sealed record Stopping : INoSerializationVerificationNeeded
    {
        public static readonly Stopping Instance = new();
    }

    /// <summary>The backoff is over (the host's own timer; tests send it to skip the wait).</summary>
    internal sealed record RestartDue : INoSerializationVerificationNeeded
    {
        public static readonly RestartDue Instance = new();
    }
}

/// <summary>How <see cref="EntityHost"/> restarts a failed entity.</summary>
/// <param name="MinBackoff">The wait after a first failure.</param>
/// <param name="MaxBackoff">The longest wait, however many failures in a row.</param>
/// <param name="ResetAfter">An entity that ran this long before failing starts again from <paramref name="MinBackoff"/>.</param>
/// <param name="MaxBuffered">Messages held for an entity between incarnations; more go to dead letters.</param>
public sealed record EntitySupervision(TimeSpan MinBackoff, TimeSpan MaxBackoff, TimeSpan ResetAfter, int MaxBuffered)
{
    /// <summary>200 ms doubling to 30 s; reset after 30 s of running; 10,000 messages held.</summary>
    public static readonly EntitySupervision Default = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 10_000);

    /// <summary>The wait before the next start after <paramref name="failuresInARow"/> failures in a row.</summary>
    public TimeSpan Backoff(int failuresInARow)
    {
        var doublings = Math.Clamp(failuresInARow - 1, 0, 30);
        var ticks = Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks * (1L << Math.Min(doublings, 20)));
        return TimeSpan.FromTicks(ticks);
    }
}
