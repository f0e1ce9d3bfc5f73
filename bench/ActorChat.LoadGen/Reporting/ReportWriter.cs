using System.Text.Json;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Writes bench/results/&lt;date&gt;[-quick].json, .md and .png.</summary>
internal static class ReportWriter
{
    public static IReadOnlyList<string> Write(BenchReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = (report.Mode == "full" ? report.Date : $"{report.Date}-{report.Mode}") + (report.Tag is { Length: > 0 } tag ? $"-{tag}" : "");
        var json = Path.Combine(directory, stem + ".json");
        var md = Path.Combine(directory, stem + ".md");
        var png = Path.Combine(directory, stem + ".png");
        File.WriteAllText(json, JsonSerializer.Serialize(report, JsonContext.Default.BenchReport) + "\n");
        string? plot = null;
        if (report.Servers.Any(s => s.Saturation.Count > 0 || s.Latency.Count > 0))
        {
            PlotWriter.Write(report, png);
            plot = Path.GetFileName(png);
        }

        File.WriteAllText(md, MarkdownWriter.Render(report, plot));
        return plot is null ? [json, md] : [json, md, png];
    }
}
