using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.RoomGovernanceTests;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The pure rules of <c>delete</c>: who may, what is shown after, what recovery and snapshots keep.</summary>
public sealed class RoomStateDeleteTests
{
    private static readonly DateTimeOffset T0 = TestRoom.T0;

    /// <summary>A started room owned by <c>owner</c> with <c>mod</c> a moderator; <c>alice</c> (a user) posted offset 1, the anonymous <c>anon</c> offset 2.</summary>
    private static RoomState Room()
    {
        var state = TestRoom.Started();
        state.Apply(state.DecideGovernance(state.Governance.DecideClaim(User("owner").Identity, roomIsNew: true, T0)!));
        state.Apply(state.DecideGovernance(((GovernanceAccepted)state.Governance.DecideGrant(User("owner"), User("mod").Identity, RoomRole.Moderator, T0)).Event));
        Post(state, User("alice"), "secret one");
        Post(state, Anonymous("anon"), "secret two");
        return state;
    }

    private static void Post(RoomState state, RoomPrincipal author, string text)
    {
        var accepted = Assert.IsType<PostAccepted>(state.DecidePost(author.SessionId, author.Name, text, "c" + text.Length, T0, userId: author.Identity.UserId));
        state.Apply(accepted.Event);
    }

    private static MessageDeleted Delete(RoomState state, RoomPrincipal actor, long offset)
    {
        var e = (MessageDeleted)Assert.IsType<GovernanceAccepted>(state.DecideDelete(actor, offset, "spam", T0)).Event;
        state.Apply(state.DecideGovernance(e));
        return e;
    }

    private static void Refused(GovernanceDecision decision, string code) => Assert.Equal(code, Assert.IsType<GovernanceRefused>(decision).Code);

    [Fact]
    public void The_author_a_moderator_the_owner_and_an_admin_may_delete_another_member_may_not()
    {
        var state = Room();
        Refused(state.DecideDelete(User("bob"), 1, null, T0), ErrorCodes.Forbidden);
        Refused(state.DecideDelete(Anonymous("other"), 2, null, T0), ErrorCodes.Forbidden);

        // The same user on another session is the author; the same anonymous name on another session is not.
        var aliceElsewhere = new RoomPrincipal("s-alice-2", "alice", User("alice").Identity);
        Assert.IsType<GovernanceAccepted>(state.DecideDelete(aliceElsewhere, 1, null, T0));
        Refused(state.DecideDelete(new RoomPrincipal("s-anon-2", "anon", Anonymous("anon").Identity), 2, null, T0), ErrorCodes.Forbidden);
        Assert.IsType<GovernanceAccepted>(state.DecideDelete(Anonymous("anon"), 2, null, T0));
        Assert.IsType<GovernanceAccepted>(state.DecideDelete(User("mod"), 1, null, T0));
        Assert.IsType<GovernanceAccepted>(state.DecideDelete(User("owner"), 2, null, T0));
        Assert.IsType<GovernanceAccepted>(state.DecideDelete(User("root", admin: true), 1, null, T0));
    }

    [Fact]
    public void No_such_offset_is_not_found_and_a_second_delete_is_answered_as_deleted_without_an_event()
    {
        var state = Room();
        Refused(state.DecideDelete(User("mod"), 3, null, T0), ErrorCodes.NotFound);
        Refused(state.DecideDelete(User("mod"), 0, null, T0), ErrorCodes.NotFound);
        Delete(state, User("alice"), 1);
        Assert.Equal(new DeleteRepeated(1), state.DecideDelete(User("alice"), 1, null, T0));
        Assert.Equal(new DeleteRepeated(1), state.DecideDelete(User("mod"), 1, null, T0));
    }

    [Fact]
    public void A_deleted_message_is_a_tombstone_in_joins_and_history_and_in_the_audit_without_its_text()
    {
        var state = Room();
        var e = Delete(state, User("mod"), 1);
        var shown = state.History(null, null).Messages.Messages;
        Assert.Equal(new ChatMessage(TestRoom.Name, 1, "alice", "", T0, "c10", null, Deleted: true), shown[0]);
        Assert.Equal("secret two", shown[1].Text);
        Assert.True(state.Join(null, 10).Messages.Messages[0].Deleted);
        var entry = state.Governance.Audit.Last();
        Assert.Equal(("delete", 1L, "spam", "mod"), (entry.Action, entry.Offset!.Value, entry.Reason!, entry.By));
        Assert.Equal([new UnpurgedMessage(1, 4, e.At)], state.Unpurged);
    }

    [Fact]
    public void Replay_and_a_snapshot_keep_the_tombstone_and_what_is_left_to_purge()
    {
        var live = TestRoom.Started();
        List<RoomEvent> journal = [new HistoryStarted(TestRoom.Epoch)];
        var posted = Assert.IsType<PostAccepted>(live.DecidePost("s1", "alice", "secret", null, T0, userId: "alice")).Event;
        live.Apply(posted);
        journal.Add(posted);
        var deleted = (MessageDeleted)Assert.IsType<GovernanceAccepted>(live.DecideDelete(User("alice"), 1, null, T0)).Event;
        live.Apply(live.DecideGovernance(deleted));
        journal.Add(deleted);

        var replayed = new RoomState(TestRoom.Name, new RoomLimits());
        journal.ForEach(replayed.Apply);
        Assert.True(replayed.History(null, null).Messages.Messages[0].Deleted);
        Assert.Single(replayed.Unpurged);

        var restored = RoomState.FromSnapshot(live.ToSnapshot(), new RoomLimits());
        Assert.Equal("", restored.History(null, null).Messages.Messages[0].Text);
        Assert.Single(restored.Unpurged);
        Assert.Equal(new DeleteRepeated(1), restored.DecideDelete(User("alice"), 1, null, T0));

        // Once the row is purged (it reads back as its tombstone), nothing is left to purge after a replay.
        live.Purged([1]);
        Assert.Empty(RoomState.FromSnapshot(live.ToSnapshot(), new RoomLimits()).Unpurged);
        var purgedJournal = new RoomState(TestRoom.Name, new RoomLimits());
        purgedJournal.Apply(journal[0]);
        purgedJournal.Apply(posted with { Message = posted.Message.Tombstone() });
        purgedJournal.Apply(deleted);
        Assert.Empty(purgedJournal.Unpurged);
        Assert.True(purgedJournal.History(null, null).Messages.Messages[0].Deleted);
    }

    [Fact]
    public void A_deleted_message_read_from_the_journal_is_completed_as_its_tombstone()
    {
        var state = TestRoom.Started(new RoomLimits { TailMessages = 1 });
        var posted = Assert.IsType<PostAccepted>(state.DecidePost("s1", "alice", "secret", null, T0)).Event;
        state.Apply(posted);
        state.Post("later");
        state.Apply(state.DecideGovernance((MessageDeleted)((GovernanceAccepted)state.DecideDelete(Anonymous("x") with { SessionId = "s1" }, 1, null, T0)).Event));
        var slice = state.History(null, null).Messages;
        Assert.True(slice.NeedsJournal);
        Assert.True(slice.TryComplete([posted.Message], out var messages));
        Assert.Equal(("", true), (messages[0].Text, messages[0].Deleted));
        Assert.Equal("later", messages[1].Text);
    }
}
