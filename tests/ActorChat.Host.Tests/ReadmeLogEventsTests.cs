using System.Text.RegularExpressions;

namespace ActorChat.Host.Tests;

/// <summary>
/// README's log events table lists every event id the code logs with (each <c>[LoggerMessage]</c>
/// under <c>src/</c>) at its level, and nothing else; no two log messages share an id.
/// </summary>
public sealed partial class ReadmeLogEventsTests
{
    [Fact]
    public void Every_log_event_id_in_the_code_is_in_the_readme_at_its_level_and_only_those()
    {
        var root = ReadmeMetricsTests.RepositoryRoot();
        var code = new List<(int Id, string Level, string Where)>();
        var declared = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            declared += Declared().Count(text);
            code.AddRange(Event().Matches(text).Select(m => (int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["level"].Value, Path.GetRelativePath(root, file))));
        }

        Assert.True(code.Count > 0, "No [LoggerMessage] found under src/.");
        Assert.True(declared == code.Count, $"{declared} [LoggerMessage] attributes under src/, {code.Count} read as (id, level): write them as [LoggerMessage(1234, LogLevel.Information, ...)].");
        var shared = code.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({string.Join(", ", g.Select(e => e.Where))})").ToList();
        Assert.True(shared.Count == 0, $"Event ids used twice: {string.Join("; ", shared)}");

        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var table = Row().Matches(readme).Select(m => (Id: int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), Level: m.Groups["level"].Value)).ToList();
        Assert.NotEmpty(table);

        var missing = code.Where(e => !table.Contains((e.Id, e.Level))).Select(e => $"{e.Id} {e.Level} ({e.Where})").ToList();
        Assert.True(missing.Count == 0, $"Log events not in README's table at their level: {string.Join("; ", missing)}");
        var extra = table.Where(r => !code.Any(e => e.Id == r.Id && e.Level == r.Level)).Select(r => $"{r.Id} {r.Level}").ToList();
        Assert.True(extra.Count == 0, $"README's table lists log events the code does not have: {string.Join("; ", extra)}");
        Assert.Equal(table.Count, table.Distinct().Count());
    }

    [GeneratedRegex(@"\[LoggerMessage\(")]
    private static partial Regex Declared();

    [GeneratedRegex(@"\[LoggerMessage\((?:EventId\s*=\s*)?(?<id>\d+)\s*,\s*(?:Level\s*=\s*)?LogLevel\.(?<level>[A-Za-z]+)")]
    private static partial Regex Event();

    [GeneratedRegex(@"(?m)^\s*\| (?<id>[12]\d{3}) \| (?<level>Trace|Debug|Information|Warning|Error|Critical) \|")]
    private static partial Regex Row();
}
