using ActorChat.Actors;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Akka.TestKit;

namespace ActorChat.Actors.Tests;

public sealed class RoomActorTests : ActorChatTestKit
{
    private readonly ChatMetrics _metrics = new();
    private readonly ListLogger _log = new();
    private readonly IActorRef _room;

    public RoomActorTests()
    {
        _room = Sys.ActorOf(RoomActor.Props("lobby", new ChatSettings(), _metrics, _log));
    }

    protected override void Dispose(bool disposing)
    {
        _metrics.Dispose();
        base.Dispose(disposing);
    }

    private TestProbe Member()
    {
        var probe = CreateTestProbe();
        _room.Tell(new RoomActor.Attach(probe.Ref));
        ExpectMsg<RoomActor.Attached>();
        return probe;
    }

    /// <summary>A new member joined as <paramref name="name"/> (bound trimmed, as typed otherwise); <paramref name="others"/> saw its join.</summary>
    private TestProbe Joined(string name, params TestProbe[] others)
    {
        var bound = name.Trim();
        var probe = Member();
        _room.Tell(new RoomActor.Join(name), probe.Ref);
        Assert.Equal(bound, probe.ExpectMsg<RoomActor.NameAccepted>().Username);
        var join = Packets.Read(probe.ExpectMsg<ConnectionActor.Deliver>());
        Assert.Equal((PacketTypes.Join, bound), (join.Type, join.Payload.Str("username")));
        var users = Packets.Read(probe.ExpectMsg<ConnectionActor.Deliver>());
        Assert.Equal((PacketTypes.Users, bound), (users.Type, users.Payload.Str("username")));
        Assert.Contains(bound, users.Payload.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        foreach (var other in others)
        {
            var seen = Packets.Read(other.ExpectMsg<ConnectionActor.Deliver>());
            Assert.Equal((PacketTypes.Join, bound), (seen.Type, seen.Payload.Str("username")));
        }

        return probe;
    }

    private readonly Dictionary<TestProbe, Queue<ReadOnlyMemory<byte>>> _unread = [];

    /// <summary>The next frame a member was sent, whether it came alone or in a batch.</summary>
    private (string Type, System.Text.Json.JsonElement Payload) Next(TestProbe probe)
    {
        if (!_unread.TryGetValue(probe, out var frames))
        {
            _unread[probe] = frames = new();
        }

        if (frames.Count == 0)
        {
            foreach (var frame in probe.ExpectMsg<ConnectionActor.Deliver>().Frames)
            {
                frames.Enqueue(frame);
            }
        }

        return Packets.Read(System.Text.Encoding.UTF8.GetString(frames.Dequeue().Span));
    }

    [Fact]
    public void A_join_is_broadcast_to_everyone_including_the_joiner_and_unjoined_members()
    {
        var watcher = Member();
        var alice = Member();
        _room.Tell(new RoomActor.Join("  alice  "), alice.Ref);

        Assert.Equal("alice", alice.ExpectMsg<RoomActor.NameAccepted>().Username);
        var (type, payload) = Next(alice);
        Assert.Equal((PacketTypes.Join, "alice"), (type, payload.Str("username")));
        var users = Next(alice);
        Assert.Equal(PacketTypes.Users, users.Type);
        Assert.Equal(["alice"], users.Payload.GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        var seen = Next(watcher);
        Assert.Equal((PacketTypes.Join, "alice"), (seen.Type, seen.Payload.Str("username")));
        AssertNothingMoreFor(_room, watcher, alice);
    }

    [Fact]
    public void A_broadcast_is_serialized_once_and_the_same_frame_goes_to_every_member()
    {
        var members = Enumerable.Range(0, 5).Select(_ => Member()).ToArray();
        var alice = Joined("alice", members);
        _room.Tell(new RoomActor.Say("alice", "hello"), alice.Ref);

        var delivers = members.Append(alice).Select(m => m.ExpectMsg<ConnectionActor.Deliver>()).ToArray();
        Assert.All(delivers, d => Assert.Same(delivers[0], d));
        Assert.Equal("hello", Packets.Read(delivers[0]).Payload.Str("message"));

        // The shared frame is a whole array of its own, not a slice of a buffer that could be
        // reused while members are still writing it.
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Assert.Single(delivers[0].Frames), out var segment));
        Assert.Equal((0, segment.Array!.Length), (segment.Offset, segment.Count));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData(" Alice ")]
    public void A_taken_name_is_refused_case_insensitively_and_nothing_is_broadcast(string name)
    {
        var alice = Joined("alice");
        var bob = Member();
        AssertNothingMoreFor(_room, alice, bob);
        _room.Tell(new RoomActor.Join(name), bob.Ref);
        Assert.Equal(ErrorCodes.NameTaken, bob.ExpectMsg<RoomActor.Refused>().Code);
        AssertNothingMoreFor(_room, alice, bob);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\u0000b")]
    [InlineData("tab\tname")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("right\u202Eleft")]
    [InlineData("123456789012345678901234567890123")]
    public void An_invalid_name_is_refused(string name)
    {
        var watcher = Member();
        var bob = Member();
        _room.Tell(new RoomActor.Join(name), bob.Ref);
        Assert.Equal(ErrorCodes.InvalidName, bob.ExpectMsg<RoomActor.Refused>().Code);
        AssertNothingMoreFor(_room, watcher, bob);
    }

    [Fact]
    public void Names_of_32_characters_and_non_latin_names_are_accepted()
    {
        Joined(new string('n', 32));
        Joined("Zoë 🦊 名前");
    }

    [Fact]
    public void A_message_under_another_name_renames_first()
    {
        var watcher = Member();
        var alice = Joined("alice", watcher);
        _room.Tell(new RoomActor.Say("alicia", "hi"), alice.Ref);

        Assert.Equal("alicia", alice.ExpectMsg<RoomActor.NameAccepted>().Username);
        foreach (var probe in new[] { alice, watcher })
        {
            var rename = Next(probe);
            Assert.Equal((PacketTypes.Rename, "alicia", "alice"), (rename.Type, rename.Payload.Str("username"), rename.Payload.Str("previous")));
            var message = Next(probe);
            Assert.Equal((PacketTypes.Message, "alicia", "hi"), (message.Type, message.Payload.Str("username"), message.Payload.Str("message")));
        }

        // The old name is free again.
        Joined("alice", alice, watcher);
    }

    [Fact]
    public void A_refused_rename_still_posts_the_message_under_the_bound_name()
    {
        var alice = Joined("alice");
        var bob = Joined("bob", alice);
        _room.Tell(new RoomActor.Say("alice", "it's me"), bob.Ref);

        Assert.Equal(ErrorCodes.NameTaken, bob.ExpectMsg<RoomActor.Refused>().Code);
        var message = Next(bob);
        Assert.Equal(("bob", "it's me"), (message.Payload.Str("username"), message.Payload.Str("message")));
        Assert.Equal("bob", Next(alice).Payload.Str("username"));
    }

    [Fact]
    public void Changing_only_the_case_of_ones_own_name_is_a_rename()
    {
        var alice = Joined("alice");
        _room.Tell(new RoomActor.Join("Alice"), alice.Ref);
        Assert.Equal("Alice", alice.ExpectMsg<RoomActor.NameAccepted>().Username);
        Assert.Equal(PacketTypes.Rename, Next(alice).Type);
    }

    [Fact]
    public void Joining_again_under_the_same_name_changes_nothing()
    {
        var alice = Joined("alice");
        _room.Tell(new RoomActor.Join(" alice"), alice.Ref);
        AssertNothingMoreFor(_room, alice);
    }

    [Fact]
    public void A_message_without_a_name_posts_under_the_bound_name()
    {
        var alice = Joined("alice");
        _room.Tell(new RoomActor.Say(null, "as myself"), alice.Ref);
        var message = Next(alice);
        Assert.Equal(("alice", "as myself"), (message.Payload.Str("username"), message.Payload.Str("message")));
        AssertNothingMoreFor(_room, alice);
    }

    [Fact]
    public void A_message_before_joining_is_refused()
    {
        var watcher = Member();
        var bob = Member();
        _room.Tell(new RoomActor.Say("bob", "hi"), bob.Ref);
        Assert.Equal(ErrorCodes.NotJoined, bob.ExpectMsg<RoomActor.Refused>().Code);
        AssertNothingMoreFor(_room, watcher, bob);
    }

    [Fact]
    public void Messages_fan_out_to_every_member_in_order()
    {
        var members = Enumerable.Range(0, 3).Select(_ => Member()).ToArray();
        var alice = Joined("alice", members);
        for (var i = 0; i < 200; i++)
        {
            _room.Tell(new RoomActor.Say("alice", $"m{i}"), alice.Ref);
        }

        foreach (var probe in members.Append(alice))
        {
            for (var i = 0; i < 200; i++)
            {
                Assert.Equal($"m{i}", Next(probe).Payload.Str("message"));
            }
        }
    }

    [Fact]
    public void A_member_that_dies_is_announced_once_to_the_rest()
    {
        var watcher = Member();
        var alice = Joined("alice", watcher);
        Sys.Stop(alice.Ref);

        var leave = Next(watcher);
        Assert.Equal((PacketTypes.Leave, "alice"), (leave.Type, leave.Payload.Str("username")));
        AssertNothingMoreFor(_room, watcher);

        // The name is free again.
        Joined("alice", watcher);
    }

    [Fact]
    public void A_member_that_never_joined_leaves_silently()
    {
        var watcher = Member();
        var lurker = Member();
        Sys.Stop(lurker.Ref);
        AwaitAssert(() =>
        {
            _room.Tell(RoomActor.GetMembers.Instance);
            Assert.Equal(1, ExpectMsg<RoomActor.Members>().Connections);
        }, null, PollInterval);
        AssertNothingMoreFor(_room, watcher);
    }

    [Fact]
    public void A_message_that_throws_keeps_the_membership()
    {
        var watcher = Member();
        var alice = Joined("alice", watcher);

        // An Attach of no connection: adding a null key throws inside the room.
        _room.Tell(new RoomActor.Attach(null!), watcher.Ref);
        AssertNothingMoreFor(_room, watcher, alice);
        var failure = Assert.Single(_log.Entries, e => e.EventId == 2104);
        Assert.IsType<ArgumentNullException>(failure.Exception);

        _room.Tell(new RoomActor.Say("alice", "still here"), alice.Ref);
        Assert.Equal("still here", Next(watcher).Payload.Str("message"));
        _room.Tell(RoomActor.GetMembers.Instance);
        var members = ExpectMsg<RoomActor.Members>();
        Assert.Equal((2, "alice"), (members.Connections, members.Names.Single()));
    }

    [Fact]
    public void Draining_closes_every_member_with_1001_and_refuses_new_ones()
    {
        var members = Enumerable.Range(0, 4).Select(_ => Member()).ToArray();
        _room.Tell(new RoomActor.Drain(TimeSpan.FromMilliseconds(200)));
        foreach (var probe in members)
        {
            var close = probe.ExpectMsg<ConnectionActor.Close>();
            Assert.Equal((CloseCodes.GoingAway, "server shutting down"), (close.Code, close.Reason));
        }

        var late = CreateTestProbe();
        _room.Tell(new RoomActor.Attach(late.Ref));
        Assert.Equal(CloseCodes.GoingAway, late.ExpectMsg<ConnectionActor.Close>().Code);
        ExpectMsg<RoomActor.Attached>();
    }
}
