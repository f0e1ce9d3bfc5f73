using System.Diagnostics;
using System.Globalization;
using ActorChat.Protocol;
using Xunit.Abstractions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// A room ban (PROTOCOL-V1.1 Part B) across the cluster: issued by the owner on one node, it
/// refuses the banned user's join on another node at once, and it holds after a SIGKILL of the
/// node that hosted the room (the room comes back on a survivor from the journal, bans included).
/// </summary>
public sealed class RoomBanTests(SignedInCluster signedIn, ITestOutputHelper output) : IClassFixture<SignedInCluster>, IDisposable
{
    private readonly ThreeNodeCluster _cluster = signedIn.Cluster;
    private readonly int[] _marks = signedIn.Cluster.LogMarks();

    public void Dispose() => _cluster.WriteLogs(output, _marks);

    [Fact]
    public async Task A_room_ban_by_the_owner_on_node_1_refuses_the_users_next_join_on_node_3_at_once_and_still_after_SIGKILL_of_the_rooms_node()
    {
        var (node1, node2, node3) = (_cluster.Nodes[0], _cluster.Nodes[1], _cluster.Nodes[2]);
        await using var alice = await SignedInCluster.SignInAsync(node1, "alice", "Alice");
        await using var bobOn3 = await SignedInCluster.SignInAsync(node3, "bob", "Bob");
        await using var bobOn1 = await SignedInCluster.SignInAsync(node1, "bob", "Bob1");

        // A room of alice's (she owns what her join creates) whose shard lives on node 2: neither
        // the owner's node nor the banned user's, so both keep their connections through the kill.
        var room = await RoomOnAsync(alice, node2, "ban");
        output.WriteLine($"{room} lives on {node2.Name}");
        foreach (var bob in new[] { bobOn3, bobOn1 })
        {
            Assert.Equal("member", (await bob.JoinAsync(room)).Payload().Str("role"));
        }

        await alice.WaitForMembersAsync(room, "Alice", "Bob", "Bob1");

        // The ban, by user id, from node 1.
        var ban = await alice.PostAsync("ban", V1Client.Payload(("room", room), ("target", new Dictionary<string, object?> { ["user"] = "bob" }), ("reason", "spam")));
        var moderated = await alice.ReplyAsync(ban);
        Assert.True(moderated.Type() == "moderated", $"The ban: {moderated.GetRawText()}");

        // At once: the very next join of bob's, on node 3, a new connection, session and token, is
        // refused; nothing is waited for after the reply.
        await using (var bobAgain = await SignedInCluster.SignInAsync(node3, "bob", "Bob2"))
        {
            AssertBanned(await bobAgain.RequestAsync("join", V1Client.JoinPayload(room)), room, "after the reply, on node 3");
        }

        // Every connection of bob's was removed from the room (told why), on both nodes, and the
        // owner saw them leave.
        foreach (var bob in new[] { bobOn3, bobOn1 })
        {
            var removed = (await bob.NextEventAsync("removed", r => r.Payload().Str("room") == room)).Payload();
            Assert.Equal(("ban", "spam"), (removed.Str("action"), removed.Str("reason")));
        }

        await alice.WaitForMembersAsync(room, "Alice");

        // SIGKILL of the room's node; the room serves again on a survivor (new users join it and send).
        var killedAt = _cluster.Clock.Elapsed;
        node2.Kill();
        Assert.Equal(128 + 9, await node2.WaitForExitAsync(TestTime.Timeout));
        var living = _cluster.Others(node2).ToList();
        var probes = Newcomers.FreshNames(["Alice", "Bob", "Bob1", "Bob2"], 30);
        var servedAt = await Newcomers.ProbeAsync(living, probes, room, TimeSpan.FromSeconds(1), ThreeNodeCluster.RecoveryBound + TestTime.Seconds(10), _cluster.Clock);
        var host = living.FirstOrDefault(n => n.FindLog(l => l.Contains($"Room {room}: recovered", StringComparison.Ordinal)) is not null);
        output.WriteLine($"ROOM BAN: {room} served again {(servedAt - killedAt).TotalSeconds:F3} s after the kill of {node2.Name}, on {host?.Name ?? "(no recovery logged)"}");

        // The ban came back with the room: bob's join is refused on either survivor, with a new
        // connection, session and token; the owner is still its owner.
        foreach (var node in living)
        {
            await using var bobAfter = await SignedInCluster.SignInAsync(node, "bob", $"Bob{node.Name}");
            AssertBanned(await bobAfter.RequestAsync("join", V1Client.JoinPayload(room), TestTime.Timeout), room, $"after the kill, on {node.Name}");
        }

        await using var aliceAfter = await SignedInCluster.SignInAsync(node3, "alice", "Alice2");
        Assert.Equal("owner", (await aliceAfter.JoinAsync(room)).Payload().Str("role"));
    }

    private static void AssertBanned(System.Text.Json.JsonElement reply, string room, string when)
    {
        var payload = reply.Payload();
        Assert.True(reply.Type() == "error" && payload.Str("code") == ErrorCodes.Banned, $"bob's join of {room} {when}: {reply.GetRawText()}");
        Assert.Equal("spam", payload.Str("reason"));
    }

    /// <summary>
    /// The first of rooms <paramref name="prefix"/>0, 1, … that <paramref name="owner"/>'s join
    /// creates on <paramref name="node"/> (where its history started, log 2240).
    /// </summary>
    private async Task<string> RoomOnAsync(V1Client owner, ClusterNode node, string prefix)
    {
        var hosts = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var room = prefix + i.ToString(CultureInfo.InvariantCulture);
            Assert.Equal("owner", (await owner.JoinAsync(room)).Payload().Str("role"));
            var host = await _cluster.HostOfNewRoomAsync(room, TestTime.Timeout);
            if (host == node)
            {
                return room;
            }

            hosts.Add($"{room}@{host.Name}");
        }

        Assert.Fail($"30 rooms and none on {node.Name}: {string.Join(", ", hosts)}");
        throw new UnreachableException();
    }
}
