using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>
/// Logs each message that reached no actor (2007, a warning): one told to a room, a session or a
/// name as it stopped or moved to another node, an answer to a connection that had gone. Bounded
/// by Akka's own settings: the first <c>akka.log-dead-letters</c>, then none for
/// <c>akka.log-dead-letters-suspend-duration</c>, then as many again; none while the node shuts
/// down unless <c>akka.log-dead-letters-during-shutdown</c>. Messages whose loss is expected
/// (<see cref="IDeadLetterSuppression"/>, e.g. a frame for a connection that has just closed) are
/// not dead letters here.
/// </summary>
/// <remarks>
/// Akka logs dead letters itself, but as information under the category of all its logs, which
/// the host keeps at warnings (appsettings.json, <c>Akka</c>): this says it where it is read.
/// </remarks>
public sealed class DeadLetterLog : ReceiveActor
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _max;
    private readonly TimeSpan _suspend;
    private readonly bool _duringShutdown;
    private int _count;
    private DateTimeOffset? _quietUntil;

    public DeadLetterLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        var settings = Context.System.Settings;
        _max = settings.LogDeadLetters;
        _suspend = settings.LogDeadLettersSuspendDuration;
        _duringShutdown = settings.LogDeadLettersDuringShutdown;
        Receive<DeadLetter>(OnDeadLetter);
    }

    /// <summary>The actor's name under <c>/user</c>.</summary>
    public const string Name = "dead-letters";

    public static Props Props(ILogger logger, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new DeadLetterLog(logger, time ?? TimeProvider.System));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnDeadLetter(DeadLetter dead)
    {
        if (_max <= 0 || IsHousekeepingReply(dead.Message) || (!_duringShutdown && CoordinatedShutdown.Get(Context.System).ShutdownReason is not null))
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_quietUntil is { } until)
        {
            if (now < until)
            {
                return;
            }

            (_quietUntil, _count) = (null, 0);
        }

        _count++;
        _logger.DeadLetter(dead.Message.GetType().Name, PathOf(dead.Sender), PathOf(dead.Recipient), _count, _max, _suspend);
        if (_count >= _max)
        {
            _quietUntil = now + _suspend;
        }
    }

    /// <summary>
    /// The journal's and snapshot store's confirmations of a delete or a snapshot: an entity that
    /// ends (a session that is over deletes its events and snapshots, then stops) does not wait for
    /// them, so they routinely find it gone, and nothing was lost.
    /// </summary>
    private static bool IsHousekeepingReply(object message) =>
        message is DeleteMessagesSuccess or DeleteSnapshotsSuccess or DeleteSnapshotSuccess or SaveSnapshotSuccess;

    private static string PathOf(IActorRef? actor) => actor is null || actor.IsNobody() ? "nobody" : actor.Path.ToString();
}
