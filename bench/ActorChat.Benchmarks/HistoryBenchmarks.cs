using ActorChat.History;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ActorChat.Benchmarks;

/// <summary>
/// Persisted chat messages per second on the history store the server uses (an SQLite file in a
/// temp folder, WAL, one writer; or memory), when each room persists its messages in batches of
/// <see cref="Batch"/> with one <c>PersistAll</c> per batch, the next batch after the previous one
/// is durable. One operation is one persisted message; <see cref="Rooms"/> rooms write at once
/// (the journal groups their writes into one transaction).
/// </summary>
/// <remarks>
/// Short and bounded: one launch, one warm-up and five measured iterations of
/// <see cref="MessagesPerInvoke"/> messages each, e.g.
/// <c>dotnet run -c Release --project bench/ActorChat.Benchmarks -- --filter '*History*'</c>.
/// </remarks>
[Config(typeof(ShortRun))]
public class HistoryBenchmarks : IDisposable
{
    private const int MessagesPerInvoke = 6000;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private readonly List<IActorRef> _writers = [];
    private ActorSystem? _system;
    private string? _folder;

    [Params(HistoryOptions.Sqlite, HistoryOptions.Memory)]
    public string Provider { get; set; } = HistoryOptions.Sqlite;

    [Params(1, 10, 100)]
    public int Batch { get; set; }

    [Params(1, 10)]
    public int Rooms { get; set; }

    /// <summary>One job in this process: each iteration is one long invocation, measured as it runs.</summary>
    private sealed class ShortRun : ManualConfig
    {
        public ShortRun() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("actorchat-history-bench-").FullName;
        var store = ChatHistory.Open(new HistoryOptions
        {
            Provider = Provider,
            ConnectionString = $"Data Source={Path.Combine(_folder, "actorchat.db")}",
        });
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ChatHistory.Config(store)));
        for (var i = 0; i < Rooms; i++)
        {
            var room = $"room-{i}";
            _writers.Add(_system.ActorOf(Props.Create(() => new BatchWriter(room)), room));
        }
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public void PersistAll()
    {
        var perRoom = MessagesPerInvoke / Rooms;
        Task.WaitAll([.. _writers.Select(w => w.Ask<BatchWriter.Done>(new BatchWriter.Write(perRoom, Batch), s_timeout))]);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _system?.Terminate().Wait(s_timeout);
        _system?.Dispose();
        _system = null;
        _writers.Clear();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
            _folder = null;
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A room's write path, reduced to persisting: each batch one PersistAll, the next when it is durable.</summary>
    private sealed class BatchWriter : ReceivePersistentActor
    {
        private static readonly string s_text = new('x', 100);
        private long _offset;

        public BatchWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<ChatMessage>(m => _offset = m.Offset);
            Command<Write>(write =>
            {
                var replyTo = Sender;
                for (var left = write.Count; left > 0; left -= write.Batch)
                {
                    // One command per batch: the actor stashes commands while a batch is being
                    // written, so each batch is its own write to the journal.
                    Self.Tell(new Next(Math.Min(left, write.Batch), left <= write.Batch ? replyTo : null));
                }
            });
            Command<Next>(next =>
            {
                var batch = new ChatMessage[next.Count];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = new ChatMessage(PersistenceId, ++_offset, "bench", s_text, DateTimeOffset.UtcNow, "cid");
                }

                PersistAll(batch, _ => { });
                if (next.ReplyTo is { } replyTo)
                {
                    DeferAsync(next, _ => replyTo.Tell(Done.Instance));
                }
            });
        }

        public override string PersistenceId { get; }

        public sealed record Write(int Count, int Batch);

        public sealed record Next(int Count, IActorRef? ReplyTo);

        public sealed record Done
        {
            public static readonly Done Instance = new();
        }
    }
}
