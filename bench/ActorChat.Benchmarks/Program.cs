using ActorChat.Benchmarks;
using ActorChat.Benchmarks.Rooms;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ActorChat.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/ActorChat.Benchmarks -- rooms [--rooms 100] [--members 10] [--seconds 10] [--window 200] [--stores sqlite,memory] [--rate msg/s] [--akka HOCON]
if (args is ["rooms", .. var rest])
{
    // A timed scenario with its own phases, not a BenchmarkDotNet benchmark: it measures rates and latency percentiles.
    return await RoomsScenario.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(ProtocolBenchmarks).Assembly).Run(args);
return 0;
