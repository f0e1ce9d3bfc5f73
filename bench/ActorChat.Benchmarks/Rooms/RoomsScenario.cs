using ActorChat.Actors;
using System.Diagnostics;
using System.Globalization;
using ActorChat.Actors.Rooms;
using ActorChat.History;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Benchmarks.Rooms;

/// <summary>
/// Issue 8's "many rooms" benchmark at the actor level, without sockets (v1 is not served yet): real
/// <see cref="RoomActor"/> rooms behind a <see cref="RoomRegion"/>, on the server's HOCON and history
/// wiring (an SQLite file in WAL mode in a temp folder, or the in-memory store), each room with
/// <c>members</c> <see cref="RoomMember"/>s of which one posts. Two phases per store: saturation
/// (each sender keeps <c>window</c> posts in flight) gives persisted messages/s and fan-out
/// deliveries/s; then each sender posts at a fixed rate, half the saturated one, for post → ack latency.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/ActorChat.Benchmarks -- rooms [--rooms 100] [--members 10]
/// [--seconds 10] [--window 200] [--stores sqlite,memory] [--rate msg/s] [--akka HOCON]</c> (<c>--rate</c>: the
/// latency phase's total rate instead of half the saturated one; <c>--akka</c>: HOCON over the server's). Bounded: every phase has a fixed
/// duration and every wait a deadline; the temp folder is deleted at the end.
/// </remarks>
public static class RoomsScenario
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public sealed record Options(int Rooms = 100, int Members = 10, double Seconds = 10, int Window = 200, string[]? Stores = null, string Akka = "", double? Rate = null)
    {
        public static Options Parse(IReadOnlyList<string> args)
        {
            var options = new Options();
            for (var i = 0; i + 1 < args.Count; i += 2)
            {
                var value = args[i + 1];
                options = args[i] switch
                {
                    "--rooms" => options with { Rooms = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--members" => options with { Members = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--window" => options with { Window = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--stores" => options with { Stores = value.Split(',') },
                    "--akka" => options with { Akka = value },
                    "--rate" => options with { Rate = double.Parse(value, CultureInfo.InvariantCulture) },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }

            return options;
        }
    }

    /// <summary>One store's figures.</summary>
    public sealed record Result(
        string Store,
        double PersistedPerSecond,
        double DeliveriesPerSecond,
        double FramesPerDeliver,
        double SaturatedCpuCores,
        double PacedPerSecond,
        double PacedTargetPerSecond,
        double P50Ms,
        double P99Ms,
        double MaxMs,
        long LatencySamples,
        long TotalPosted,
        long DatabaseBytes);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = Options.Parse(args);
        var stores = options.Stores ?? [HistoryOptions.Sqlite, HistoryOptions.Memory];
        Console.WriteLine($"rooms: {(options.Akka.Length > 0 ? $"[{options.Akka}] " : "")}{options.Rooms} rooms x {options.Members} members, one sender per room, window {options.Window}, {options.Seconds} s per phase; loadavg {LoadAverage()}");
        var results = new List<Result>();
        foreach (var store in stores)
        {
            var result = await RunStoreAsync(store, options);
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{store}] {result.TotalPosted:N0} messages posted in all; files {result.DatabaseBytes / 1024.0 / 1024:N1} MiB; loadavg {LoadAverage()}"));
        }

        Console.WriteLine();
        Console.WriteLine("| store | persisted msg/s (saturated) | fan-out deliveries/s | frames per Deliver | CPU cores busy | paced msg/s (target) | ack p50 | ack p99 | ack max | samples |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {r.Store} | {r.PersistedPerSecond:N0} | {r.DeliveriesPerSecond:N0} | {r.FramesPerDeliver:N1} | {r.SaturatedCpuCores:N2} | {r.PacedPerSecond:N0} ({r.PacedTargetPerSecond:N0}) | {r.P50Ms:N1} ms | {r.P99Ms:N1} ms | {r.MaxMs:N1} ms | {r.LatencySamples:N0} |"));
        }

        return 0;
    }

    /// <summary>The load average as <c>/proc/loadavg</c> has it (Linux), for the report.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    public static async Task<Result> RunStoreAsync(string provider, Options options)
    {
        var folder = Directory.CreateTempSubdirectory("actorchat-rooms-bench-").FullName;
        var database = Path.Combine(folder, "actorchat.db");
        try
        {
            var store = ChatHistory.Open(new HistoryOptions { Provider = provider, ConnectionString = $"Data Source={database}" });
            if (store.DatabasePath is not null && !store.IsWal)
            {
                throw new InvalidOperationException($"the SQLite file is in {store.JournalMode} mode, not WAL");
            }

            // As the server: its HOCON first, the history's settings as the fallback.
            var hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "actorchat.hocon");
            // --akka: HOCON over everything else, to try a journal setting without editing the server's files.
            var config = ConfigurationFactory.ParseString(options.Akka)
                .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
                .WithFallback(OneNode.Config)
                .WithFallback(File.Exists(hocon) ? ConfigurationFactory.ParseString(File.ReadAllText(hocon)) : Config.Empty)
                .WithFallback(ChatHistory.Config(store));
            using var system = ActorSystem.Create("rooms-bench", config);
            try
            {
                var result = await MeasureAsync(system, provider, options);
                return result with { DatabaseBytes = FolderBytes(folder) };
            }
            finally
            {
                await system.Terminate().WaitAsync(s_timeout);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Result> MeasureAsync(ActorSystem system, string provider, Options options)
    {
        var limits = new RoomLimits();
        var settings = new RoomSettings();
        OneNode.Join(system);
        var region = ChatNode.StartRooms(system, 100, room => RoomActor.Props(room, limits, settings, NullLogger.Instance), EntitySupervision.Default, NullLogger.Instance);
        var senders = new List<IActorRef>();
        var members = new List<IActorRef>();
        for (var r = 0; r < options.Rooms; r++)
        {
            var room = $"room-{r}";
            for (var m = 0; m < options.Members; m++)
            {
                var member = system.ActorOf(RoomMember.Props(room, $"s{r}-{m}", region), $"m{r}-{m}");
                members.Add(member);
                if (m == 0)
                {
                    senders.Add(member);
                }
            }
        }

        await Task.WhenAll(members.Select(m => m.Ask<RoomMember.Joined>(RoomMember.Join.Instance, s_timeout)));
        Console.WriteLine($"[{provider}] {members.Count} members entered {options.Rooms} rooms");

        // ---- saturation: each sender keeps a window of posts in flight ----
        var warmUp = TimeSpan.FromSeconds(Math.Min(3, Math.Max(0.5, options.Seconds / 4)));
        var phase = TimeSpan.FromSeconds(options.Seconds);
        Tell(senders, new RoomMember.Saturate(options.Window));
        await Task.Delay(warmUp);
        var before = await CountsAsync(members, false);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(phase);
        var after = await CountsAsync(members, false);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / seconds;
        var persisted = (after.Acks - before.Acks) / seconds;
        var deliveries = (after.Messages - before.Messages) / seconds;
        var framesPerDeliver = (double)(after.Messages + after.Acks - before.Messages - before.Acks) / Math.Max(1, after.Delivers - before.Delivers);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{provider}] saturated: {persisted:N0} persisted msg/s, {deliveries:N0} deliveries/s, {framesPerDeliver:N1} frames per Deliver, {cpu:N2} cores busy"));
        Tell(senders, RoomMember.Pause.Instance);
        await DrainAsync(members);

        // ---- latency: each sender posts at half its share of the saturated rate ----
        var target = options.Rate ?? persisted / 2;
        Tell(senders, new RoomMember.Paced(target / options.Rooms));
        await Task.Delay(warmUp);
        await Task.WhenAll(senders.Select(s => s.Ask<RoomMember.Joined>(RoomMember.ResetLatencies.Instance, s_timeout)));
        before = await CountsAsync(members, false);
        clock.Restart();
        await Task.Delay(phase);
        Tell(senders, RoomMember.Pause.Instance);
        var pacedSeconds = clock.Elapsed.TotalSeconds;
        await DrainAsync(members);
        after = await CountsAsync(members, true);
        var paced = (after.Posted - before.Posted) / pacedSeconds;
        var latencies = after.Latencies;
        Array.Sort(latencies);
        var p50 = Milliseconds(Percentile(latencies, 0.50));
        var p99 = Milliseconds(Percentile(latencies, 0.99));
        var max = Milliseconds(latencies.Length == 0 ? 0 : latencies[^1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{provider}] paced at {target:N0}/s: {paced:N0} persisted msg/s, ack p50 {p50:N1} ms, p99 {p99:N1} ms, max {max:N1} ms ({latencies.Length:N0} posts)"));

        // Every acked post is in its room's history: the rooms' offsets add up to the acks.
        var statuses = await Task.WhenAll(Enumerable.Range(0, options.Rooms)
            .Select(r => region.Ask<RoomContract.Status>(new RoomContract.GetStatus($"room-{r}"), s_timeout)));
        var offsets = statuses.Sum(s => s.Position.Offset);
        if (offsets != after.Acks || after.Posted != after.Acks)
        {
            throw new InvalidOperationException($"posted {after.Posted}, acked {after.Acks}, rooms' offsets add up to {offsets}");
        }

        var expectedMessages = after.Acks * options.Members;
        if (after.Messages != expectedMessages)
        {
            throw new InvalidOperationException($"members received {after.Messages} messages, expected {expectedMessages}");
        }

        return new Result(provider, persisted, deliveries, framesPerDeliver, cpu, paced, target, p50, p99, max, latencies.Length, after.Posted, 0);
    }

    private static void Tell(List<IActorRef> actors, object message)
    {
        foreach (var actor in actors)
        {
            actor.Tell(message, ActorRefs.NoSender);
        }
    }

    /// <summary>Waits (bounded) until every post in flight is acked and delivered to every member.</summary>
    private static async Task DrainAsync(List<IActorRef> members)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (true)
        {
            var counts = await CountsAsync(members, false);
            if (counts.InFlight == 0 && counts.Messages == counts.Acks * (members.Count / Math.Max(1, counts.Senders)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"posts still in flight after {s_timeout}: {counts}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<Totals> CountsAsync(List<IActorRef> members, bool withLatencies)
    {
        var counts = await Task.WhenAll(members.Select(m => m.Ask<RoomMember.Counts>(new RoomMember.GetCounts(withLatencies), s_timeout)));
        return new Totals(
            counts.Sum(c => c.Posted),
            counts.Sum(c => c.Acks),
            counts.Sum(c => c.Messages),
            counts.Sum(c => c.Delivers),
            counts.Sum(c => c.InFlight),
            counts.Count(c => c.Posted > 0),
            [.. counts.SelectMany(c => c.Latencies)]);
    }

    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static long FolderBytes(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles().Sum(f => f.Length);

    private sealed record Totals(long Posted, long Acks, long Messages, long Delivers, int InFlight, int Senders, long[] Latencies);
}
