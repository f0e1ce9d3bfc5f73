using System.Text.Json;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>
/// Durable history and sessions over a real server process: what was acked survives the process
/// being killed outright (SIGKILL: no drain, no shutdown hook) and comes back on the same SQLite
/// file, and so do the sessions (a resume after the restart is <c>resumed: true</c>).
/// </summary>
public sealed class V1DurabilityTests(ITestOutputHelper output) : IDisposable
{
    private const string Room = "durable";
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("actorchat-v1-kill-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_server_killed_with_SIGKILL_and_restarted_on_the_same_file_keeps_every_acked_message_in_the_same_epoch_and_offsets_go_on()
    {
        const int MaxPosts = 3000;
        const int AckedBeforeKill = 300;
        var path = Path.Combine(_folder, "actorchat.db");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--ActorChat:History:Provider=sqlite",
            $"--ActorChat:History:ConnectionString=Data Source={path}",
            .. V1Settings.Unthrottled,
        ];

        string epoch;
        string token;
        var acked = new SortedDictionary<long, string>();
        await using (var first = await RunningServer.StartAsync(ServerProcess.StartInfo(args), ProcessBound, output))
        {
            await using var kim = await V1Client.HelloAsync(Ws(first.Port), "kim");
            token = kim.Session!;
            epoch = (await kim.JoinAsync(Room)).Position().Epoch;

            // Sends keep going out, unanswered ones among them, when the process is killed.
            var texts = new Dictionary<string, string>();
            var posting = Task.Run(async () =>
            {
                for (var i = 1; i <= MaxPosts && !kim.Ended; i++)
                {
                    var text = $"m{i}";
                    var requestRef = kim.NextRef();
                    lock (texts)
                    {
                        texts[requestRef] = text;
                    }

                    try
                    {
                        await kim.PostAsync(requestRef, "send", V1Client.Payload(("room", Room), ("text", text)));
                    }
                    catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        return; // the connection went with the process
                    }
                }
            });
            await kim.WaitAsync(frames => frames.Count(f => f.Type() == "ack") >= AckedBeforeKill, $"{AckedBeforeKill} acks");

            first.Process.Kill(); // SIGKILL on Linux
            await first.Process.WaitForExitAsync().WaitAsync(ProcessBound);
            Assert.Equal(128 + 9, first.Process.ExitCode);
            await kim.WaitForEndAsync();
            await posting.WaitAsync(TestServer.Timeout);

            foreach (var ack in kim.Received.Where(f => f.Type() == "ack"))
            {
                Assert.True(acked.TryAdd(ack.Payload().Offset(), TextOf(texts, ack)), $"Two acks for one offset: {ack.GetRawText()}");
            }
        }

        Assert.True(acked.Count >= AckedBeforeKill);
        output.WriteLine($"{acked.Count} sends acked before the kill, the last at offset {acked.Keys.Max()}.");
        await using var second = await RunningServer.StartAsync(ServerProcess.StartInfo(args), ProcessBound, output);
        // The session outlived the process too: it resumes, with its name and its room.
        await using var kim2 = await V1Client.ConnectAsync(Ws(second.Port), "kim");
        var welcome = (await kim2.HelloAsync("someone else", token)).Payload();
        Assert.True(welcome.GetProperty("resumed").GetBoolean(), welcome.GetRawText());
        Assert.Equal("kim", welcome.Str("name"));
        Assert.Equal([Room], welcome.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        var joined = await kim2.JoinAsync(Room);
        var (epochAfter, last) = joined.Position();
        Assert.Equal(epoch, epochAfter);
        Assert.True(last >= acked.Keys.Max(), $"The room restarted at offset {last}, below the last acked offset {acked.Keys.Max()}.");

        // The whole history, page by page: one sender's sends in its order, none missing.
        var history = await kim2.WholeHistoryAsync(Room);

        output.WriteLine($"After the restart the room holds offsets 1-{last}.");
        V1Frames.AssertContiguous(history.Offsets(), 1, "the history after the restart");
        Assert.Equal(last, history.Count);
        for (var i = 0; i < history.Count; i++)
        {
            Assert.Equal($"m{i + 1}", history[i].Str("text"));
        }

        foreach (var (offset, text) in acked)
        {
            Assert.True(history[(int)offset - 1].Str("text") == text, $"Acked offset {offset} ({text}) holds {history[(int)offset - 1].GetRawText()}");
        }

        // Offsets go on from where the killed process stopped.
        Assert.Equal(last + 1, await kim2.SendAsync(Room, "after the restart"));
    }

    /// <summary>
    /// A client that numbers its <c>cid</c>s (1, 2, 3…) in a new session after a restart must have its
    /// sends posted: the room's cid dedup is durable and keyed by session, so a session id that a
    /// restarted server gave out again would ack the new text with the old message's offset and
    /// never store it. And the session from before the restart resumes with its token.
    /// </summary>
    [Fact]
    public async Task After_a_restart_a_new_session_reusing_cids_an_old_one_used_has_its_sends_stored_and_the_old_session_resumes()
    {
        var path = Path.Combine(_folder, "actorchat.db");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--ActorChat:History:Provider=sqlite",
            $"--ActorChat:History:ConnectionString=Data Source={path}",
            .. V1Settings.Unthrottled,
        ];

        string token;
        await using (var first = await RunningServer.StartAsync(ServerProcess.StartInfo(args), ProcessBound, output))
        {
            await using var ann = await V1Client.HelloAsync(Ws(first.Port), "ann");
            token = ann.Session!;
            await ann.JoinAsync(Room);
            Assert.Equal(1L, await ann.SendAsync(Room, "ann 1", cid: "1"));
            Assert.Equal(2L, await ann.SendAsync(Room, "ann 2", cid: "2"));
        }

        await using var second = await RunningServer.StartAsync(ServerProcess.StartInfo(args), ProcessBound, output);
        await using var bea = await V1Client.HelloAsync(Ws(second.Port), "bea");
        await bea.JoinAsync(Room);
        Assert.Equal(3L, await bea.SendAsync(Room, "bea 1", cid: "1"));
        Assert.Equal(4L, await bea.SendAsync(Room, "bea 2", cid: "2"));

        // A resend of a cid in the same session is still one message (the same offset).
        Assert.Equal(4L, await bea.SendAsync(Room, "bea 2", cid: "2"));

        await using var ann2 = await V1Client.ConnectAsync(Ws(second.Port), "ann");
        var welcome = (await ann2.HelloAsync("ann", token)).Payload();
        Assert.True(welcome.GetProperty("resumed").GetBoolean(), welcome.GetRawText());
        Assert.Equal("ann", welcome.Str("name"));

        // The old session's own dedup holds across the restart: its cid 2 is its offset 2.
        await ann2.JoinAsync(Room);
        Assert.Equal(2L, await ann2.SendAsync(Room, "ann 2", cid: "2"));

        var history = await bea.WholeHistoryAsync(Room);
        Assert.Equal(["ann 1", "ann 2", "bea 1", "bea 2"], history.Select(m => m.Str("text")));
        Assert.Equal([1L, 2L, 3L, 4L], history.Offsets());
    }

    private static Uri Ws(int port) => new($"ws://127.0.0.1:{port}/");

    private static string TextOf(Dictionary<string, string> texts, JsonElement ack)
    {
        lock (texts)
        {
            return texts[ack.Ref()!];
        }
    }
}
