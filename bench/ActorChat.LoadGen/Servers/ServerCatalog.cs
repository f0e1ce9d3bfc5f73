using System.Diagnostics;
using System.Globalization;

namespace ActorChat.LoadGen.Servers;

/// <summary>A server the harness can start: how to launch it on a port, and what it needs built.</summary>
/// <param name="Setup">Installs what is missing (the Node peers' <c>npm ci</c>); null when nothing can be installed here.</param>
internal sealed record ServerSpec(string Name, string Description, string RequiredFile, Func<int, ProcessStartInfo> StartInfo, ProcessStartInfo? Setup = null);

/// <summary>ActorChat and its peers, as the harness starts them (see bench/README.md).</summary>
internal static class ServerCatalog
{
    public static readonly IReadOnlyList<string> Names = ["actorchat", "node-ws", "node-websocket", "raw-kestrel"];

    /// <summary>
    /// Settings ActorChat gets under benchmark: its per-connection rate limits would drop the
    /// senders' floods, and its per-address connection limits (1000 open, 20 new per second)
    /// would refuse big rooms opened from one loopback address. The outbound queue bound (the
    /// slow-consumer policy) keeps its default.
    /// </summary>
    public static readonly IReadOnlyList<string> ActorChatBenchmarkArgs =
    [
        "--ActorChat:MaxConnectionsPerAddress=1000000",
        "--ActorChat:ConnectionsPerSecondPerAddress=1000000",
        "--ActorChat:ConnectionBurstPerAddress=1000000",
        "--ActorChat:Limits:PacketsPerSecond=100000000",
        "--ActorChat:Limits:PacketBurst=100000000",
        "--ActorChat:Limits:FloodTolerance=100000000",
    ];

    public static ServerSpec Get(string name, string repoRoot, IReadOnlyList<string> actorChatArgs) => name switch
    {
        "actorchat" => ActorChat(repoRoot, actorChatArgs),
        "node-ws" => Node(name, "Node.js + npm ws", repoRoot, "node-ws"),
        "node-websocket" => Node(name, "Node.js + npm websocket (the original's library)", repoRoot, "node-websocket"),
        "raw-kestrel" => RawKestrel(repoRoot),
        _ => throw new ArgumentException($"unknown server '{name}' (known: {string.Join(", ", Names)})"),
    };

    private static ServerSpec ActorChat(string repoRoot, IReadOnlyList<string> extraArgs)
    {
        var dll = Path.Combine(repoRoot, "src", "ActorChat.Host", "bin", "Release", "net10.0", "ActorChat.Host.dll");
        return new ServerSpec("actorchat", "ActorChat (Akka.NET + Kestrel)", dll, port =>
        {
            var info = DotnetInfo(dll, repoRoot);
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            foreach (var arg in ActorChatBenchmarkArgs.Concat(extraArgs))
            {
                info.ArgumentList.Add(arg);
            }

            return info;
        });
    }

    private static ServerSpec RawKestrel(string repoRoot)
    {
        var dll = Path.Combine(repoRoot, "bench", "peers", "RawKestrel", "bin", "Release", "net10.0", "RawKestrel.dll");
        return new ServerSpec("raw-kestrel", "ASP.NET Core WebSockets, no actors", dll, port =>
        {
            var info = DotnetInfo(dll, Path.GetDirectoryName(dll)!);
            info.ArgumentList.Add("--port");
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            return info;
        });
    }

    private static ServerSpec Node(string name, string description, string repoRoot, string folder)
    {
        var directory = Path.Combine(repoRoot, "bench", "peers", folder);
        var setup = new ProcessStartInfo("npm") { WorkingDirectory = directory };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            setup.ArgumentList.Add(arg);
        }

        return new ServerSpec(
            name,
            description,
            Path.Combine(directory, "node_modules", ".package-lock.json"),
            port =>
            {
                var info = new ProcessStartInfo("node") { WorkingDirectory = directory };
                info.ArgumentList.Add("server.js");
                info.ArgumentList.Add("--port");
                info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
                return info;
            },
            setup);
    }

    private static ProcessStartInfo DotnetInfo(string dll, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory };
        info.ArgumentList.Add(dll);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return info;
    }
}
