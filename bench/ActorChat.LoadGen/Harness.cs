using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen.Reporting;
using ActorChat.LoadGen.Scenarios;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen;

/// <summary>
/// Runs the selected scenarios against each server in turn. Each scenario gets a freshly started
/// server (on a free loopback port, killed afterwards) and a time limit; a failure is recorded and
/// the run goes on. With <c>--url</c> the one given server is used as it is.
/// </summary>
internal sealed class Harness(CliOptions options, string repoRoot, TextWriter log)
{
    // a cluster of three on two shared cores takes a while: three .NET processes, joins, shard regions
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(120);

    /// <summary>A server ready for a scenario: where it listens (one URL per node), its processes, who stops it, its data folder's size.</summary>
    private sealed record Started(IReadOnlyList<Uri> Urls, ProcessStats? Stats, IAsyncDisposable? Owner, Func<long?>? DataBytes, ServerGroup? Group = null);

    public async Task<List<ServerResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<ServerResult>();
        if (options.Url is not null)
        {
            var result = new ServerResult(options.Label, $"external server at {options.Url}") { Protocol = ProtocolName };
            var stats = options.Pid is { } pid ? new ProcessStats(pid) : null;
            await RunServerAsync(result, speaksV1: true, _ => Task.FromResult(new Started([options.Url], stats, null, null)), cancellationToken);
            results.Add(result);
            return results;
        }

        foreach (var name in options.Servers)
        {
            var spec = ServerCatalog.Get(name, repoRoot, options.ActorChatArgs, options.BeforeRoot);
            var result = new ServerResult(spec.Name, spec.Description) { Protocol = ProtocolName, Nodes = spec.Nodes };
            await RunServerAsync(result, spec.SpeaksV1, async token =>
            {
                var group = await ServerGroup.StartAsync(spec, s_startTimeout, line => Log(spec.Name, line), token);
                return new Started(group.Urls, group.Stats, group, () => group.DataBytes, group);
            }, cancellationToken);
            results.Add(result);
        }

        return results;
    }

    private string ProtocolName => options.Protocol == Clients.WireProtocol.V1 ? "v1" : "beej";

    private async Task RunServerAsync(ServerResult result, bool speaksV1, Func<CancellationToken, Task<Started>> start, CancellationToken cancellationToken)
    {
        var profile = options.Profile;
        if (options.Smoke)
        {
            await RunScenarioAsync(result, "smoke", start, 1, async (context, token) =>
            {
                result.Smoke = await SmokeScenario.RunAsync(context.Connector(), TimeSpan.FromSeconds(3), token);
                var s = result.Smoke;
                context.Log($"smoke: {s.Clients} clients, {s.Messages} messages, {s.Delivered}/{s.Expected} delivered, loss {s.Loss}, reordered {s.Reordered} → {(s.Passed ? "PASS" : "FAIL")}");
            }, cancellationToken);
            return;
        }

        // The latency room is one session: saturation measured first, its rate then drives the
        // latency phases and the slow consumer, in the same warmed-up room on the same server.
        var scenarios = options.Scenarios;
        if (!speaksV1)
        {
            var v1Only = scenarios.Where(CliOptions.V1ScenarioNames.Contains).ToList();
            if (options.Protocol == Clients.WireProtocol.V1)
            {
                v1Only = [.. scenarios];
            }

            if (v1Only.Count > 0)
            {
                Log(result.Name, $"speaks beej only: skipped {string.Join(", ", v1Only)}");
                scenarios = [.. scenarios.Except(v1Only)];
            }
        }

        var latency = scenarios.Contains("latency");
        var slow = scenarios.Contains("slow-consumer");
        var saturation = scenarios.Contains("saturation");
        if (saturation || latency || slow)
        {
            var steps = 1 + (latency ? 1 : 0) + (slow ? 1 : 0);
            await RunScenarioAsync(result, $"room-{profile.LatencyRoom}", start, steps, async (context, token) =>
            {
                await using var room = await Phases.OpenRoomAsync(context, profile.LatencyRoom, profile.Senders, token);
                await Phases.WarmUpAsync(room, profile, token);
                var measured = await SaturationScenario.MeasureAsync(context, room, token);
                result.Saturation.Add(measured);
                if (measured.Loss > 0 || measured.MessagesPerSecond <= 0)
                {
                    throw new ScenarioException("no loss-free saturation rate: latency and slow-consumer skipped");
                }

                if (latency)
                {
                    result.Latency.AddRange(await LatencyScenario.MeasureAsync(context, room, measured.MessagesPerSecond, token));
                }

                if (slow)
                {
                    result.SlowConsumer = await SlowConsumerScenario.MeasureAsync(context, room, measured.MessagesPerSecond, token);
                }
            }, cancellationToken);
        }

        foreach (var clients in profile.SaturationRooms.Where(c => saturation && c != profile.LatencyRoom))
        {
            await RunScenarioAsync(result, $"saturation-{clients}", start, 1, async (context, token) =>
                result.Saturation.Add(await SaturationScenario.RunAsync(context, clients, token)), cancellationToken);
        }

        if (scenarios.Contains("largest-room"))
        {
            await RunScenarioAsync(result, "largest-room", start, 1, async (context, token) =>
                result.LargestRoom = await LargestRoomScenario.RunAsync(context, token), cancellationToken);
        }

        if (scenarios.Contains("idle"))
        {
            await RunScenarioAsync(result, "idle", start, 1, async (context, token) =>
                result.Idle = await IdleScenario.RunAsync(context with { Protocol = Clients.WireProtocol.Beej }, options.IdleConnections ?? profile.IdleConnections, options.IdleJoin, token), cancellationToken);
        }

        if (scenarios.Contains("resume"))
        {
            await RunScenarioAsync(result, "resume", start, 1, async (context, token) =>
                result.Resume = await ResumeScenario.RunAsync(context, options.ResumeTrials ?? profile.ResumeTrials, options.ResumeBehind, token), cancellationToken);
        }

        if (scenarios.Contains("presence-storm"))
        {
            await RunScenarioAsync(result, "presence-storm", start, 1, async (context, token) =>
                result.PresenceStorms.AddRange(await PresenceStormScenario.RunAsync(
                    context,
                    options.StormMembers ?? profile.StormMembers,
                    TimeSpan.FromSeconds(options.StormGraceSeconds),
                    [PresenceStormScenario.Mode.AbortAndResume, PresenceStormScenario.Mode.CloseAndRejoin],
                    token)), cancellationToken);
        }

        if (scenarios.Contains("many-rooms"))
        {
            await RunScenarioAsync(result, "many-rooms", start, 2, async (context, token) =>
                result.ManyRooms = await ManyRoomsScenario.RunAsync(context, options.Rooms, options.RoomMembers, options.RoomsRate, token), cancellationToken);
        }

        if (scenarios.Contains("cross-node"))
        {
            await RunScenarioAsync(result, "cross-node", start, 1 + options.CrossRates.Count, async (context, token) =>
                result.CrossNode = await CrossNodeScenario.RunAsync(context, options.CrossClients, options.CrossRates, token), cancellationToken);
        }

        if (scenarios.Contains("kill-recovery"))
        {
            if (result.Nodes < 3 && options.Url is null)
            {
                Log(result.Name, "kill-recovery needs a cluster of 3 nodes: skipped");
            }
            else
            {
                var bound = TimeSpan.FromSeconds(options.KillBoundSeconds);
                await RunScenarioAsync(result, "kill-recovery", start, 1, async (context, token) =>
                    result.KillRecovery = await KillRecoveryScenario.RunAsync(context, options.KillRooms, options.KillRate, bound, token), cancellationToken, extra: bound);
            }
        }
    }

    private async Task RunScenarioAsync(
        ServerResult result,
        string scenario,
        Func<CancellationToken, Task<Started>> start,
        int steps,
        Func<ScenarioContext, CancellationToken, Task> run,
        CancellationToken cancellationToken,
        TimeSpan extra = default)
    {
        var limit = (options.Profile.ScenarioTimeout * steps) + extra;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit + s_startTimeout);
        var started = Stopwatch.GetTimestamp();
        IAsyncDisposable? owner = null;
        ServerGroup? group = null;
        try
        {
            var server = await start(timeout.Token);
            owner = server.Owner;
            group = server.Group;
            timeout.CancelAfter(limit);
            var context = new ScenarioContext(server.Urls[0], server.Stats, options.Profile, line => Log(result.Name, line))
            {
                Protocol = options.Protocol,
                DataBytes = server.DataBytes,
                Urls = server.Urls,
                Group = server.Group,
            };
            // the token stops well-behaved loops; WaitAsync bounds anything that ignores it
            await run(context, timeout.Token).WaitAsync(limit + TimeSpan.FromSeconds(15), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // a server that did not start says why (its TimeoutException carries its output); the scenario's own limit does not
            var reason = ex is OperationCanceledException || (ex is TimeoutException && ex is not ServerStartTimeoutException) ? $"timed out after {limit.TotalSeconds:0} s" : ex.Message;
            // the report keeps the first line; the log below has the server's output too
            result.Failures.Add($"{scenario}: {reason.Split('\n')[0]}");
            Log(result.Name, $"{scenario} FAILED: {reason}");
            if (group is { Nodes.Count: > 1 } && ex is not ServerStartTimeoutException)
            {
                // a cluster's failure is often on another node than the one a client saw
                for (var i = 0; i < group.Nodes.Count; i++)
                {
                    Log(result.Name, $"node {i + 1} output (last lines):\n{group.Nodes[i].OutputTail}");
                }
            }
        }
        finally
        {
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }

            Log(result.Name, string.Create(CultureInfo.InvariantCulture, $"{scenario} done in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
        }
    }

    private void Log(string server, string line)
    {
        lock (log)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} [{server}] {line}"));
        }
    }
}
