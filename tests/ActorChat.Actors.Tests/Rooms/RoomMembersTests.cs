using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>The member list of <c>joined</c>: sorted the same everywhere, capped, counted exactly.</summary>
public sealed class RoomMembersTests
{
    [Fact]
    public void Names_are_listed_case_insensitively_then_ordinally_whatever_the_order_they_came_in()
    {
        var members = new RoomMembers(100);
        foreach (var name in new[] { "bob", "Émile", "alice", "Zoe", "Bob", "Ärger", "10x", "_x", "Alice" })
        {
            Assert.True(members.Add(name));
        }

        Assert.Equal(["10x", "Alice", "alice", "Bob", "bob", "Zoe", "_x", "Ärger", "Émile"], members.List().Names);
    }

    [Fact]
    public void The_list_is_capped_and_the_count_stays_exact()
    {
        var members = new RoomMembers(3);
        for (var i = 9; i >= 0; i--)
        {
            members.Add($"user{i}");
        }

        var list = members.List();

        Assert.Equal(["user0", "user1", "user2"], list.Names);
        Assert.Equal(10, list.Count);
        Assert.True(list.Truncated);
        Assert.False(new RoomMembers(10).List().Truncated);
    }

    [Fact]
    public void Adding_removing_and_renaming_change_the_list()
    {
        var members = new RoomMembers(10);
        members.Add("bob");
        members.Add("carol");
        var before = members.List();

        Assert.False(members.Add("bob"));
        Assert.True(members.Rename("bob", "alice"));
        Assert.False(members.Rename("nobody", "x"));
        Assert.False(members.Rename("alice", "carol"));
        Assert.True(members.Remove("carol"));
        Assert.False(members.Remove("carol"));

        Assert.Equal(["bob", "carol"], before.Names);
        Assert.Equal(["alice"], members.List().Names);
        Assert.Equal(1, members.Count);
        Assert.True(members.Contains("alice"));
        Assert.False(members.Contains("bob"));
    }

    [Fact]
    public void An_unchanged_membership_gives_the_same_list_instance()
    {
        var members = new RoomMembers(10);
        members.Add("alice");

        Assert.Same(members.List(), members.List());
        Assert.False(members.Add("alice"));
        Assert.Same(members.List(), members.List());
    }
}
