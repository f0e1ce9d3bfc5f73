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
/// </summary>
internal sealed class DrainService(
    ConnectionGate gate,
    IRequiredActor<ChatGateway> gateway,
    IOptions<ChatServerOptions> options,
    ILogger<DrainService> logger) : IHostedLifecycleService
{
    private readonly ChatServerOptions _options = options.Value;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        gate.StartDraining();
        logger.Draining(gate.Open, _options.DrainWindow);
        var start = Stopwatch.GetTimestamp();

        // Always, even with no connection counted: one admitted a moment ago may not be counted
        // yet, and the gateway closes (with 1001) every connection made after the drain.
        (await gateway.GetAsync(cancellationToken).ConfigureAwait(false)).Tell(new ChatGateway.Drain(_options.DrainWindow), ActorRefs.NoSender);

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
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
