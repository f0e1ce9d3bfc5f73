using System.Diagnostics;
using System.Globalization;
using ActorChat.LoadGen;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

// ActorChat.LoadGen: see CliOptions.Usage and bench/README.md.
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

if (options.Help)
{
    Console.WriteLine(CliOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var repoRoot = options.RepoRoot ?? FindRepoRoot() ?? Directory.GetCurrentDirectory();
var mode = options.Smoke ? "smoke" : options.Profile.Name;
var started = Stopwatch.GetTimestamp();
var startedAt = DateTime.Now;
var results = await new Harness(options, repoRoot, Console.Out).RunAsync(cancel.Token);
var report = new BenchReport(
    startedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    mode,
    "bench/run.sh " + string.Join(' ', args),
    Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1),
    Machine.Describe(),
    results);

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
