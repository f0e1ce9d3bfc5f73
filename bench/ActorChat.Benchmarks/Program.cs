using ActorChat.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ActorChat.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(ProtocolBenchmarks).Assembly).Run(args);
