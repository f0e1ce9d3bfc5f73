using System.Net.WebSockets;

namespace ActorChat.Host.Tests;

/// <summary>Close and refusal log entries say what was sent, by whom, in words.</summary>
public sealed class CloseLogTests
{
    [Fact]
    public async Task A_server_side_close_is_logged_with_the_code_and_reason_the_server_sent()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs))
        {
            await using var client = await server.ConnectAsync();
            await client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary);
            await client.ExpectCloseAsync(1003);
            await server.WaitForRoomAsync(m => m.Connections == 0, "the connection detached");
            await WaitForAsync(logs, 1003);
        }

        var closed = Assert.Single(logs.Entries, e => e.EventId == 1003);
        Assert.Equal((1003, "binary frames are not supported", "server"), (closed.State["Code"], closed.State["Reason"], closed.State["ClosedBy"]));
        Assert.DoesNotContain("(null)", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_close_and_a_lost_connection_are_logged_as_such()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs))
        {
            await using var polite = await server.ConnectAsync();
            await polite.CloseAsync();
            await using var lost = await server.ConnectAsync();
            lost.Abort();
            await server.WaitForRoomAsync(m => m.Connections == 0, "both connections detached");
            await WaitForAsync(logs, 1003, count: 2);
        }

        var closes = logs.Entries.Where(e => e.EventId == 1003).Select(e => (e.State["Code"], e.State["Reason"], e.State["ClosedBy"])).ToList();
        Assert.Contains((1000, "bye", "client"), closes);
        Assert.Contains((1006, "connection lost", "network"), closes);
    }

    [Fact]
    public async Task A_refused_connection_is_logged_with_the_close_it_was_sent()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs, "--ActorChat:MaxConnections=1"))
        {
            await using var first = await server.ConnectAsync();
            await using var refused = await server.ConnectAsync();
            await refused.ExpectCloseAsync(1013);
        }

        var refusal = Assert.Single(logs.Entries, e => e.EventId == 1006);
        Assert.Equal((1013, "server is full"), (refusal.State["Code"], refusal.State["Reason"]));
        Assert.DoesNotContain("TooMany", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>The close entry is written after the socket finished; waits for it (bounded).</summary>
    private static async Task WaitForAsync(CapturingLoggerProvider logs, int eventId, int count = 1)
    {
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (logs.Entries.Count(e => e.EventId == eventId) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"event {eventId} was not logged {count} time(s)");
            await Task.Delay(20);
        }
    }
}
