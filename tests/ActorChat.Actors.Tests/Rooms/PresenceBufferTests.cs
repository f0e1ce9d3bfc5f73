using ActorChat.Actors.Rooms;
using ActorChat.Protocol;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>One coalesced presence diff per interval: the net change by name.</summary>
public sealed class PresenceBufferTests
{
    private readonly PresenceBuffer _buffer = new("room");

    private PresenceDiff Diff() => Assert.IsType<PresenceDiff>(_buffer.Flush());

    private static void AssertDiff(PresenceDiff diff, string[] joins, string[] leaves, params (string From, string To)[] renames)
    {
        Assert.Equal("room", diff.Room);
        Assert.Equal(joins, diff.Joins);
        Assert.Equal(leaves, diff.Leaves);
        Assert.Equal(renames.Select(r => new Rename(r.From, r.To)), diff.Renames);
    }

    [Fact]
    public void Nothing_recorded_flushes_nothing()
    {
        Assert.False(_buffer.HasChanges);
        Assert.Null(_buffer.Flush());
    }

    [Fact]
    public void Joins_leaves_and_renames_of_different_members_are_reported_in_the_order_they_happened()
    {
        _buffer.Joined("carol");
        _buffer.Left("bob");
        _buffer.Joined("alice");
        _buffer.Renamed("dave", "david");
        Assert.True(_buffer.HasChanges);

        AssertDiff(Diff(), ["carol", "alice"], ["bob"], ("dave", "david"));
    }

    [Fact]
    public void A_name_that_left_and_came_back_is_in_neither_list()
    {
        _buffer.Left("alice");
        _buffer.Joined("alice");
        _buffer.Joined("bob");

        AssertDiff(Diff(), ["bob"], []);
    }

    [Fact]
    public void A_join_then_a_leave_is_nothing()
    {
        _buffer.Joined("alice");
        _buffer.Left("alice");

        Assert.True(_buffer.HasChanges);
        Assert.Null(_buffer.Flush());
    }

    [Fact]
    public void Renames_chain_into_one()
    {
        _buffer.Renamed("a", "b");
        _buffer.Renamed("b", "c");

        AssertDiff(Diff(), [], [], ("a", "c"));
    }

    [Fact]
    public void A_rename_and_back_is_nothing()
    {
        _buffer.Renamed("a", "b");
        _buffer.Renamed("b", "a");

        Assert.Null(_buffer.Flush());
    }

    [Fact]
    public void A_member_who_joined_and_was_renamed_in_the_interval_is_a_join_of_the_new_name()
    {
        _buffer.Joined("a");
        _buffer.Renamed("a", "b");

        AssertDiff(Diff(), ["b"], []);
    }

    [Fact]
    public void A_member_renamed_and_gone_in_the_interval_is_a_leave_of_the_old_name()
    {
        _buffer.Renamed("a", "b");
        _buffer.Left("b");

        AssertDiff(Diff(), [], ["a"]);
    }

    [Fact]
    public void A_rename_into_a_name_another_member_vacates_comes_after_that_rename()
    {
        _buffer.Renamed("a", "tmp");
        _buffer.Renamed("x", "y");
        _buffer.Renamed("b", "c");
        _buffer.Renamed("tmp", "b");

        AssertDiff(Diff(), [], [], ("x", "y"), ("b", "c"), ("a", "b"));
    }

    [Fact]
    public void Two_members_swapping_names_change_no_name()
    {
        _buffer.Renamed("a", "tmp");
        _buffer.Renamed("b", "a");
        _buffer.Renamed("tmp", "b");

        Assert.Null(_buffer.Flush());
    }

    [Fact]
    public void A_name_taken_over_by_a_rename_after_its_owner_left_is_a_leave_and_a_rename()
    {
        _buffer.Left("a");
        _buffer.Renamed("b", "a");

        AssertDiff(Diff(), [], ["a"], ("b", "a"));
    }

    [Fact]
    public void A_flush_starts_a_new_interval()
    {
        _buffer.Joined("alice");
        AssertDiff(Diff(), ["alice"], []);
        Assert.False(_buffer.HasChanges);
        Assert.Null(_buffer.Flush());

        _buffer.Left("alice");
        AssertDiff(Diff(), [], ["alice"]);
    }

    [Fact]
    public void A_mass_reconnect_within_one_interval_costs_no_presence_frame()
    {
        for (var i = 0; i < 1000; i++)
        {
            _buffer.Left($"user{i}");
        }

        for (var i = 0; i < 1000; i++)
        {
            _buffer.Joined($"user{i}");
        }

        Assert.Null(_buffer.Flush());
    }

    [Fact]
    public void Input_that_contradicts_itself_is_ignored_rather_than_reported_twice()
    {
        _buffer.Joined("a");
        _buffer.Joined("a");
        _buffer.Left("b");
        _buffer.Left("b");
        _buffer.Renamed("c", "a");

        AssertDiff(Diff(), ["a"], ["b"]);
    }

    /// <summary>
    /// Property-style: random valid membership changes, flushed at random; a client applying each
    /// diff (leaves, then renames in order, then joins, each step checked) always ends with the
    /// room's members, and no name is in two lists of one diff.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void A_client_applying_the_diffs_always_sees_the_rooms_members(int seed)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, 12).Select(i => $"n{i}").ToArray();
        var room = new HashSet<string>(StringComparer.Ordinal);
        var client = new HashSet<string>(StringComparer.Ordinal);
        var diffs = 0;
        for (var step = 0; step < 3000; step++)
        {
            var name = names[random.Next(names.Length)];
            switch (random.Next(4))
            {
                case 0 when room.Add(name):
                    _buffer.Joined(name);
                    break;
                case 1 when room.Remove(name):
                    _buffer.Left(name);
                    break;
                case 2 when room.Contains(name) && names[random.Next(names.Length)] is var to && !room.Contains(to):
                    room.Remove(name);
                    room.Add(to);
                    _buffer.Renamed(name, to);
                    break;
                case 3 when random.Next(4) == 0:
                    if (_buffer.Flush() is { } diff)
                    {
                        diffs++;
                        Apply(client, diff);
                    }

                    Assert.Equal(room.Order(), client.Order());
                    break;
            }
        }

        Assert.True(diffs > 50, $"only {diffs} diffs");
    }

    private static void Apply(HashSet<string> client, PresenceDiff diff)
    {
        Assert.False(diff.IsEmpty);
        Assert.Empty(diff.Joins.Intersect(diff.Leaves));
        foreach (var leave in diff.Leaves)
        {
            Assert.True(client.Remove(leave), $"leave of absent {leave}");
        }

        foreach (var rename in diff.Renames)
        {
            Assert.True(client.Remove(rename.From), $"rename of absent {rename.From}");
            Assert.True(client.Add(rename.To), $"rename into present {rename.To}");
        }

        foreach (var join in diff.Joins)
        {
            Assert.True(client.Add(join), $"join of present {join}");
        }
    }
}
