using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ActorChat.Protocol;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// A server-wide ban (PROTOCOL-V1.1 Part D, <c>POST /api/bans</c>) across the cluster: issued on
/// node 1's management listener, it closes the user's connections on the other nodes with 4004 and
/// refuses a new <c>hello</c> there; it holds after a SIGKILL of the node the control entity lived
/// on, for brand-new connections, once the entity has come back on a survivor from the journal.
/// </summary>
public sealed class ServerBanTests(SignedInCluster signedIn, ITestOutputHelper output) : IClassFixture<SignedInCluster>, IDisposable
{
    private readonly ThreeNodeCluster _cluster = signedIn.Cluster;
    private readonly int[] _marks = signedIn.Cluster.LogMarks();

    public void Dispose() => _cluster.WriteLogs(output, _marks);

    [Fact]
    public async Task A_server_wide_ban_on_node_1_closes_and_refuses_the_user_on_node_3_and_holds_after_SIGKILL_of_the_control_entitys_node()
    {
        var (node1, node3) = (_cluster.Nodes[0], _cluster.Nodes[2]);
        await using var bobOn3 = await SignedInCluster.SignInAsync(node3, "bob", "Bob");
        await using var carolOn3 = await SignedInCluster.SignInAsync(node3, "carol", "Carol");
        var marks = _cluster.LogMarks();

        using var api1 = SignedInCluster.Api(node1);
        var clock = Stopwatch.StartNew();
        var closedAt = bobOn3.Completion.ContinueWith(_ => clock.Elapsed, TaskScheduler.Default);
        using var banned = await api1.PostAsync("api/bans", SignedInCluster.Json("""{"user":"bob","reason":"abuse"}"""));
        var issuedAfter = clock.Elapsed;
        Assert.True(banned.StatusCode == HttpStatusCode.Created, $"POST /api/bans on {node1.Name}: {(int)banned.StatusCode} {await banned.Content.ReadAsStringAsync()}");
        var banId = JsonDocument.Parse(await banned.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();

        // Not "at once" for a hello: node 3 learns of the ban on the control entity's topic, and a
        // hello there before it has (milliseconds, docs/PROTOCOL.md) passes. So the test waits on
        // the condition that node 3 has heard: its open connection of bob's is closed with 4004
        // (the gateway closes what the bans name as it takes them, before any later connection is
        // made). A hello right after the 201 is tried and its outcome printed, not asserted.
        string immediate;
        await using (var early = await V1Client.ConnectAsync(node3.WebSocket, "bob right after the 201"))
        {
            var reply = await early.RequestAsync("hello", V1Client.Payload(("name", "Bob0"), ("token", SignedInCluster.Token("bob", "Bob0"))));
            immediate = reply.Type() == "error" ? $"refused ({reply.Payload().Str("code")})" : $"answered {reply.Type()}";
        }

        await bobOn3.ExpectCloseAsync(CloseCodes.Removed);
        var heardAfter = await closedAt;
        output.WriteLine($"SERVER BAN: 201 after {issuedAfter.TotalMilliseconds:F0} ms; bob's connection on {node3.Name} closed 4004 {heardAfter.TotalMilliseconds:F0} ms after the POST; a hello on {node3.Name} right after the 201 was {immediate}");
        await AssertRefusedAsync(node3, "Bob1", "once node 3 has heard");
        Assert.Equal("rooms", (await carolOn3.RequestAsync("rooms")).Type());

        // The node the control entity lives on (it logged the act, 2280), killed.
        var entityLine = "Server: api made a server-wide ban of user bob";
        var victim = _cluster.Nodes.First(n => n.FindLog(l => l.Contains(entityLine, StringComparison.Ordinal), marks[_cluster.Nodes.ToList().IndexOf(n)]) is not null);
        var living = _cluster.Others(victim).ToList();
        var testOn = living.Contains(node3) ? node3 : living[^1];
        output.WriteLine($"the control entity lives on {victim.Name}; testing on {testOn.Name}");
        var killMarks = _cluster.LogMarks();
        var killedAt = _cluster.Clock.Elapsed;
        victim.Kill();
        Assert.Equal(128 + 9, await victim.WaitForExitAsync(TestTime.Timeout));

        // With the entity's node gone, not yet downed: the survivors' gateways keep the bans.
        await AssertRefusedAsync(testOn, "Bob2", $"with {victim.Name} just killed");

        // The entity comes back on a survivor (not remembered: on its next message, once the dead
        // node is removed): GET /api/bans there answers from the journal, the ban in force.
        var removed = $"Cluster member {victim.Address} removed";
        await testOn.WaitForLogAsync(l => l.Contains(removed, StringComparison.Ordinal), $"{victim.Name} removed", ThreeNodeCluster.RecoveryBound, killMarks[_cluster.Nodes.ToList().IndexOf(testOn)]);
        using var api = SignedInCluster.Api(testOn);
        var bans = await BansAsync(api, testOn, ThreeNodeCluster.RecoveryBound + ThreeNodeCluster.AnswerTimeout);
        Assert.True(bans.Any(b => b.GetProperty("id").GetInt64() == banId && b.Str("user") == "bob"), $"GET /api/bans on {testOn.Name} after the kill: {string.Join(", ", bans.Select(b => b.GetRawText()))}");
        output.WriteLine($"SERVER BAN: GET /api/bans on {testOn.Name} listed the ban {(_cluster.Clock.Elapsed - killedAt).TotalSeconds:F3} s after the kill of {victim.Name}");

        // Brand-new connections after the entity moved, on both survivors: refused, closed 4004.
        foreach (var node in living)
        {
            await AssertRefusedAsync(node, $"Bob{node.Name}", $"after the entity moved ({victim.Name} killed)");
        }

        // The moved entity still tells every gateway: lifted there, bob signs in again on the survivors.
        using (var lifted = await api.DeleteAsync($"api/bans/{banId}"))
        {
            Assert.True(lifted.StatusCode == HttpStatusCode.NoContent, $"DELETE /api/bans/{banId} on {testOn.Name}: {(int)lifted.StatusCode} {await lifted.Content.ReadAsStringAsync()}");
        }

        foreach (var node in living)
        {
            await using var back = await SignInWhenLiftedAsync(node, $"Bobby{node.Name}");
        }

    }

    /// <summary>A new connection to <paramref name="node"/> with a new token of bob's: its hello is refused (banned, the ban's reason) and it is closed with 4004.</summary>
    private static async Task AssertRefusedAsync(ClusterNode node, string name, string when)
    {
        await using var client = await V1Client.ConnectAsync(node.WebSocket, $"{name} on {node.Name}");
        var reply = await client.RequestAsync("hello", V1Client.Payload(("name", name), ("token", SignedInCluster.Token("bob", name))));
        Assert.True(reply.Type() == "error" && reply.Payload().Str("code") == ErrorCodes.Banned, $"bob's hello on {node.Name} {when}: {reply.GetRawText()}");
        Assert.Equal("abuse", reply.Payload().Str("reason"));
        await client.ExpectCloseAsync(CloseCodes.Removed);
    }

    /// <summary>
    /// Bob signs in on <paramref name="node"/> once the lift has reached it: a hello refused because
    /// the node has not heard yet is tried again on a new connection, up to the test's timeout.
    /// </summary>
    private static async Task<V1Client> SignInWhenLiftedAsync(ClusterNode node, string name)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var client = await V1Client.ConnectAsync(node.WebSocket, $"{name} on {node.Name}");
            var reply = await client.RequestAsync("hello", V1Client.Payload(("name", name), ("token", SignedInCluster.Token("bob", name))));
            if (reply.Type() == "welcome")
            {
                return client;
            }

            await client.DisposeAsync();
            Assert.True(reply.Payload().Str("code") == ErrorCodes.Banned, $"bob's hello on {node.Name} after the lift: {reply.GetRawText()}");
            Assert.True(deadline.Elapsed < TestTime.Timeout, $"bob's hello on {node.Name} still refused {deadline.Elapsed} after the lift.");
            await Task.Delay(100);
        }
    }

    /// <summary>GET /api/bans on <paramref name="node"/>, asked again while it is 503 (the control entity not yet back), up to <paramref name="bound"/>.</summary>
    private static async Task<List<JsonElement>> BansAsync(HttpClient api, ClusterNode node, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await api.GetAsync("api/bans");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return [.. JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.Clone())];
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"GET /api/bans on {node.Name}: {(int)response.StatusCode} {body}");
            Assert.True(deadline.Elapsed < bound, $"GET /api/bans on {node.Name} still 503 after {deadline.Elapsed}: {body}");
            await Task.Delay(100);
        }
    }
}
