using System.Globalization;
using System.Text.Json;

namespace ActorChat.LoadGen.Reporting;

/// <summary>
/// One figure of one server against a reference: <see cref="Ratio"/> is normalized so that 1 means
/// "as good" and more is better (throughput and room size: now / reference; latency and memory:
/// reference / now), to read every row against the same target (issue 8: ≥ 0.8).
/// </summary>
internal sealed record ComparisonRow(string Figure, string Server, string Reference, double Value, double ReferenceValue, string Unit, double Ratio);

/// <summary>
/// The comparisons issue 8 asks for: ActorChat with durable history (SQLite) against the same server
/// with history in memory, in the same run; and each ActorChat variant against an earlier results
/// file's <c>actorchat</c> (<c>--baseline</c>). Any other server of the run is compared with itself in
/// that file: a peer whose code did not change shows how much the machine itself has drifted.
/// </summary>
internal static class Comparison
{
    public const string Durable = "actorchat";
    public const string InMemory = "actorchat-memory";

    /// <summary>The figures compared, per server: (figure, value, unit, higher is better).</summary>
    private static IEnumerable<(string Figure, double Value, string Unit, bool HigherIsBetter)> Figures(ServerResult server)
    {
        foreach (var s in server.Saturation.Where(s => s.Loss == 0).OrderBy(s => s.Clients))
        {
            yield return (string.Create(CultureInfo.InvariantCulture, $"saturation {s.Clients} clients"), s.DeliveriesPerSecond, "deliveries/s", true);
        }

        foreach (var l in server.Latency.Where(l => l.Loss == 0))
        {
            yield return (string.Create(CultureInfo.InvariantCulture, $"latency p99 at {l.Fraction:P0}"), l.P99Ms, "ms", false);
        }

        if (server.LargestRoom?.LargestPassing is { } largest)
        {
            yield return ("largest room (p95 < 250 ms)", largest, "clients", true);
        }

        if (server.SlowConsumer is { } slow)
        {
            yield return ("slow consumer: others' p99 during the stall", slow.StalledP99Ms, "ms", false);
        }

        if (server.Idle?.RssPerConnectionKiB is { } kib)
        {
            yield return ("idle: RSS per connection", kib, "KiB", false);
        }
    }

    public static List<ComparisonRow> History(IReadOnlyList<ServerResult> servers)
    {
        var durable = servers.FirstOrDefault(s => s.Name == Durable);
        var memory = servers.FirstOrDefault(s => s.Name == InMemory);
        return durable is null || memory is null ? [] : Compare(durable, InMemory + " (same run)", Figures(memory));
    }

    /// <summary>Each ActorChat variant against the <c>actorchat</c> server of an earlier results file, every other server against itself there.</summary>
    public static List<ComparisonRow> Baseline(IReadOnlyList<ServerResult> servers, string path)
    {
        var rows = new List<ComparisonRow>();
        foreach (var server in servers)
        {
            var name = server.Name is InMemory ? Durable : server.Name;
            if (ReadFigures(path, name) is { } then)
            {
                rows.AddRange(Compare(server, $"{name}, {Path.GetFileName(path)}", then));
            }
        }

        return rows;
    }

    private static List<ComparisonRow> Compare(ServerResult server, string reference, IEnumerable<(string Figure, double Value, string Unit, bool HigherIsBetter)> referenceFigures)
    {
        var byFigure = referenceFigures.ToDictionary(f => f.Figure, StringComparer.Ordinal);
        var rows = new List<ComparisonRow>();
        foreach (var (figure, value, unit, higher) in Figures(server))
        {
            if (!byFigure.TryGetValue(figure, out var other) || other.Value <= 0 || value <= 0)
            {
                continue;
            }

            var ratio = higher ? value / other.Value : other.Value / value;
            rows.Add(new ComparisonRow(figure, server.Name, reference, value, other.Value, unit, Math.Round(ratio, 3)));
        }

        return rows;
    }

    /// <summary>The figures of server <paramref name="name"/> in a results JSON written by this harness (the same names as <see cref="Figures"/>); null when it has none.</summary>
    private static List<(string Figure, double Value, string Unit, bool HigherIsBetter)>? ReadFigures(string path, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var server = document.RootElement.GetProperty("servers").EnumerateArray()
            .FirstOrDefault(s => s.GetProperty("name").GetString() == name);
        if (server.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new ServerResult(name, "baseline");
        foreach (var s in server.GetProperty("saturation").EnumerateArray())
        {
            result.Saturation.Add(new SaturationResult(
                s.GetProperty("clients").GetInt32(), 0, 0, 0, 0, s.GetProperty("deliveriesPerSecond").GetDouble(), 0,
                s.GetProperty("loss").GetInt64(), 0, null, null, null, 0, 0, new Dictionary<string, long>()));
        }

        foreach (var l in server.GetProperty("latency").EnumerateArray())
        {
            result.Latency.Add(new LatencyResult(
                l.GetProperty("clients").GetInt32(), l.GetProperty("fraction").GetDouble(), 0, 0, 0, 0, 0, 0, 0,
                l.GetProperty("p99Ms").GetDouble(), 0, l.GetProperty("loss").GetInt64(), 0, 0));
        }

        if (server.TryGetProperty("largestRoom", out var room) && room.TryGetProperty("largestPassing", out var largest) && largest.ValueKind == JsonValueKind.Number)
        {
            result.LargestRoom = new LargestRoomResult(0, 0, 0, largest.GetInt32(), "", []);
        }

        if (server.TryGetProperty("slowConsumer", out var slow))
        {
            result.SlowConsumer = new SlowConsumerResult(0, 0, 0, 0, slow.GetProperty("stalledP99Ms").GetDouble(), 0, null, null, null, 0, null, "", null, "", 0);
        }

        if (server.TryGetProperty("idle", out var idle) && idle.TryGetProperty("rssPerConnectionKiB", out var kib) && kib.ValueKind == JsonValueKind.Number)
        {
            result.Idle = new IdleResult(0, 0, false, 0, 0, 0, null, null, kib.GetDouble(), 0, "");
        }

        return [.. Figures(result)];
    }
}
