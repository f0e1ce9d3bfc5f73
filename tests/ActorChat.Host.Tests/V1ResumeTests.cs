using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>actorchat.v1</c> resume over real sockets: a dropped socket comes back with its session and
/// exactly what it missed, retries are not posted twice, presence hides a quick reconnect, and a
/// position older than the kept history is refused openly.
/// </summary>
public sealed class V1ResumeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_reset_in_the_middle_of_a_1000_message_stream_resumes_with_no_gap_and_no_duplicate_and_its_retried_sends_are_posted_once()
    {
        const int Stream = 1000;
        const string Room = "stream";
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var sender = await V1Client.HelloAsync(server.WebSocket, "sender");
        await using var watcher = await V1Client.HelloAsync(server.WebSocket, "watcher");
        await using var reader = await V1Client.HelloAsync(server.WebSocket, "reader");
        await sender.JoinAsync(Room);
        await watcher.JoinAsync(Room);
        var start = (await reader.JoinAsync(Room)).Position();
        Assert.Equal(0, start.Offset);

        // The sender streams; it holds at the halfway mark until the reader is gone, so the reader
        // misses part of the stream and the rest flows while it comes back.
        var readerGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streaming = Task.Run(async () =>
        {
            for (var i = 1; i <= Stream; i++)
            {
                if (i == (Stream / 2) + 1)
                {
                    await readerGone.Task.WaitAsync(TestServer.Timeout);
                }

                await sender.SendAsync(Room, $"s{i}", $"s-{i}");
            }
        });

        await reader.WaitForMessagesAsync(Room, 100);
        var ackedOffset = await reader.SendAsync(Room, "acked before the reset", "r-acked");
        await reader.WaitForMessagesAsync(Room, 300);

        // Three sends the reader never sees answered, then a TCP reset: no close frame.
        var unacked = new[] { "r-1", "r-2", "r-3" };
        foreach (var cid in unacked)
        {
            await reader.PostAsync("send", V1Client.Payload(("room", Room), ("text", $"unacked {cid}"), ("cid", cid)));
        }

        reader.Reset();
        readerGone.SetResult();
        Assert.Null(await reader.WaitForEndAsync());
        var before = reader.Messages(Room);
        V1Frames.AssertContiguous(before.Offsets(), 1, "the reader before its reset");
        var last = before[^1].Offset();

        // The stream goes on without the reader: it has something to recover.
        await watcher.WaitForMessagesAsync(Room, (int)last + 50);

        // Resume: hello with the session, then join with since.
        await using var again = await V1Client.ConnectAsync(server.WebSocket, "reader (resumed)");
        var welcome = (await again.HelloAsync("reader", reader.Session)).Payload();
        Assert.True(welcome.GetProperty("resumed").GetBoolean(), $"The session survives a dropped socket: {welcome.GetRawText()}");
        Assert.Equal("reader", welcome.Str("name"));
        Assert.Contains(Room, welcome.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        var joined = await again.JoinAsync(Room, since: (start.Epoch, last));
        Assert.True(joined.Payload().GetProperty("recovered").GetBoolean(), $"Recovery after {last}: {Summary(joined)}");
        Assert.Equal(start.Epoch, joined.Position().Epoch);
        var recovered = joined.MessageList();
        V1Frames.AssertContiguous(recovered.Offsets(), last + 1, "the recovered messages");
        Assert.True(recovered.Count >= 50, $"Only {recovered.Count} messages recovered.");
        Assert.Equal(joined.Position().Offset, last + recovered.Count);

        // Retries with the same cids: the un-acked ones, and one the reader knows was acked.
        var retried = new Dictionary<string, long>();
        foreach (var cid in unacked)
        {
            retried[cid] = await again.SendAsync(Room, $"unacked {cid}", cid);
        }

        Assert.Equal(ackedOffset, await again.SendAsync(Room, "acked before the reset", "r-acked"));

        await streaming.WaitAsync(TestServer.Timeout * 3);
        var endOffset = await sender.SendAsync(Room, "end", "s-end");
        const int Total = Stream + 1 + 3 + 1;
        Assert.Equal(Total, endOffset);

        // The watcher, never dropped, is the reference: every message once, in offset order.
        await watcher.WaitForMessageAsync(Room, m => m.Str("text") == "end", "the end of the stream");
        var reference = watcher.Messages(Room);
        V1Frames.AssertContiguous(reference.Offsets(), 1, "the watcher's view");
        Assert.Equal(Total, reference.Count);
        foreach (var cid in unacked)
        {
            var posted = Assert.Single(reference, m => m.Str("text") == $"unacked {cid}");
            Assert.Equal(posted.Offset(), retried[cid]);
        }

        Assert.Equal(ackedOffset, Assert.Single(reference, m => m.Str("text") == "acked before the reset").Offset());

        // The reader's whole view: before the reset, the recovered ones, then live ones, which come only after joined.
        await again.WaitForMessageAsync(Room, m => m.Str("text") == "end", "the end of the stream");
        var frames = again.Received;
        var joinedAt = frames.ToList().FindIndex(f => f.Ref() is not null && f.Type() == "joined");
        var firstLiveAt = frames.ToList().FindIndex(f => f.Type() == "message");
        Assert.True(firstLiveAt > joinedAt, $"A live message (frame {firstLiveAt}) came before the room's joined (frame {joinedAt}).");
        output.WriteLine($"The reader had 1-{last} before its reset, recovered {last + 1}-{joined.Position().Offset}, then got {again.Messages(Room).Count} live.");
        var view = before.Concat(recovered).Concat(again.Messages(Room)).ToList();
        V1Frames.AssertContiguous(view.Offsets(), 1, "the reader's view across the reset");
        Assert.Equal(reference.Select(V1FlowTests.Line), view.Select(V1FlowTests.Line));
    }

    [Fact]
    public async Task A_dropped_member_that_resumes_within_PresenceGrace_is_never_seen_leaving_and_one_that_does_not_is_seen_leaving_once_it_passed()
    {
        const string Room = "grace";
        var grace = TestTime.Seconds(3);
        await using var server = await TestServer.StartAsync(V1Settings.With($"--ActorChat:Rooms:PresenceGrace={grace:c}"));
        await using var wes = await V1Client.HelloAsync(server.WebSocket, "wes");
        await wes.JoinAsync(Room);
        await using var ann = await V1Client.HelloAsync(server.WebSocket, "ann");
        var position = (await ann.JoinAsync(Room)).Position();
        await using var dan = await V1Client.HelloAsync(server.WebSocket, "dan");
        await dan.JoinAsync(Room);
        await wes.WaitForMembersAsync(Room, "ann", "dan", "wes");
        var seenBefore = wes.Presence(Room).Count;

        // Both drop; ann comes back at once, dan never does.
        var dropped = Stopwatch.StartNew();
        ann.Reset();
        dan.Reset();
        await using var ann2 = await V1Client.ConnectAsync(server.WebSocket, "ann (resumed)");
        Assert.True((await ann2.HelloAsync("ann", ann.Session)).Payload().GetProperty("resumed").GetBoolean());
        Assert.True((await ann2.JoinAsync(Room, since: position)).Payload().GetProperty("recovered").GetBoolean());
        var resumedAfter = dropped.Elapsed;
        Assert.True(
            resumedAfter < grace,
            $"ann took {resumedAfter.TotalMilliseconds:F0} ms to resume, longer than the grace of {grace.TotalMilliseconds:F0} ms: the machine is too slow for this test (raise {TestTime.Variable}).");

        // dan's leave comes once the grace has passed, not before.
        await wes.WaitForMembersAsync(grace + TestServer.Timeout, Room, "ann", "wes");
        var leftAfter = dropped.Elapsed;
        Assert.True(
            leftAfter >= grace - TimeSpan.FromMilliseconds(50),
            $"dan's leave came {leftAfter.TotalMilliseconds:F0} ms after the drop, within the grace of {grace.TotalMilliseconds:F0} ms.");

        // ann's grace started before dan's, so a leave of ann would have come by now; a later
        // presence (carl's join) makes sure nothing of ann was still on its way.
        await using var carl = await V1Client.HelloAsync(server.WebSocket, "carl");
        await carl.JoinAsync(Room);
        await wes.WaitForMembersAsync(Room, "ann", "carl", "wes");
        var after = wes.Presence(Room).Skip(seenBefore).ToList();
        Assert.DoesNotContain(after, p => V1FlowTests.Mentions(p, "ann"));
        Assert.Contains(after, p => p.GetProperty("leaves").EnumerateArray().Any(n => n.GetString() == "dan"));

        // ann is in the room for real: it gets carl's message.
        await carl.SendAsync(Room, "hi all");
        Assert.Equal("hi all", (await ann2.WaitForMessagesAsync(Room, 1))[0].Str("text"));
    }

    [Fact]
    public async Task A_clean_close_ends_the_session_at_once_the_others_see_the_leave_and_its_token_no_longer_resumes()
    {
        const string Room = "clean";

        // A grace no wait here reaches: the leave must come because the close was clean.
        await using var server = await TestServer.StartAsync(V1Settings.With(TestServer.LongTimerSetting("Rooms:PresenceGrace")));
        await using var wes = await V1Client.HelloAsync(server.WebSocket, "wes");
        await wes.JoinAsync(Room);
        await using var ann = await V1Client.HelloAsync(server.WebSocket, "ann");
        await ann.JoinAsync(Room);
        await wes.WaitForMembersAsync(Room, "ann", "wes");

        await ann.CloseAsync();

        await wes.WaitForMembersAsync(Room, "wes");
        await using var again = await V1Client.ConnectAsync(server.WebSocket, "ann again");
        var welcome = (await again.HelloAsync("ann", ann.Session)).Payload();
        Assert.False(welcome.GetProperty("resumed").GetBoolean(), $"A session closed cleanly cannot be resumed: {welcome.GetRawText()}");
        Assert.Empty(welcome.GetProperty("rooms").EnumerateArray());
    }

    [Fact]
    public async Task A_since_older_than_the_kept_history_is_answered_recovered_false_with_the_last_limit_messages()
    {
        const string Room = "short";
        await using var server = await TestServer.StartAsync(V1Settings.With("--ActorChat:History:MaxMessagesPerRoom=10"));
        await using var poster = await V1Client.HelloAsync(server.WebSocket, "poster");
        var epoch = (await poster.JoinAsync(Room)).Position().Epoch;
        for (var i = 1; i <= 30; i++)
        {
            Assert.Equal(i, await poster.SendAsync(Room, $"m{i}"));
        }

        // Kept: 21..30. Since 5 is long gone: no partial recovery, the last limit instead.
        var gone = await JoinAsync(server, "gone", since: (epoch, 5), limit: 4);
        Assert.False(gone.Payload().GetProperty("recovered").GetBoolean(), Summary(gone));
        Assert.Equal([27L, 28, 29, 30], gone.MessageList().Offsets());
        Assert.Equal((epoch, 30L), gone.Position());

        // One short of the first kept message is still a full recovery.
        var edge = await JoinAsync(server, "edge", since: (epoch, 20), limit: 4);
        Assert.True(edge.Payload().GetProperty("recovered").GetBoolean(), Summary(edge));
        Assert.Equal(Enumerable.Range(21, 10).Select(o => (long)o), edge.MessageList().Offsets());

        // One more is not.
        var past = await JoinAsync(server, "past", since: (epoch, 19), limit: 3);
        Assert.False(past.Payload().GetProperty("recovered").GetBoolean(), Summary(past));
        Assert.Equal([28L, 29, 30], past.MessageList().Offsets());

        // Another epoch's offsets mean nothing here.
        var other = await JoinAsync(server, "other", since: ("not-" + epoch, 25), limit: 2);
        Assert.False(other.Payload().GetProperty("recovered").GetBoolean(), Summary(other));
        Assert.Equal([29L, 30], other.MessageList().Offsets());

        // History has nothing older than the kept messages either.
        var page = (await poster.HistoryAsync(Room, before: 25, limit: 100)).Payload();
        Assert.Equal([21L, 22, 23, 24], page.GetProperty("messages").EnumerateArray().Offsets());
        Assert.False(page.GetProperty("more").GetBoolean());
    }

    private static async Task<JsonElement> JoinAsync(TestServer server, string name, (string, long) since, int limit)
    {
        await using var client = await V1Client.HelloAsync(server.WebSocket, name);
        return await client.JoinAsync("short", since, limit);
    }

    /// <summary>A joined reply without its messages' texts, for failure messages.</summary>
    private static string Summary(JsonElement joined)
    {
        var payload = joined.Payload();
        var recovered = payload.TryGetProperty("recovered", out var r) ? r.GetRawText() : "absent";
        return $"joined epoch {payload.Str("epoch")} offset {payload.GetProperty("offset")} recovered {recovered} messages [{V1Frames.Describe(joined.MessageList().Offsets())}]";
    }
}
