using System.Globalization;
using ScottPlot;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Draws the run's headline numbers: fan-out deliveries/s and latency percentiles at 50 % load, per server.</summary>
internal static class PlotWriter
{
    public static void Write(BenchReport report, string path)
    {
        var servers = report.Servers;
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var fanOut = multiplot.GetPlot(0);
        var rooms = servers.SelectMany(s => s.Saturation).Select(s => s.Clients).Distinct().Order().ToArray();
        Grouped(fanOut, servers, rooms.Select(r => $"{r} clients").ToArray(), (server, series) =>
            server.Saturation.FirstOrDefault(s => s.Clients == rooms[series] && s.Loss == 0)?.DeliveriesPerSecond);
        fanOut.Title("Fan-out saturation (loss-free)");
        fanOut.YLabel("deliveries per second");

        var latency = multiplot.GetPlot(1);
        string[] percentiles = ["p50", "p90", "p99"];
        Grouped(latency, servers, percentiles, (server, series) =>
            server.Latency.FirstOrDefault(l => Math.Abs(l.Fraction - 0.5) < 0.01) is { } l ? series switch { 0 => l.P50Ms, 1 => l.P90Ms, _ => l.P99Ms } : null);
        latency.Title("Latency, 100 clients at 50 % of each server's saturation");
        latency.YLabel("milliseconds");

        multiplot.SavePng(path, 1600, 600);
    }

    private static void Grouped(Plot plot, IReadOnlyList<ServerResult> servers, string[] series, Func<ServerResult, int, double?> value)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var groupWidth = series.Length + 1;
        for (var s = 0; s < servers.Count; s++)
        {
            for (var k = 0; k < series.Length; k++)
            {
                if (value(servers[s], k) is { } v)
                {
                    bars.Add(new Bar
                    {
                        Position = (s * groupWidth) + k,
                        Value = v,
                        FillColor = palette.GetColor(k),
                        Label = v >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture),
                    });
                }
            }
        }

        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 10;
        var ticks = servers.Select((s, i) => new Tick((i * groupWidth) + ((series.Length - 1) / 2.0), s.Name)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0, top: 0.12);
        for (var k = 0; k < series.Length; k++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[k], FillColor = palette.GetColor(k) });
        }

        plot.ShowLegend(Edge.Bottom);
    }
}
