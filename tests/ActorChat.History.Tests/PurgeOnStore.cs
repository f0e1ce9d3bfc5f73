using System.Text;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorChat.History.Tests.RoomOnStore;

namespace ActorChat.History.Tests;

/// <summary>
/// The proof that a deleted message's text leaves the database (PROTOCOL-V1.1 Part B, <c>History:PurgeAfter</c>),
/// whichever store it is (<see cref="PurgeOnSqliteTests"/>, <see cref="PurgeOnPostgreSqlTests"/>): a
/// real room with the server's purge (<see cref="HistoryPurge"/>), and the store's tables read
/// directly, byte for byte.
/// </summary>
internal static class PurgeOnStore
{
    /// <summary>How many rows of the room's journal and of its snapshots hold <c>word</c>'s UTF-8 bytes.</summary>
    public delegate Task<(long Journal, long Snapshots)> RowsHolding(byte[] word);

    /// <summary>
    /// Three messages, the middle one holding a word nothing else has, in the journal and in a snapshot
    /// (one every 2 events); its author deletes it. Within the purge (1 s here) no journal row and no
    /// snapshot holds the word; a new actor system on the same store recovers the room at the same
    /// offsets, the tombstone at the deleted one and the others intact.
    /// </summary>
    /// <param name="afterPurge">What else the store's test checks once no row holds the word (given its bytes), the room still running.</param>
    public static async Task DeletedTextLeavesTheStoreAndRecoveryStillServesTheTombstoneAsync(HistoryOptions options, RowsHolding rowsHolding, Func<byte[], Task>? afterPurge = null)
    {
        var settings = new RoomSettings { PurgeAfter = TimeSpan.FromSeconds(1), SnapshotEvery = 2 };
        var word = "zebra" + Guid.NewGuid().ToString("N");
        var bytes = Encoding.UTF8.GetBytes(word);
        string epoch;
        await using (var host = await HistoryHost.StartAsync(options))
        {
            var room = PurgingRoom(host.System, options, settings);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j1"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            room.Tell(new RoomContract.Post("general", "1", "before", "c1", "p1"), member.Receiver);
            // Long enough to need overflow pages in SQLite (freed, not rewritten in place, by the purge).
            room.Tell(new RoomContract.Post("general", "1", $"the secret word is {word}, {new string('x', 6000)} {word}", "c2", "p2"), member.Receiver);
            room.Tell(new RoomContract.Post("general", "1", "after", "c3", "p3"), member.Receiver);
            Assert.Equal(2, (await AcksAsync(member, "p1", "p2", "p3"))["p2"]);
            epoch = (await StatusWhenAsync(room, s => s.Position.Offset == 3)).Position.Epoch;

            // The word is in the journal and in a snapshot's tail: what the purge must remove.
            await UntilAsync(rowsHolding, bytes, found => found.Journal == 1 && found.Snapshots >= 1, "the word in the journal and in a snapshot");

            room.Tell(new RoomContract.DeleteMessage("general", "1", 2, "oops", "d1"), member.Receiver);
            await UntilAsync(rowsHolding, bytes, found => found == (0, 0), "no row of the journal or of the snapshots holding the word");
            if (afterPurge is not null)
            {
                await afterPurge(bytes);
            }

            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(options))
        {
            var room = PurgingRoom(host.System, options, settings);
            Assert.Equal(new StreamPosition(epoch, 3), (await StatusWhenAsync(room, _ => true)).Position);
            var member = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "2", "bob", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 0), null, "j2"), member.Receiver);
            var entered = Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            Assert.Equal([(1L, "before"), (2L, ""), (3L, "after")], JoinedMessages(entered));
            Assert.Contains("\"deleted\":true", Encoding.UTF8.GetString(Assert.Single(entered.Frames).Span), StringComparison.Ordinal);

            // The same session's cid is still known at the purged offset: a retried send is acked with it.
            room.Tell(new RoomContract.Enter("general", "1", "alice", member.Receiver, Subprotocols.V1, null, null, "j3"), member.Receiver);
            Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
            room.Tell(new RoomContract.Post("general", "1", "retried", "c2", "p2-again"), member.Receiver);
            Assert.Equal(2, (await AcksAsync(member, "p2-again"))["p2-again"]);
            Assert.Equal((0L, 0L), await rowsHolding(bytes));
        }
    }

    public static IActorRef PurgingRoom(ActorSystem system, HistoryOptions options, RoomSettings settings) =>
        system.ActorOf(RoomActor.Props("general", new RoomLimits(), settings, NullLogger.Instance, purge: HistoryPurge.For(system, options)), "room-general");

    /// <summary>True when <paramref name="value"/> (a blob or a string column) holds <paramref name="word"/>'s bytes.</summary>
    public static bool Holds(object? value, byte[] word) => value switch
    {
        byte[] blob => blob.AsSpan().IndexOf(word) >= 0,
        string text => Encoding.UTF8.GetBytes(text).AsSpan().IndexOf(word) >= 0,
        _ => false,
    };

    /// <summary>Waits (bounded by the suite's timeout) until <paramref name="condition"/> holds.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Never {what}.");
            await Task.Delay(50);
        }
    }

    private static async Task UntilAsync(RowsHolding rowsHolding, byte[] word, Func<(long Journal, long Snapshots), bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + HistoryHost.Timeout;
        while (true)
        {
            var found = await rowsHolding(word);
            if (condition(found))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Never {what}; rows holding it: {found}.");
            await Task.Delay(50);
        }
    }
}
