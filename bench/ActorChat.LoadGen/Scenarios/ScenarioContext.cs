using System.Diagnostics;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>What a scenario runs against: the server's URL, its process (when known) and the profile.</summary>
internal sealed record ScenarioContext(Uri Url, ProcessStats? Server, Profile Profile, Action<string> Log)
{
    /// <summary>The subprotocol of the room scenarios.</summary>
    public WireProtocol Protocol { get; init; } = WireProtocol.Beej;

    /// <summary>Bytes in the server's data folder (its history file), when the harness made one.</summary>
    public Func<long?>? DataBytes { get; init; }

    /// <summary>Every node's URL (one for a one-process server); clients are spread over them round-robin.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [Url];

    /// <summary>The started server's processes (cluster nodes, metrics); null for a <c>--url</c> server.</summary>
    public ServerGroup? Group { get; init; }

    public int Nodes => Urls.Count;

    public LoopbackConnector Connector() => new(Urls);

    /// <summary>A room of the room scenarios, in <see cref="Protocol"/> (v1: room <c>bench</c>).</summary>
    public Room NewRoom() => new(Connector(), Protocol);

    public static double MiB(long bytes) => bytes / (1024.0 * 1024.0);

    public static double LoadGenCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>How many connections both this process and the server can hold open, less a reserve.</summary>
    public long ConnectionLimit()
    {
        var own = ProcessStats.OpenFilesLimit(Environment.ProcessId);
        var server = Server is null ? long.MaxValue : Server.OpenFilesLimit();
        return Math.Min(own, server) - 512;
    }
}

/// <summary>A scenario could not produce a valid measurement.</summary>
internal sealed class ScenarioException(string message) : Exception(message);
