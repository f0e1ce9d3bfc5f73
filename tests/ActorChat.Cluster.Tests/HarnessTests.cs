using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>The node harness itself: a node it starts reports its addresses, is ready, and leaves no process behind.</summary>
public sealed partial class HarnessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_cluster_node_alone_reports_its_cluster_address_is_ready_serves_metrics_and_is_gone_once_disposed()
    {
        await using var database = await TestPostgres.CreateAsync();
        var node = await ClusterNode.StartAsync("node1", ThreeNodeCluster.NodeArgs(database.ConnectionString + ";Maximum Pool Size=10", seed: null), cluster: true, ThreeNodeCluster.StartBound, Stopwatch.StartNew());
        int pid;
        try
        {
            pid = node.Process.Id;
            Assert.Matches(Address(), node.Address);
            Assert.DoesNotMatch(@":0$", node.Address);
            Assert.True(await node.IsReadyAsync());
            Assert.NotEmpty((await node.MetricsAsync()).Text);
        }
        finally
        {
            await node.DisposeAsync();
            output.WriteLine(node.Tail());
        }

        Assert.True(node.HasExited || node.Process.HasExited);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"The node's process {pid} is still there after dispose.");
    }

    [GeneratedRegex(@"^akka\.tcp://actorchat@127\.0\.0\.1:\d+$")]
    private static partial Regex Address();
}
