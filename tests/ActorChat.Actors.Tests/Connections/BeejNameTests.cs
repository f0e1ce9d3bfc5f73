using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// Names of <c>beej-chat-protocol</c> connections, judged by the session registry: unique by
/// their <c>NameKey</c>, shown as typed (NFC); a refusal shows nothing to anyone.
/// </summary>
public sealed class BeejNameTests : GatewayTestKit
{
    private static readonly string[] Lobby = [RoomNames.Lobby];

    /// <summary>A new connection joined as <paramref name="name"/>, shown as <paramref name="shown"/>; returns it and the users list it was sent.</summary>
    private (Client Client, IReadOnlyList<string> Users) Joined(string name, string shown, params Client[] others)
    {
        var client = Connect(Subprotocols.Beej);
        client.Send(Packets.Join(name));
        Assert.Equal(shown, client.Next(PacketTypes.Join).Str("username"));
        var users = client.Next(PacketTypes.Users);
        foreach (var other in others)
        {
            Assert.Equal(shown, other.Next(PacketTypes.Join).Str("username"));
        }

        return (client, users.Strings("users"));
    }

    /// <summary>The names the lobby shows.</summary>
    private IReadOnlyList<string> Names() => RoomStatus(RoomNames.Lobby).Names;

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
        { "case", "ALICE", ErrorCodes.NameTaken },
        { "spaces around", " Alice ", ErrorCodes.NameTaken },
    };

    [Theory]
    [MemberData(nameof(Impersonations))]
    public void A_name_that_looks_like_a_joined_one_is_refused_and_nothing_is_broadcast(string why, string name, string code)
    {
        var watcher = Connect(Subprotocols.Beej);
        var (alice, _) = Joined("alice", "alice", watcher);
        var mallory = Connect(Subprotocols.Beej);

        mallory.Send(Packets.Join(name));

        var refused = mallory.Next(PacketTypes.Error);
        Assert.True(refused.Str("code") == code, $"{why} ({name}): expected {code}, got {refused.Json}");
        Assert.Equal("", refused.Str("username"));
        AssertNothingMore(Lobby, watcher, alice, mallory);
        Assert.Equal(["alice"], Names());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\u0000b")]
    [InlineData("tab\tname")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("right\u202Eleft")]
    [InlineData("123456789012345678901234567890123")]
    public void An_invalid_name_is_refused_and_nothing_is_broadcast(string name)
    {
        var watcher = Connect(Subprotocols.Beej);
        var bob = Connect(Subprotocols.Beej);
        bob.Send(Packets.Join(name));
        Assert.Equal(ErrorCodes.InvalidName, bob.Next(PacketTypes.Error).Str("code"));
        AssertNothingMore(Lobby, watcher, bob);
        Assert.Empty(Names());
    }

    [Fact]
    public void Names_of_32_characters_and_non_latin_names_are_accepted()
    {
        Joined(new string('n', 32), new string('n', 32));
        Joined("Zo\u00EB \U0001F98A \u540D\u524D", "Zo\u00EB \U0001F98A \u540D\u524D");
    }

    [Fact]
    public void A_lookalike_refusal_names_the_name_it_is_too_close_to()
    {
        Joined("alice", "alice");
        var mallory = Connect(Subprotocols.Beej);
        mallory.Send(Packets.Join("\uFF41\uFF4C\uFF49\uFF43\uFF45"));
        Assert.Equal(
            "The name \"\uFF41\uFF4C\uFF49\uFF43\uFF45\" is too close to \"alice\", which is taken.",
            mallory.Next(PacketTypes.Error).Str("message"));

        mallory.Send(Packets.Join("alice"));
        Assert.Equal("The name \"alice\" is taken.", mallory.Next(PacketTypes.Error).Str("message"));
    }

    [Fact]
    public void A_mixed_script_refusal_says_which_scripts()
    {
        var mallory = Connect(Subprotocols.Beej);
        mallory.Send(Packets.Join("\u0430lice"));
        Assert.Equal(
            "A name cannot mix Cyrillic and Latin letters: names that mix scripts can imitate other names.",
            mallory.Next(PacketTypes.Error).Str("message"));
    }

    [Fact]
    public void A_lookalike_of_a_name_the_connection_renamed_away_from_or_left_with_is_free_again()
    {
        var watcher = Connect(Subprotocols.Beej);
        var (alice, _) = Joined("alice", "alice", watcher);

        alice.Send(Packets.Join("bob"));
        Assert.Equal("bob", alice.Next(PacketTypes.Rename).Str("username"));
        Assert.Equal("bob", watcher.Next(PacketTypes.Rename).Str("username"));

        // Both keys of "alice" were released by the rename …
        var (capitalI, _) = Joined("aIice", "aIice", watcher, alice);
        var (fullwidth, _) = Joined("\uFF21\uFF2C\uFF29\uFF23\uFF25", "\uFF21\uFF2C\uFF29\uFF23\uFF25", watcher, alice, capitalI);

        // … and "bob"'s by the leave.
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        foreach (var client in new[] { watcher, capitalI, fullwidth })
        {
            Assert.Equal("bob", client.Next(PacketTypes.Leave).Str("username"));
        }

        // The registry sees the connection end on its own (it watches it too), maybe a moment later.
        AwaitAssert(() => Assert.Equal(2, SessionCount().Count), null, PollInterval);
        Joined("BOB", "BOB", watcher, capitalI, fullwidth);
    }

    [Fact]
    public void A_connection_may_switch_between_spellings_of_its_own_name_and_still_keeps_others_out()
    {
        var watcher = Connect(Subprotocols.Beej);
        var (alice, _) = Joined("alice", "alice", watcher);

        foreach (var spelling in new[] { "\uFF41\uFF4C\uFF49\uFF43\uFF45", "AL\u0130CE", "alic\u00E9" })
        {
            alice.Send(Packets.Join(spelling));
            Assert.Equal(spelling, alice.Next(PacketTypes.Rename).Str("username"));
            Assert.Equal(spelling, watcher.Next(PacketTypes.Rename).Str("username"));
        }

        var mallory = Connect(Subprotocols.Beej);
        mallory.Send(Packets.Join("alice"));
        Assert.Equal(ErrorCodes.NameTaken, mallory.Next(PacketTypes.Error).Str("code"));
    }

    [Fact]
    public void Names_that_look_different_join_side_by_side_and_are_listed_as_typed()
    {
        var (alice, _) = Joined("alice", "alice");
        var (alicia, _) = Joined("alicia", "alicia", alice);
        var (ian, _) = Joined("Ian", "Ian", alice, alicia);
        var (lan, _) = Joined("Lan", "Lan", alice, alicia, ian);
        var (dmitry, _) = Joined("\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439", alice, alicia, ian, lan);
        var (zoe, users) = Joined(" Zoe\u0308 ", "Zo\u00EB", alice, alicia, ian, lan, dmitry);
        Joined("\u674E\u5C0F\u9F8D", "\u674E\u5C0F\u9F8D", alice, alicia, ian, lan, dmitry, zoe);

        Assert.Equal(["alice", "alicia", "Ian", "Lan", "Zo\u00EB", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439"], users);
        Assert.Equal(
            ["alice", "alicia", "Ian", "Lan", "Zo\u00EB", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u674E\u5C0F\u9F8D"],
            Names().Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_name_shaped_like_a_joined_one_through_capital_I_is_refused()
    {
        Joined("Ian", "Ian");
        var other = Connect(Subprotocols.Beej);
        other.Send(Packets.Join("lan"));
        Assert.Equal(ErrorCodes.NameTaken, other.Next(PacketTypes.Error).Str("code"));
    }
}
