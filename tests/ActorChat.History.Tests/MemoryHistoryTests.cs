using ActorChat.Protocol;
using static ActorChat.History.Tests.HistoryProbe;

namespace ActorChat.History.Tests;

/// <summary>
/// <c>ActorChat:History:Provider=memory</c>: the same journal and snapshot behaviour as SQLite
/// while the actor system lives, nothing written anywhere, nothing kept after it stops.
/// </summary>
public sealed class MemoryHistoryTests
{
    private static readonly HistoryOptions Memory = new() { Provider = HistoryOptions.Memory };

    [Fact]
    public async Task Batches_come_back_in_order_to_a_restarted_actor_and_are_gone_with_the_actor_system()
    {
        var sent = TestData.Messages("lobby", 1, 111);
        await using (var first = await HistoryHost.StartAsync(Memory))
        {
            var room = first.Probe("room-lobby");
            Assert.Equal(1, (await HistoryHost.AskAsync<Appended>(room, new Append(sent.GetRange(0, 1)))).SequenceNr);
            Assert.Equal(11, (await HistoryHost.AskAsync<Appended>(room, new Append(sent.GetRange(1, 10)))).SequenceNr);
            Assert.Equal(111, (await HistoryHost.AskAsync<Appended>(room, new Append(sent.GetRange(11, 100)))).SequenceNr);
            await HistoryHost.StopAsync(room);

            var again = await HistoryHost.AskAsync<State>(first.Probe("room-lobby"), GetState.Instance);
            TestData.AssertSameMessages(sent, again.Messages);
            Assert.Equal(111, again.LastSequenceNr);
            Assert.Single(first.Logs.Entries, e => e.Id == 1051);
        }

        await using var second = await HistoryHost.StartAsync(Memory);
        var fresh = await HistoryHost.AskAsync<State>(second.Probe("room-lobby"), GetState.Instance);
        Assert.Empty(fresh.Messages);
        Assert.Equal(0, fresh.LastSequenceNr);
    }

    [Fact]
    public async Task A_snapshot_and_the_journal_deleted_up_to_it_leave_recovery_to_the_snapshot_and_the_messages_after_it()
    {
        await using var host = await HistoryHost.StartAsync(Memory);
        var room = host.Probe("room-lobby");
        await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 1, 50)));
        Assert.Equal(new Trimmed(50), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
        await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 51, 55)));
        await HistoryHost.StopAsync(room);

        var recovered = await HistoryHost.AskAsync<State>(host.Probe("room-lobby"), GetState.Instance);

        Assert.Equal(new StreamPosition(Trim.Epoch, 50), recovered.Snapshot);
        TestData.AssertSameMessages(TestData.Messages("lobby", 51, 55), recovered.Messages);
        Assert.Equal(55, recovered.LastSequenceNr);
    }

    [Fact]
    public async Task Nothing_is_written_to_the_working_directory()
    {
        string[] defaults = ["data", "snapshots"];
        var left = defaults.Where(d => Directory.Exists(d)).ToList();
        Assert.True(left.Count == 0, $"Left in {Environment.CurrentDirectory} before the test: {string.Join(", ", left)}");
        await using (var host = await HistoryHost.StartAsync(Memory))
        {
            var room = host.Probe("room-lobby");
            await HistoryHost.AskAsync<Appended>(room, new Append(TestData.Messages("lobby", 1, 10)));
            Assert.Equal(new Trimmed(10), await HistoryHost.AskAsync<Trimmed>(room, Trim.Instance));
        }

        // Neither data/ (the SQLite default) nor snapshots/ (Akka's default local snapshot store).
        Assert.DoesNotContain(defaults, d => Directory.Exists(d));
    }
}
