using System.Threading.Channels;
using ActorChat.Actors.Rooms;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// A room purges its deleted messages' journal rows through its <see cref="RoomJournalPurge"/>
/// (here a fake that records each call and answers as the test says): due rows, bounded, off the
/// actor, retried after a failure, and before the room passivates.
/// </summary>
public sealed class RoomActorPurgeTests : RoomActorTestKit
{
    private readonly Channel<(string PersistenceId, IReadOnlyList<UnpurgedMessage> Rows, TaskCompletionSource Done)> _calls =
        Channel.CreateUnbounded<(string, IReadOnlyList<UnpurgedMessage>, TaskCompletionSource)>();

    private readonly ListLogger _logger = new();

    private IActorRef StartPurgingRoom(IActorRef? parent = null)
    {
        RoomJournalPurge purge = (id, rows, _) =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Assert.True(_calls.Writer.TryWrite((id, rows, done)));
            return done.Task;
        };
        var props = RoomActor.Props("general", Limits, Settings, _logger, Time, purge: purge);
        return parent is null ? Sys.ActorOf(props) : ChildActorOf(props);
    }

    private (string PersistenceId, IReadOnlyList<UnpurgedMessage> Rows, TaskCompletionSource Done) NextCall()
    {
        var read = _calls.Reader.ReadAsync().AsTask();
        Assert.True(read.Wait(RemainingOrDefault), "The room never purged.");
        return read.Result;
    }

    private static void Delete(IActorRef room, Member member, long offset)
    {
        room.Tell(new RoomContract.DeleteMessage("general", member.SessionId, offset, null, "d" + offset), member.Probe.Ref);
        while (member.Next() is var frame && !(frame.Type == "deleted" && frame.Ref == "d" + offset))
        {
        }
    }

    [Fact]
    public void A_deleted_messages_row_is_purged_at_the_next_sweep_and_not_again()
    {
        Settings = Settings with { PurgeAfter = TimeSpan.FromSeconds(1) };
        var room = StartPurgingRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var first = PostAcked(room, alice, "a secret");
        var second = PostAcked(room, alice, "another secret");
        Delete(room, alice, first);

        // Sequence numbers: 1 the history's start, 2 and 3 the messages.
        var call = NextCall();
        Assert.Equal("room-general", call.PersistenceId);
        Assert.Equal([(first, 2L)], call.Rows.Select(r => (r.Offset, r.SequenceNr)));
        call.Done.SetResult();

        // Purged: the next sweep purges only what was deleted since.
        Delete(room, alice, second);
        call = NextCall();
        Assert.Equal([second], call.Rows.Select(r => r.Offset));
        call.Done.SetResult();
        AwaitCondition(() => _logger.Entries.Count(e => e.EventId == 2252) == 2);
    }

    [Fact]
    public void A_failed_purge_is_logged_and_the_same_rows_are_purged_at_the_next_sweep()
    {
        Settings = Settings with { PurgeAfter = TimeSpan.FromSeconds(1) };
        var room = StartPurgingRoom();
        var alice = NewMember("alice");
        Enter(room, alice);
        var offset = PostAcked(room, alice, "a secret");
        Delete(room, alice, offset);

        var call = NextCall();
        call.Done.SetException(new InvalidOperationException("database is locked"));
        AwaitCondition(() => _logger.Entries.Any(e => e.EventId == 2251 && e.Message.Contains("database is locked", StringComparison.Ordinal)));

        var retried = NextCall();
        Assert.Equal(call.Rows, retried.Rows);
        retried.Done.SetResult();
        AwaitCondition(() => _logger.Entries.Any(e => e.EventId == 2252));
    }

    [Fact]
    public void A_room_going_idle_purges_first_then_asks_to_passivate()
    {
        // No sweep within the test: only going idle purges.
        Settings = Settings with { PurgeAfter = TimeSpan.FromDays(30), IdleTimeout = TimeSpan.FromMilliseconds(100) };
        var room = StartPurgingRoom(parent: TestActor);
        var alice = NewMember("alice");
        Enter(room, alice);
        var offset = PostAcked(room, alice, "a secret");
        Delete(room, alice, offset);
        room.Tell(new RoomContract.Leave("general", alice.SessionId, "l"), alice.Probe.Ref);

        var call = NextCall();
        Assert.Equal([offset], call.Rows.Select(r => r.Offset));

        // Several idle timeouts while the purge runs: the room waits for it (it tells its parent
        // its member count meanwhile, nothing else).
        Assert.DoesNotContain(ReceiveWhile(TimeSpan.FromMilliseconds(400), m => m), m => m is Passivate);
        call.Done.SetResult();
        Assert.IsType<Passivate>(FishForMessage(m => m is Passivate));
    }
}
