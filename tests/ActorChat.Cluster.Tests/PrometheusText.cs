using System.Globalization;

namespace ActorChat.Cluster.Tests;

/// <summary>A scrape of <c>/metrics</c> (Prometheus text exposition format), read as the tests need it.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>
    /// The sum of every sample of <paramref name="metric"/> over all its label sets; 0 when the
    /// metric is absent (an instrument appears only after its first measurement).
    /// </summary>
    public double Sum(string metric)
    {
        double sum = 0;
        foreach (var raw in Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0 || line[..nameEnd] != metric)
            {
                continue;
            }

            var rest = line[nameEnd] == '{' ? line[(line.LastIndexOf('}') + 1)..] : line[nameEnd..];
            var value = rest.Trim().Split(' ')[0];
            sum += double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return sum;
    }

    /// <summary>Whether any sample of <paramref name="metric"/> is present.</summary>
    public bool Has(string metric) =>
        Text.Split('\n').Any(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal));
}
