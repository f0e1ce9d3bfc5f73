namespace ActorChat.Host.Tests;

/// <summary>The original's log events, as structured ILogger entries with event ids and the connection's scope.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task A_connections_life_is_logged_with_event_ids_and_its_connection_id()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(logs))
        {
            var alice = await server.JoinAsync("alice");
            await alice.SendTextAsync("""{"type":"chat-nope","payload":{"username":"alice"}}""");
            await alice.ExpectErrorAsync("unknown-type", "alice");
            await alice.CloseAsync();
            Assert.Equal(403, (int)await ChatClient.ConnectRefusedAsync(server.WebSocket, origin: "http://evil.example"));
            Assert.Equal(400, (int)await ChatClient.ConnectRefusedAsync(server.WebSocket, protocols: ["other"]));
            await server.WaitForRoomAsync(m => m.Connections == 0, "alice gone");
        }

        var entries = logs.Entries.ToArray();
        LogEntry Event(int id) => Assert.Single(entries, e => e.EventId == id);

        Assert.Contains("listening", Event(1001).Message, StringComparison.OrdinalIgnoreCase);
        var accepted = Event(1002);
        Assert.Contains("accepted connection from 127.0.0.1", accepted.Message, StringComparison.Ordinal);
        var connectionId = accepted.State["ConnectionId"];
        Assert.Contains(entries, e => e.EventId == 2001 && e.Message.EndsWith("message: chat-join", StringComparison.Ordinal) && Equals(e.State["ConnectionId"], connectionId));
        Assert.Equal(connectionId, Event(2003).State["ConnectionId"]);
        Assert.Contains("alice joined", Event(2101).Message, StringComparison.Ordinal);
        Assert.Contains("alice left", Event(2103).Message, StringComparison.Ordinal);
        var closed = Event(1003);
        Assert.Equal((connectionId, 1000), (closed.State["ConnectionId"], closed.State["Code"]));
        Assert.Contains("http://evil.example", Event(1004).Message, StringComparison.Ordinal);
        Assert.Contains("other", Event(1005).Message, StringComparison.Ordinal);

        // Everything the host logs while the connection is open sits in its scope.
        Assert.Contains(closed.Scopes, s => s.Contains($"Connection {connectionId} from 127.0.0.1", StringComparison.Ordinal));
    }
}
