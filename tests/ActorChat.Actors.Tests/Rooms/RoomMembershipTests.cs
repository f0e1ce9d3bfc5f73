using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Conn = ActorChat.Actors.Tests.Rooms.TestConnection;
using Effect = ActorChat.Actors.Rooms.MemberEffect<ActorChat.Actors.Tests.Rooms.TestConnection>;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>Membership and grace without an actor: who is in, grace as generations, rejoin within grace.</summary>
public sealed class RoomMembershipTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    private static RoomMembership<Conn> Membership(TimeSpan? grace = null) => new("room", 100, grace ?? Grace);

    private static RoomMember<Conn> Enter(RoomMembership<Conn> membership, string session, string name, Conn connection, IRoomEventEncoder? encoder = null)
    {
        var (member, _) = membership.Add(session, name, encoder ?? RoomEventEncoders.V1);
        membership.Attach(member, connection);
        membership.ShowJoined(member);
        return member;
    }

    [Fact]
    public void A_new_member_is_watched_shown_counted_and_its_join_waits_for_the_next_diff()
    {
        var membership = Membership();
        var connection = new Conn("c1");
        var (member, added) = membership.Add("s1", "alice", RoomEventEncoders.V1);
        var attached = membership.Attach(member, connection);
        var shown = membership.ShowJoined(member);

        Assert.Equal([new Effect.Joined("alice")], added);
        Assert.Contains(new Effect.Watch(connection), attached);
        Assert.Contains(new Effect.CancelGrace("s1"), attached);
        Assert.Equal([Effect.PresenceChanged.Instance, new Effect.Occupancy(1)], shown);
        Assert.True(member.JoinUnannounced);
        Assert.Equal((1, 1), (membership.Count, membership.Attached));
        Assert.True(membership.IsConnection(connection));

        var flush = membership.FlushPresence(atOnceOnly: false);
        Assert.Equal(["alice"], flush.Coalesced!.Joins);
        Assert.True(flush.IntervalOver);
        Assert.False(member.JoinUnannounced);
    }

    [Fact]
    public void A_dead_connection_starts_the_grace_and_its_timer_removes_the_member_unless_it_came_back()
    {
        var membership = Membership();
        var first = new Conn("c1");
        var member = Enter(membership, "s1", "alice", first);

        var died = membership.ConnectionDied(first);
        var grace = Assert.IsType<Effect.StartGrace>(Assert.Single(died));
        Assert.Equal(("s1", Grace), (grace.SessionId, grace.After));
        Assert.Null(member.Connection);
        Assert.Equal(1, membership.Count);
        Assert.Equal(0, membership.Attached);

        // Back within the grace: the old timer is stale, nobody sees a leave.
        var second = new Conn("c2");
        membership.Attach(member, second);
        Assert.Empty(membership.GraceOver("s1", grace.Generation));
        Assert.Same(member, membership.Find("s1"));
        Assert.Same(second, member.Connection);

        // Gone again, and this time the grace runs out.
        var again = Assert.IsType<Effect.StartGrace>(Assert.Single(membership.ConnectionDied(second)));
        Assert.NotEqual(grace.Generation, again.Generation);

        // The first grace's timer, if it fires now, is stale: the second grace has just begun.
        Assert.Empty(membership.GraceOver("s1", grace.Generation));
        Assert.Same(member, membership.Find("s1"));
        var over = membership.GraceOver("s1", again.Generation);
        Assert.Contains(new Effect.Left("alice"), over);
        Assert.Contains(new Effect.Occupancy(0), over);
        Assert.Contains(new Effect.Removed(member), over);
        Assert.Null(membership.Find("s1"));
    }

    [Fact]
    public void A_stale_death_notice_and_a_second_grace_timer_change_nothing()
    {
        var membership = Membership();
        var first = new Conn("c1");
        var member = Enter(membership, "s1", "alice", first);
        membership.Attach(member, new Conn("c2"));

        Assert.Empty(membership.ConnectionDied(first));
        Assert.Empty(membership.GraceOver("s1", member.GraceGeneration));
        Assert.Empty(membership.GraceOver("nobody", 1));
        Assert.Equal(1, membership.Attached);
    }

    [Fact]
    public void With_no_grace_a_dead_connection_removes_its_member_at_once()
    {
        var membership = Membership(TimeSpan.Zero);
        var connection = new Conn("c1");
        var member = Enter(membership, "s1", "alice", connection);

        var died = membership.ConnectionDied(connection);

        Assert.Contains(new Effect.Removed(member), died);
        Assert.DoesNotContain(died, e => e is Effect.StartGrace);
        Assert.Equal(0, membership.Count);
    }

    [Fact]
    public void Posts_count_from_an_attached_member_or_from_the_connection_that_died_on_it()
    {
        var membership = Membership();
        var connection = new Conn("c1");
        var member = Enter(membership, "s1", "alice", connection);
        var stranger = new Conn("x");

        Assert.Same(member, membership.Poster("s1", stranger));
        membership.ConnectionDied(connection);
        Assert.Same(member, membership.Poster("s1", connection));
        Assert.Null(membership.Poster("s1", stranger));
        Assert.Null(membership.Poster("s2", connection));
    }

    [Fact]
    public void A_connection_entering_for_another_session_leaves_the_one_it_spoke_for_in_grace()
    {
        var membership = Membership();
        var connection = new Conn("c1");
        var alice = Enter(membership, "s1", "alice", connection);
        var (bob, _) = membership.Add("s2", "bob", RoomEventEncoders.V1);

        var released = membership.Release(bob, connection);

        Assert.Contains(released, e => e is Effect.StartGrace { SessionId: "s1" });
        Assert.Null(alice.Connection);
        Assert.Empty(membership.Attach(bob, connection).OfType<Effect.StartGrace>());
        Assert.Same(connection, bob.Connection);
        Assert.Equal((2, 1), (membership.Count, membership.Attached));
    }

    [Fact]
    public void Moving_to_a_new_connection_unwatches_the_old_one_and_drops_a_waiting_join()
    {
        var membership = Membership();
        var first = new Conn("c1");
        var member = Enter(membership, "s1", "alice", first);
        member.Pending = new PendingEnter(1, new JoinHistory("e", 0, null, new MessageSlice(1, 0, [], null)), new MemberList([], 0), null);

        var moved = membership.Attach(member, new Conn("c2"));

        Assert.Equal(new Effect.Unwatch(first), moved[0]);
        Assert.Null(member.Pending);
        Assert.False(membership.IsConnection(first));
    }

    [Fact]
    public void Renames_and_removals_are_presence_changes_and_a_rename_to_the_same_name_is_nothing()
    {
        var membership = Membership();
        var member = Enter(membership, "s1", "alice", new Conn("c1"));
        membership.FlushPresence(atOnceOnly: false);

        Assert.Empty(membership.Rename(member, "alice"));
        Assert.Equal([new Effect.Renamed("alice", "alicia"), Effect.PresenceChanged.Instance], membership.Rename(member, "alicia"));
        Assert.Equal([new Rename("alice", "alicia")], membership.FlushPresence(atOnceOnly: false).Coalesced!.Renames);

        var removed = membership.Remove(member);
        Assert.Contains(new Effect.Left("alicia"), removed);
        Assert.Contains(Effect.PresenceChanged.Instance, removed);
        Assert.Equal(["alicia"], membership.FlushPresence(atOnceOnly: false).Coalesced!.Leaves);
    }

    [Fact]
    public void An_at_once_flush_keeps_the_coalesced_changes_while_someone_attached_takes_them()
    {
        var membership = Membership();
        var v1 = Enter(membership, "s1", "alice", new Conn("c1"));
        membership.FlushPresence(atOnceOnly: false);
        Enter(membership, "s2", "bob", new Conn("c2"), RoomEventEncoders.Beej);

        var atOnce = membership.FlushPresence(atOnceOnly: true);
        Assert.Null(atOnce.Coalesced);
        Assert.Contains("bob", atOnce.AtOnce!.Joins);
        Assert.False(atOnce.IntervalOver);
        Assert.True(membership.Presence.HasChanges);

        var coalesced = membership.FlushPresence(atOnceOnly: false);
        Assert.Equal(["bob"], coalesced.Coalesced!.Joins);
        Assert.True(coalesced.IntervalOver);
        Assert.NotNull(v1.Connection);
    }

    [Fact]
    public void With_nobody_attached_who_takes_coalesced_diffs_an_at_once_flush_ends_the_interval()
    {
        var membership = Membership();
        var beej = Enter(membership, "s1", "bob", new Conn("c1"), RoomEventEncoders.Beej);

        var flush = membership.FlushPresence(atOnceOnly: true);

        Assert.True(flush.IntervalOver);
        Assert.NotNull(flush.Coalesced);
        Assert.False(beej.JoinUnannounced);
    }

    [Fact]
    public void A_held_join_holds_frames_up_to_its_bound()
    {
        var pending = new PendingEnter(1, new JoinHistory("e", 0, null, new MessageSlice(1, 0, [], null)), new MemberList([], 0), "r");
        ReadOnlyMemory<byte>[] two = [new byte[] { 1 }, new byte[] { 2 }];

        Assert.True(pending.TryHold(two, maxHeld: 3));
        Assert.False(pending.TryHold(two, maxHeld: 3));
        Assert.Equal(2, pending.Held.Count);
    }
}

/// <summary>A stand-in for a member's connection: compared by identity, as actor refs of distinct actors are.</summary>
internal sealed class TestConnection(string name)
{
    public override string ToString() => name;
}
