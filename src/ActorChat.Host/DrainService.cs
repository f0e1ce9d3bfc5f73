using System.Diagnostics;
using ActorChat.Actors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// Graceful shutdown. Before the web server and the actor system stop, it refuses new
/// connections, asks the gateway to close every connection with 1001 (spread over the drain window,
/// each after its queued frames), and waits up to the drain timeout for the sockets to finish.
/// A node with other nodes up closes with 1012 instead (its clients resume on another node). Then
/// the node leaves its cluster, handing its rooms over (a node alone stops them once durable),
/// before the process goes on to exit.
/// </summary>
internal sealed class DrainService(
    ConnectionGate gate,
    IRequiredActor<ChatGateway> gateway,
    IOptions<ChatServerOptions> options,
    IServiceProvider services,
    ILogger<DrainService> logger) : IHostedLifecycleService
{
    /// <summary>
    /// The longest a leave may take. Coordinated shutdown bounds each phase (hocon/actorchat.hocon):
    /// handing the rooms over, leaving, exiting; this bounds the whole, within the host's own
    /// shutdown timeout (<see cref="ChatServer"/> raises that for a cluster node).
    /// </summary>
    public static readonly TimeSpan LeaveBound = TimeSpan.FromSeconds(30);

    private readonly ChatServerOptions _options = options.Value;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var othersServe = OthersServe();
        gate.StartDraining(othersServe);
        var (code, reason) = ConnectionGate.DrainClose(othersServe);
        logger.Draining(gate.Open, code, _options.DrainWindow);
        var start = Stopwatch.GetTimestamp();

        // Always, even with no connection counted: one admitted a moment ago may not be counted
        // yet, and the gateway closes (with the same code) every connection made after the drain.
        (await gateway.GetAsync(cancellationToken).ConfigureAwait(false)).Tell(new ChatGateway.Drain(_options.DrainWindow, code, reason), ActorRefs.NoSender);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DrainTimeout);
        try
        {
            while (gate.Open > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: whatever is still open is aborted when the server stops.
        }

        logger.Drained(gate.Open, Stopwatch.GetElapsedTime(start));

        await LeaveAsync().ConfigureAwait(false);
    }

    /// <summary>True when another node of the cluster is up to take this one's clients and rooms.</summary>
    private bool OthersServe()
    {
        // No actor system: the host stops before it was ever started.
        if (services.GetService<ActorSystem>() is not { } system || system.WhenTerminated.IsCompleted)
        {
            return false;
        }

        var cluster = Akka.Cluster.Cluster.Get(system);
        return cluster.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up && m.Address != cluster.SelfAddress);
    }

    /// <summary>
    /// Leaves the cluster through coordinated shutdown (its sharding phase hands the rooms over, each
    /// stopping once its last batch is durable), so the others take the rooms over at once instead
    /// of waiting for the resolver to down this node. It ends by stopping the actor system, which
    /// Akka.Hosting would do next anyway (the same run).
    /// </summary>
    private async Task LeaveAsync()
    {
        if (services.GetService<ActorSystem>() is not { } system || system.WhenTerminated.IsCompleted)
        {
            // Never started, or downed by the others (the resolver): out of the cluster already.
            return;
        }

        logger.ClusterLeaving();
        var start = Stopwatch.GetTimestamp();
        try
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(LeaveBound).ConfigureAwait(false);
            logger.ClusterLeft(Stopwatch.GetElapsedTime(start));
        }
        catch (TimeoutException)
        {
            logger.ClusterLeaveTimedOut(LeaveBound);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
