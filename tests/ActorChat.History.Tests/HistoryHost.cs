using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorChat.History.Tests;

/// <summary>
/// An actor system started the way the server starts its own: a generic host running Akka.Hosting,
/// with the history wired by <see cref="HistoryHosting.WithChatHistory"/>. Disposing it stops the
/// host, which terminates the actor system (and with it the journal's connections).
/// </summary>
internal sealed class HistoryHost : IAsyncDisposable
{
    /// <summary>The bound on every wait in these tests, scaled by the suite's time factor.</summary>
    public static readonly TimeSpan Timeout = TestTime.Seconds(10);

    private readonly IHost _host;
    private bool _stopped;

    private HistoryHost(IHost host, LogCapture logs)
    {
        _host = host;
        Logs = logs;
    }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    /// <summary>What the history wiring logged.</summary>
    public LogCapture Logs { get; }

    public static async Task<HistoryHost> StartAsync(HistoryOptions options)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddAkka("history-test", (akka, sp) => akka.WithChatHistory(
            options,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("ActorChat.History")));
        var host = builder.Build();
        try
        {
            using var cts = new CancellationTokenSource(Timeout * 3);
            await host.StartAsync(cts.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        var started = new HistoryHost(host, logs);
        await started.StartSchedulerAsync();
        return started;
    }

    /// <summary>
    /// Akka starts its scheduler on first use, and every caller that comes before it has started
    /// blocks its thread in <c>HashedWheelTimerScheduler.Start</c>: dozens of persistent actors
    /// starting their recovery (which schedules its timeout) in a new actor system's first moment
    /// took that many thread-pool threads and stalled the process for tens of seconds on 2 cores.
    /// The server's scheduler is running long before its rooms are (its rooms, sessions and health
    /// checks use timers from the start); here a timer run once does the same.
    /// </summary>
    private async Task StartSchedulerAsync()
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        System.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, ran.SetResult);
        await ran.Task.WaitAsync(Timeout);
    }

    /// <summary>Starts a persistent actor of the tests under <paramref name="persistenceId"/>.</summary>
    public IActorRef Probe(string persistenceId) => System.ActorOf(HistoryProbe.Props(persistenceId));

    /// <summary>Asks <paramref name="actor"/> within <see cref="Timeout"/>.</summary>
    public static Task<T> AskAsync<T>(IActorRef actor, object message) => actor.Ask<T>(message, Timeout);

    /// <summary>Stops <paramref name="actor"/> and waits until it has stopped.</summary>
    public static async Task StopAsync(IActorRef actor) =>
        Assert.True(await actor.GracefulStop(Timeout), $"{actor} did not stop");

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            using var cts = new CancellationTokenSource(Timeout * 3);
            await _host.StopAsync(cts.Token);
        }

        _host.Dispose();
    }

    /// <summary>Log entries, by event id.</summary>
    internal sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(int, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>A folder of its own under the system's temp folder, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("actorchat-history-").FullName;

    /// <summary>An SQLite history in this folder, at <paramref name="relative"/>.</summary>
    public HistoryOptions Sqlite(string relative = "history.db") => new()
    {
        Provider = HistoryOptions.Sqlite,
        ConnectionString = $"Data Source={System.IO.Path.Combine(Path, relative)}",
    };

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
