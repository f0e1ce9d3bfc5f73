using ActorChat.Protocol;
using ActorChat.Protocol.Beej;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>Per-connection limits: packets (dropped with <c>rate-limited</c>, then 1008 for a flooder) and name changes.</summary>
public sealed class RateLimitTests : GatewayTestKit
{
    private static readonly string[] Lobby = [RoomNames.Lobby];

    /// <summary>A beej connection joined as <paramref name="name"/>, its own join and users list read.</summary>
    private Client Joined(string name)
    {
        var client = Connect(Subprotocols.Beej);
        client.Send(Packets.Join(name));
        client.Next(PacketTypes.Join);
        client.Next(PacketTypes.Users);
        return client;
    }

    [Fact]
    public void Rate_limits_packets_and_closes_a_flooder_with_1008()
    {
        ChatLimits = new ChatSettings { PacketsPerSecond = 1, PacketBurst = 3, FloodTolerance = 5 };
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined("alice");
        watcher.Next(PacketTypes.Join);
        for (var i = 0; i < 2; i++)
        {
            alice.Send(Packets.Message("alice", $"m{i}"));
        }

        Assert.Equal(["m0", "m1"], [watcher.Next(PacketTypes.Message).Str("message"), watcher.Next(PacketTypes.Message).Str("message")]);
        alice.Next(PacketTypes.Message);
        alice.Next(PacketTypes.Message);

        alice.Send(Packets.Message("alice", "over"));
        var error = alice.Next(PacketTypes.Error);
        Assert.Equal((ErrorCodes.RateLimited, "alice"), (error.Str("code"), error.Str("username")));
        AssertNothingMore(Lobby, alice, watcher);
        Assert.Equal(2, RoomStatus(RoomNames.Lobby).Position.Offset);

        Clock.Advance(TimeSpan.FromSeconds(1));
        alice.Send(Packets.Message("alice", "allowed again"));
        Assert.Equal("allowed again", watcher.Next(PacketTypes.Message).Str("message"));
        alice.Next(PacketTypes.Message);

        for (var i = 0; i < 10; i++)
        {
            alice.Send(Packets.Message("alice", "flood"));
        }

        Assert.Equal((CloseCodes.PolicyViolation, "rate limit exceeded"), alice.Closed());
        AssertNothingMore(Lobby, watcher);
        Assert.Equal(3, RoomStatus(RoomNames.Lobby).Position.Offset);
    }

    [Fact]
    public void Rate_limits_joins_and_renames()
    {
        ChatLimits = ChatLimits with { NameChangesPerSecond = 1, NameChangeBurst = 2 };
        var watcher = Connect(Subprotocols.Beej);
        var client = Joined("a");
        Assert.Equal("a", watcher.Next(PacketTypes.Join).Str("username"));
        client.Send(Packets.Join("b"));
        Assert.Equal("b", client.Next(PacketTypes.Rename).Str("username"));
        Assert.Equal("b", watcher.Next(PacketTypes.Rename).Str("username"));

        client.Send(Packets.Join("c"));
        var error = client.Next(PacketTypes.Error);
        Assert.Equal((ErrorCodes.RateLimited, "b"), (error.Str("code"), error.Str("username")));
        AssertNothingMore(Lobby, client, watcher);

        Clock.Advance(TimeSpan.FromSeconds(1));
        client.Send(Packets.Join("d"));
        var rename = watcher.Next(PacketTypes.Rename);
        Assert.Equal(("d", "b"), (rename.Str("username"), rename.Str("previous")));
    }

    [Fact]
    public void A_rename_by_message_over_the_limit_is_refused_and_the_message_still_posted_under_the_bound_name()
    {
        ChatLimits = ChatLimits with { NameChangesPerSecond = 0.001, NameChangeBurst = 1 };
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined("alice");
        watcher.Next(PacketTypes.Join);

        alice.Send(Packets.Message("mallory", "hello"));
        var error = alice.Next(PacketTypes.Error);
        Assert.Equal((ErrorCodes.RateLimited, "alice"), (error.Str("code"), error.Str("username")));
        foreach (var client in new[] { alice, watcher })
        {
            var message = client.Next(PacketTypes.Message);
            Assert.Equal(("alice", "hello"), (message.Str("username"), message.Str("message")));
        }

        AssertNothingMore(Lobby, alice, watcher);
    }

    [Fact]
    public void The_bound_name_written_another_way_in_NFC_terms_is_not_a_rename_and_spends_no_name_change()
    {
        // A client that sends its name decomposed (e + U+0301) in every message, as bound in NFC:
        // the same name, so no rename attempt, and no name-change token spent on it.
        ChatLimits = ChatLimits with { NameChangesPerSecond = 0.001, NameChangeBurst = 1 };
        var alice = Connect(Subprotocols.Beej);
        alice.Send(Packets.Join("alice\u0301"));
        Assert.Equal("alic\u00E9", alice.Next(PacketTypes.Join).Str("username"));
        alice.Next(PacketTypes.Users);
        for (var i = 0; i < 3; i++)
        {
            alice.Send(Packets.Message("alice\u0301", $"hello {i}"));
            var message = alice.Next(PacketTypes.Message);
            Assert.Equal(("alic\u00E9", $"hello {i}"), (message.Str("username"), message.Str("message")));
        }

        AssertNothingMore(Lobby, alice);
    }
}
