using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using Microsoft.Extensions.Logging;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Server;

/// <summary>
/// The server's control entity (one per cluster: a sharded entity with the one id
/// <see cref="ServerControlContract.EntityId"/>): server-wide bans and disconnects, decided by the pure
/// <see cref="ServerControlState"/>, persisted, replayed by recovery, and told to every node's gateway
/// through the cluster's publish-subscribe topic <see cref="ServerControlContract.Topic"/>. The asker
/// is answered once the act is durable.
/// </summary>
public sealed class ServerControlEntity : ReceivePersistentActor
{
    private readonly ServerControlState _state = new();
    private readonly IActorRef _mediator;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ServerControlEntity(IActorRef mediator, ILogger logger, TimeProvider time)
    {
        _mediator = mediator;
        _logger = logger;
        _time = time;

        Recover<ServerControlEvent>(_state.Apply);
        Command<BanServerWide>(ban => Decide(_state.DecideBan(ban, Now), e => new BanIssued(((ServerBanned)e).Ban)));
        Command<LiftServerBan>(lift => Decide(_state.DecideLift(lift, Now), e => new BanLifted(((ServerUnbanned)e).Id)));
        Command<DisconnectServerWide>(order => Decide(ServerControlState.DecideDisconnect(order, Now), e => new DisconnectIssued(((ServerDisconnected)e).UserId, ((ServerDisconnected)e).SessionId, e.At)));
        Command<GetServerAudit>(read =>
        {
            var (entries, more) = _state.AuditPage(read.Before, Math.Clamp(read.Limit, 1, 100));
            Sender.Tell(new ServerAudit(entries, more));
        });
        Command<GetServerBans>(_ => Sender.Tell(new BansInForce(_state.InForce(Now), LastSequenceNr)));
        Command<StopControl>(_ => Context.Stop(Self));
    }

    public override string PersistenceId => "server-control";

    private DateTimeOffset Now => _time.GetUtcNow();

    public static Props Props(IActorRef mediator, ILogger logger, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new ServerControlEntity(mediator, logger, time ?? TimeProvider.System));

    private void Decide(object decision, Func<ServerControlEvent, object> reply)
    {
        if (decision is not ServerControlEvent decided)
        {
            Sender.Tell(decision);
            return;
        }

        Persist(decided, e =>
        {
            _state.Apply(e);
            _logger.ServerControlAct(PersistedActionOf(e), e.By, Describe(e));
            _mediator.Tell(new Publish(Topic, e is ServerDisconnected d
                ? new DisconnectOrder(d.UserId, d.SessionId, d.Reason)
                  : new BansChanged(_state.InForce(Now), LastSequenceNr)));
            Sender.Tell(reply(e));
        });
    }

    private static string PersistedActionOf(ServerControlEvent e) => e switch
    {
        ServerBanned => "ban",
        ServerUnbanned => "unban",
        _ => "disconnect",
    };

    private static string Describe(ServerControlEvent e) => e switch
    {
        ServerBanned { Ban: var b } => b.UserId is { } user ? "user " + user : "address " + b.Address,
        ServerUnbanned u => $"ban {u.Id}",
        ServerDisconnected { UserId: { } user } => "user " + user,
        ServerDisconnected d => "session " + d.SessionId,
        _ => "?",
    };
}
