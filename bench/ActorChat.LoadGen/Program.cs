using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;
using ActorChat.LoadGen.Servers;

// ActorChat.LoadGen: see CliOptions.Usage and bench/README.md.
if (args is ["api-publish", .. var apiArgs])
{
    // The server API's publish rate and latency (bench/api-publish.sh), apart from the socket scenarios.
    return await ApiPublish.RunAsync(apiArgs);
}

if (args is ["connect-rate", .. var connectArgs])
{
    // Connects per second with a token and anonymous, one server, alternating (bench/connect-rate.sh).
    return await ActorChat.LoadGen.Identity.ConnectRate.RunAsync(connectArgs, Console.Out, Console.Error);
}

if (args is ["moderation-fanout", .. var fanoutArgs])
{
    // A moderation act's time to reach every member of a big room (bench/moderation-fanout.sh).
    return await ActorChat.LoadGen.Identity.ModerationFanout.RunAsync(fanoutArgs, Console.Out, Console.Error);
}

CliOptions options;
try
{
    options = CliOptions.Parse(args);
    if (options.Url is { } url)
    {
        options = options with { Url = LoopbackConnector.RequireLoopback(url) };
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(CliOptions.Usage);
    return 2;
}

if (options.Baseline is { } baselineFile && !File.Exists(baselineFile))
{
    Console.Error.WriteLine($"--baseline: {baselineFile} does not exist");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(CliOptions.Usage);
    return 0;
}

if (options.Url is null && options.Servers.Any(s => ServerCatalog.Get(s, ".", [], options.BeforeRoot).Postgres) && PostgresDatabase.Configured() is null)
{
    Console.Error.WriteLine(PostgresDatabase.HowTo);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var repoRoot = options.RepoRoot ?? FindRepoRoot() ?? Directory.GetCurrentDirectory();

// A server that was not started by the harness is named in the report and its files, so such a
// run is never taken for (or written over) a full run of the four servers.
var mode = options.Smoke ? "smoke" : options.Profile.Name;
if (options.Url is not null)
{
    mode = $"{mode}-url-{FileSafe(options.Label)}";
    if (!options.Smoke)
    {
        Console.Error.WriteLine(
            $"note: {options.Url} is used as it is. A server with ActorChat's default limits rate-limits each " +
            "connection (10 packets/s) and each address (20 new connections/s, 1000 open), so the senders' floods " +
            "would count as loss. Start ActorChat for this run with:");
        Console.Error.WriteLine("  dotnet run -c Release --project src/ActorChat.Host -- --urls http://127.0.0.1:3490 " + string.Join(' ', ServerCatalog.ActorChatBenchmarkArgs));
    }
}

var started = Stopwatch.GetTimestamp();
var startedAt = DateTime.Now;
var loadBefore = Machine.LoadAverage();
var results = await new Harness(options, repoRoot, Console.Out).RunAsync(cancel.Token);
var report = new BenchReport(
    startedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    mode,
    "bench/run.sh " + string.Join(' ', args),
    Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1),
    Machine.Describe(),
    results)
{
    Tag = options.Tag is null ? null : FileSafe(options.Tag),
    LoadAverage = $"{loadBefore} at the start, {Machine.LoadAverage()} at the end",
    HistoryComparison = Comparison.History(results),
    BaselineComparison = options.Baseline is { } baseline ? Comparison.Baseline(results, baseline) : [],
};

Console.WriteLine();
Console.WriteLine(MarkdownWriter.Render(report, null));
if (options.WriteReport && !options.Smoke)
{
    foreach (var file in ReportWriter.Write(report, options.OutDir ?? Path.Combine(repoRoot, "bench", "results")))
    {
        Console.WriteLine($"wrote {file}");
    }
}

var failed = results.Any(r => r.Failures.Count > 0 || r.Smoke is { Passed: false }
    || r.Saturation.Any(s => s.Loss > 0) || r.Latency.Any(l => l.Loss > 0));
return failed ? 1 : 0;

static string FileSafe(string label) =>
    string.Concat(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

static string? FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ActorChat.sln")))
        {
            return dir.FullName;
        }
    }

    return null;
}
