using ActorChat.Actors;
using ActorChat.Actors.Protocol;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests;

/// <summary>The room keeps names unique by <see cref="NameKey"/>, shows them as typed (NFC).</summary>
public sealed class RoomNameTests : ActorChatTestKit
{
    private readonly ChatMetrics _metrics = new();
    private readonly IActorRef _room;

    public RoomNameTests()
    {
        _room = Sys.ActorOf(RoomActor.Props("lobby", new ChatSettings(), _metrics, NullLogger.Instance));
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

    /// <summary>Joins a new member; returns it and the users list it was sent.</summary>
    private (TestProbe Probe, string[] Users) Joined(string name, string shown, params TestProbe[] others)
    {
        var probe = Member();
        _room.Tell(new RoomActor.Join(name), probe.Ref);
        Assert.Equal(shown, probe.ExpectMsg<RoomActor.NameAccepted>().Username);
        var join = Packets.Read(probe.ExpectMsg<ConnectionActor.Deliver>());
        Assert.Equal((PacketTypes.Join, shown), (join.Type, join.Payload.Str("username")));
        var users = Packets.Read(probe.ExpectMsg<ConnectionActor.Deliver>());
        Assert.Equal(PacketTypes.Users, users.Type);
        foreach (var other in others)
        {
            Assert.Equal(shown, Packets.Read(other.ExpectMsg<ConnectionActor.Deliver>()).Payload.Str("username"));
        }

        return (probe, [.. users.Payload.GetProperty("users").EnumerateArray().Select(u => u.GetString()!)]);
    }

    private IReadOnlyList<string> Names()
    {
        _room.Tell(RoomActor.GetMembers.Instance);
        return ExpectMsg<RoomActor.Members>().Names;
    }

    public static TheoryData<string, string, string> Impersonations => new()
    {
        { "Cyrillic a", "\u0430lice", ErrorCodes.InvalidName },
        { "fullwidth", "\uFF41\uFF4C\uFF49\uFF43\uFF45", ErrorCodes.NameTaken },
        { "e + combining acute", "alice\u0301", ErrorCodes.NameTaken },
        { "precomposed e acute", "alic\u00E9", ErrorCodes.NameTaken },
        { "capital I with dot above", "AL\u0130CE", ErrorCodes.NameTaken },
        { "tag character U+E0001", "alice\U000E0001", ErrorCodes.InvalidName },
        { "combining grapheme joiner", "ali\u034Fce", ErrorCodes.InvalidName },
        { "capital I for small l", "aIice", ErrorCodes.NameTaken },
        { "mathematical bold", "\U0001D41A\U0001D425\U0001D422\U0001D41C\U0001D41E", ErrorCodes.NameTaken },
    };

    [Theory]
    [MemberData(nameof(Impersonations))]
    public void A_name_that_looks_like_a_joined_one_is_refused_and_nothing_is_broadcast(string why, string name, string code)
    {
        var (alice, _) = Joined("alice", "alice");
        var mallory = Member();

        _room.Tell(new RoomActor.Join(name), mallory.Ref);

        var refused = mallory.ExpectMsg<RoomActor.Refused>();
        Assert.True(refused.Code == code, $"{why} ({name}): expected {code}, got {refused.Code}: {refused.Message}");
        AssertNothingMoreFor(_room, alice, mallory);
        Assert.Equal(["alice"], Names());
    }

    [Fact]
    public void A_lookalike_refusal_names_the_name_it_is_too_close_to()
    {
        Joined("alice", "alice");
        var mallory = Member();
        _room.Tell(new RoomActor.Join("\uFF41\uFF4C\uFF49\uFF43\uFF45"), mallory.Ref);
        Assert.Equal(
            "The name \"\uFF41\uFF4C\uFF49\uFF43\uFF45\" is too close to \"alice\", which is taken.",
            mallory.ExpectMsg<RoomActor.Refused>().Message);

        _room.Tell(new RoomActor.Join("alice"), mallory.Ref);
        Assert.Equal("The name \"alice\" is taken.", mallory.ExpectMsg<RoomActor.Refused>().Message);
    }

    [Fact]
    public void A_mixed_script_refusal_says_which_scripts()
    {
        var mallory = Member();
        _room.Tell(new RoomActor.Join("\u0430lice"), mallory.Ref);
        Assert.Equal(
            "A name cannot mix Cyrillic and Latin letters: names that mix scripts can imitate other names.",
            mallory.ExpectMsg<RoomActor.Refused>().Message);
    }

    [Fact]
    public void A_lookalike_of_a_name_the_member_renamed_away_from_or_left_with_is_free_again()
    {
        var watcher = Member();
        var (alice, _) = Joined("alice", "alice", watcher);

        _room.Tell(new RoomActor.Join("bob"), alice.Ref);
        Assert.Equal("bob", alice.ExpectMsg<RoomActor.NameAccepted>().Username);
        Assert.Equal(PacketTypes.Rename, Packets.Read(alice.ExpectMsg<ConnectionActor.Deliver>()).Type);
        Assert.Equal(PacketTypes.Rename, Packets.Read(watcher.ExpectMsg<ConnectionActor.Deliver>()).Type);

        // Both keys of "alice" were released by the rename …
        var (capitalI, _) = Joined("aIice", "aIice", watcher, alice);
        var (fullwidth, _) = Joined("\uFF21\uFF2C\uFF29\uFF23\uFF25", "\uFF21\uFF2C\uFF29\uFF23\uFF25", watcher, alice, capitalI);

        // … and "bob"'s by the leave.
        Sys.Stop(alice.Ref);
        foreach (var probe in new[] { watcher, capitalI, fullwidth })
        {
            Assert.Equal(PacketTypes.Leave, Packets.Read(probe.ExpectMsg<ConnectionActor.Deliver>()).Type);
        }

        Joined("BOB", "BOB", watcher, capitalI, fullwidth);
    }

    [Fact]
    public void A_member_may_switch_between_spellings_of_its_own_name()
    {
        var watcher = Member();
        var (alice, _) = Joined("alice", "alice", watcher);

        foreach (var spelling in new[] { "\uFF41\uFF4C\uFF49\uFF43\uFF45", "AL\u0130CE", "alic\u00E9" })
        {
            _room.Tell(new RoomActor.Join(spelling), alice.Ref);
            Assert.Equal(spelling, alice.ExpectMsg<RoomActor.NameAccepted>().Username);
            Assert.Equal(PacketTypes.Rename, Packets.Read(alice.ExpectMsg<ConnectionActor.Deliver>()).Type);
            var rename = Packets.Read(watcher.ExpectMsg<ConnectionActor.Deliver>());
            Assert.Equal((PacketTypes.Rename, spelling), (rename.Type, rename.Payload.Str("username")));
        }

        // The key it holds still keeps others out.
        var mallory = Member();
        _room.Tell(new RoomActor.Join("alice"), mallory.Ref);
        Assert.Equal(ErrorCodes.NameTaken, mallory.ExpectMsg<RoomActor.Refused>().Code);
    }

    [Fact]
    public void Names_that_look_different_join_side_by_side_and_are_listed_as_typed()
    {
        var (alice, _) = Joined("alice", "alice");
        var (alicia, _) = Joined("alicia", "alicia", alice);
        var (ian, _) = Joined("Ian", "Ian", alice, alicia);
        var (lan, _) = Joined("Lan", "Lan", alice, alicia, ian);
        var (dmitry, _) = Joined("\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439", alice, alicia, ian, lan);
        var (_, users) = Joined(" Zoe\u0308 ", "Zo\u00EB", alice, alicia, ian, lan, dmitry);
        Joined("\u674E\u5C0F\u9F8D", "\u674E\u5C0F\u9F8D");

        Assert.Equal(["alice", "alicia", "Ian", "Lan", "Zo\u00EB", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439"], users);
        Assert.Equal(
            ["alice", "alicia", "Ian", "Lan", "Zo\u00EB", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u674E\u5C0F\u9F8D"],
            Names().Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_name_shaped_like_a_joined_one_through_capital_I_is_refused_both_ways()
    {
        Joined("Ian", "Ian");
        var other = Member();
        _room.Tell(new RoomActor.Join("lan"), other.Ref);
        Assert.Equal(ErrorCodes.NameTaken, other.ExpectMsg<RoomActor.Refused>().Code);
    }
}
