using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace ActorChat.Host.Tests;

/// <summary>README's metrics table names every instrument, and the name a Prometheus user greps for.</summary>
[Collection(RunsAlone.Name)]
public sealed partial class ReadmeMetricsTests
{
    [Fact]
    public async Task Every_instrument_is_in_the_readme_under_the_name_metrics_shows()
    {
        var table = ReadmeTable();
        Assert.NotEmpty(table);

        await using var server = await TestServer.StartAsync(
            "--ActorChat:MaxConnections=2",
            "--ActorChat:Limits:PacketBurst=2",
            "--ActorChat:Limits:PacketsPerSecond=0.1");

        // Every instrument the server's meter creates is in the table, and nothing else.
        // InstrumentPublished runs for instruments created before the listener started too.
        var published = new HashSet<string>();
        using var names = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == Actors.ChatMetrics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        names.Start();
        Assert.Superset(published, table.Keys.ToHashSet());
        Assert.Subset(published, table.Keys.ToHashSet());

        // Traffic that moves every instrument but the slow-consumer count (which needs a stalled
        // reader and a full queue), then a scrape.
        await using var alice = await server.JoinAsync("alice");
        await alice.SayAsync("alice", "one");
        await alice.ExpectMessageAsync("alice", "one");
        await alice.SendTextAsync("not json");
        await alice.ExpectErrorAsync("rate-limited", "alice");
        await using (var bob = await server.ConnectAsync())
        {
            await using var refused = await server.ConnectAsync();
            await refused.ExpectCloseAsync(1013);
            await bob.CloseAsync();
        }

        await server.WaitForRoomAsync(m => m.Connections == 1, "bob gone");
        using var http = server.CreateHttpClient();
        var scrape = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var (instrument, prometheus) in table)
        {
            if (instrument == "actorchat.closes.slow_consumer")
            {
                continue;
            }

            Assert.True(
                Regex.IsMatch(scrape, $@"(?m)^{Regex.Escape(prometheus)}(_bucket|_count|_sum)?[{{ ]"),
                $"README says {instrument} is {prometheus} on /metrics, but /metrics has no such series:\n{scrape}");
        }
    }

    /// <summary>The README table's rows: instrument name → Prometheus family name.</summary>
    private static Dictionary<string, string> ReadmeTable()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        return Row().Matches(readme).ToDictionary(m => m.Groups["instrument"].Value, m => m.Groups["prometheus"].Value);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorChat.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ActorChat.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"(?m)^\s*\| `(?<instrument>actorchat\.[a-z_.]+)` \| `(?<prometheus>actorchat_[a-z_]+)")]
    private static partial Regex Row();
}
