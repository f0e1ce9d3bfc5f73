using System.Text.RegularExpressions;
using ActorChat.Actors.Rooms;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorChat.Host.Tests;

/// <summary>
/// One server, a cluster of one (Akka port 0, no seed nodes, as every server by default) on a PostgreSQL database of its own: it reports its bound address, becomes ready once
/// Up, chats through the room shard region, lists rooms from its directory, and on stop closes
/// its clients with 1001 (no other node to resume on) and leaves the cluster. The multi-node behaviour is tested with separate
/// processes (tests/ActorChat.Cluster.Tests).
/// </summary>
public sealed partial class ClusterNodeTests
{
    [Fact]
    public async Task A_cluster_of_one_is_ready_once_up_chats_through_the_shard_region_lists_rooms_and_closes_with_1001_when_it_leaves_alone()
    {
        await using var db = await TestPostgres.CreateAsync();
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            logs,
            "--ActorChat:Cluster:Port=0",
            "--ActorChat:Cluster:StableAfter=00:00:02",
            "--ActorChat:DrainWindow=00:00:00.100",
            "--ActorChat:History:Provider=postgresql",
            $"--ActorChat:History:ConnectionString={db.ConnectionString}");

        // Event 1070 names the address actually bound (port 0 asked for any free port).
        var started = Assert.Single(logs.Entries, e => e.EventId == 1070);
        var address = AddressPattern().Match(started.Message);
        Assert.True(address.Success, started.Message);
        Assert.NotEqual("0", address.Groups["port"].Value);
        var system = server.App.Services.GetRequiredService<ActorSystem>();
        Assert.Equal(Cluster.Get(system).SelfAddress.ToString(), address.Value);

        // Ready once the node is Up and the region answers for the lobby.
        using (var http = server.CreateHttpClient())
        {
            var deadline = DateTime.UtcNow + TestServer.Timeout;
            HttpResponseMessage ready;
            while (!(ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode)
            {
                Assert.True(DateTime.UtcNow < deadline, $"/readyz never became ready: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
                await Task.Delay(50);
            }

            Assert.Equal(MemberStatus.Up, Cluster.Get(system).SelfMember.Status);
        }

        // The rooms' routing point is the shard region.
        var rooms = server.App.Services.GetRequiredService<ActorRegistry>().Get<ChatCluster.RoomShardRegion>();
        Assert.Equal("/system/sharding/room", rooms.Path.ToStringWithoutAddress());

        await using var kim = await V1Client.HelloAsync(server.WebSocket, "kim");
        await using var lee = await V1Client.HelloAsync(server.WebSocket, "lee");
        await kim.JoinAsync("sharded");
        await lee.JoinAsync("sharded");
        Assert.Equal(1, await kim.SendAsync("sharded", "hello through the shard region", cid: "c1"));
        await lee.WaitForMessageAsync("sharded", m => m.Str("text") == "hello through the shard region" && m.Str("from") == "kim", "kim's message");

        // The room is a sharded entity (under its shard), and `rooms` lists it with its members.
        using (var inbox = Inbox.Create(system))
        {
            system.ActorSelection("/system/sharding/room/*/sharded").Tell(new Identify("entity"), inbox.Receiver);
            var identity = Assert.IsType<ActorIdentity>(await inbox.ReceiveAsync(TestServer.Timeout));
            Assert.NotNull(identity.Subject);
        }

        var listed = await kim.RoomsAsync();
        Assert.Equal(2, listed.GetValueOrDefault("sharded"));
        Assert.True(listed.ContainsKey("lobby"), "The lobby is always listed.");

        // Leaving alone: no other node to resume on, so going away (1001); then the node leaves.
        await server.StopAsync();
        Assert.Equal("server shutting down", await kim.ExpectCloseAsync(1001));
        Assert.Equal("server shutting down", await lee.ExpectCloseAsync(1001));
        Assert.Contains(logs.Entries, e => e.EventId == 1020 && e.Message.Contains("with 1001", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.EventId == 1078);
        Assert.True(system.WhenTerminated.IsCompleted, "The leave ends with the actor system stopped.");
    }

    [GeneratedRegex(@"akka\.tcp://actorchat@127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex AddressPattern();
}
