namespace ActorChat.Host.Tests;

/// <summary>
/// Tests that read process-wide figures (the managed heap, meters matched by name) run alone,
/// after the parallel ones, so other tests' servers do not show up in what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Process-wide measurements";
}
