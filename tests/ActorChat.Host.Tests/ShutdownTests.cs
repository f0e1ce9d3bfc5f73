using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>Graceful drain: every client gets 1001 after what was already accepted, and the process exits 0.</summary>
public sealed partial class ShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(30);

    [Fact]
    public async Task On_stop_every_client_gets_what_was_accepted_then_1001()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await using var lurker = await server.ConnectAsync();
        await alice.ExpectAsync("chat-join");
        await server.WaitForRoomAsync(m => m.Connections == 3, "the lurker attached");

        // Accepted by the room (alice saw her echoes); bob has not read them yet.
        var sent = Enumerable.Range(0, 5).Select(i => $"last words {i}").ToList();
        foreach (var message in sent)
        {
            await alice.SayAsync("alice", message);
        }

        foreach (var message in sent)
        {
            await alice.ExpectMessageAsync("alice", message);
        }

        var stop = server.StopAsync();

        foreach (var message in sent)
        {
            await bob.ExpectMessageAsync("alice", message);
            await lurker.ExpectMessageAsync("alice", message);
        }

        // Closes are spread over the drain window: a member closed earlier leaves, and the others
        // may see that leave before their own close. Nothing else may come.
        foreach (var client in new[] { alice, bob, lurker })
        {
            Assert.Equal("server shutting down", await ExpectCloseAfterLeavesAsync(client, 1001));
        }

        await stop.WaitAsync(ProcessBound);
    }

    private static async Task<string?> ExpectCloseAfterLeavesAsync(ChatClient client, int code)
    {
        while (await client.ReceiveOrCloseAsync() is { } packet)
        {
            Assert.True(packet.Type() == "chat-leave", $"Expected only leaves before the close, got {packet.GetRawText()}");
        }

        Assert.Equal(code, client.CloseStatus);
        return client.Socket.CloseStatusDescription;
    }

    [Fact]
    public async Task While_draining_the_server_is_not_ready_and_closes_new_connections_with_1001()
    {
        // Clients that have not answered their close keep the drain open.
        await using var server = await TestServer.StartAsync("--ActorChat:DrainWindow=00:00:00");
        await using var alice = await server.JoinAsync("alice");
        using var http = server.CreateHttpClient();
        var gate = server.App.Services.GetRequiredService<ConnectionGate>();

        var stop = server.StopAsync();
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        while (!gate.IsDraining)
        {
            Assert.True(DateTime.UtcNow < deadline, "The server never started draining.");
            await Task.Delay(10);
        }

        using (var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // Refused in a way a browser can read: accepted, then closed at once with the reason.
        await using (var late = await server.ConnectAsync())
        {
            Assert.Equal("server shutting down", await late.ExpectCloseAsync(1001));
        }

        Assert.Equal("server shutting down", await alice.ExpectCloseAsync(1001));
        await stop.WaitAsync(ProcessBound);
    }

    [Fact]
    public async Task SIGTERM_closes_every_client_with_1001_and_the_process_exits_0()
    {
        var start = ServerProcess.StartInfo("--urls", "http://127.0.0.1:0", "--ActorChat:DrainWindow=00:00:00.200");

        await using var server = await RunningServer.StartAsync(start, ProcessBound, output);
        var process = server.Process;
        var uri = new Uri($"ws://127.0.0.1:{server.Port}/");
        await using var alice = await ChatClient.ConnectAsync(uri);
        await alice.JoinAsync("alice");
        await alice.ExpectAsync("chat-join");
        await alice.ExpectAsync("chat-users");
        await using var lurker = await ChatClient.ConnectAsync(uri);

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(TestServer.Timeout);
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.Equal("server shutting down", await ExpectCloseAfterLeavesAsync(alice, 1001));
        Assert.Equal("server shutting down", await ExpectCloseAfterLeavesAsync(lurker, 1001));
        await process.WaitForExitAsync().WaitAsync(ProcessBound);
        Assert.Equal(0, process.ExitCode);
    }
}
