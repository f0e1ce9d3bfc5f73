using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Rooms;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;
using Akka.Configuration;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// <c>beej-chat-protocol</c> connections in the lobby, end to end through the registry and the
/// lobby room: what they send, what every connection then receives.
/// </summary>
public class BeejConnectionTests : GatewayTestKit
{
    public BeejConnectionTests()
    {
    }

    /// <summary>With <paramref name="extra"/> settings: the same tests under another configuration (<see cref="Serialization.SerializedMessages"/>).</summary>
    protected BeejConnectionTests(Config extra)
        : base(extra)
    {
    }

    private static readonly string[] Lobby = [RoomNames.Lobby];

    /// <summary>A new connection joined as <paramref name="name"/> (bound trimmed); <paramref name="others"/> saw its join.</summary>
    private Client Joined(string name, params Client[] others) => JoinedAs(name, name.Trim(), others);

    private Client JoinedAs(string name, string shown, params Client[] others)
    {
        var client = Connect(Subprotocols.Beej);
        client.Send(Packets.Join(name));
        var join = client.Next(PacketTypes.Join);
        Assert.Equal(shown, join.Str("username"));
        var users = client.Next(PacketTypes.Users);
        Assert.Equal(shown, users.Str("username"));
        Assert.Contains(shown, users.Strings("users"));
        foreach (var other in others)
        {
            Assert.Equal(shown, other.Next(PacketTypes.Join).Str("username"));
        }

        return client;
    }

    private static void AssertError(Frame error, string code, string username)
    {
        Assert.Equal(PacketTypes.Error, error.Type);
        Assert.Equal((code, username), (error.Str("code"), error.Str("username")));
        Assert.False(string.IsNullOrWhiteSpace(error.Str("message")));
    }

    [Fact]
    public void A_join_goes_to_the_registry_untrimmed_and_is_bound_as_it_judges_and_everyone_connected_sees_it()
    {
        var watcher = Connect(Subprotocols.Beej);
        var alice = Connect(Subprotocols.Beej);
        alice.Send(Packets.Join("  alice  "));

        var join = alice.Next(PacketTypes.Join);
        Assert.Equal("""{"type":"chat-join","payload":{"username":"alice"}}""", join.Json);
        var users = alice.Next(PacketTypes.Users);
        Assert.Equal("alice", users.Str("username"));
        Assert.Equal(["alice"], users.Strings("users"));
        Assert.Equal("alice", watcher.Next(PacketTypes.Join).Str("username"));
        AssertNothingMore(Lobby, watcher, alice);

        // What is left after trimming is the registry's to judge.
        var blank = Connect(Subprotocols.Beej);
        blank.Send(Packets.Join("   "));
        AssertError(blank.Next(), ErrorCodes.InvalidName, "");
        AssertNothingMore(Lobby, watcher, alice, blank);
        Assert.Equal(["alice"], RoomStatus(RoomNames.Lobby).Names);
    }

    [Fact]
    public void A_message_is_posted_trimmed_and_a_blank_one_is_dropped()
    {
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined(" alice ", watcher);
        alice.Send(Packets.Message(" alice ", "   "));
        alice.Send(Packets.Message(" alice ", "  hi there \n"));
        foreach (var client in new[] { alice, watcher })
        {
            var message = client.Next(PacketTypes.Message);
            Assert.Equal(("alice", "hi there"), (message.Str("username"), message.Str("message")));
        }

        AssertNothingMore(Lobby, alice, watcher);
        Assert.Equal(1, RoomStatus(RoomNames.Lobby).Position.Offset);
    }

    [Theory]
    [InlineData("not json", ErrorCodes.InvalidJson)]
    [InlineData("{\"type\":\"chat-join\",", ErrorCodes.InvalidJson)]
    [InlineData("", ErrorCodes.InvalidJson)]
    [InlineData("null", ErrorCodes.InvalidPacket)]
    [InlineData("[]", ErrorCodes.InvalidPacket)]
    [InlineData("\"chat-join\"", ErrorCodes.InvalidPacket)]
    [InlineData("{}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\"}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":\"bob\"}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{\"username\":5}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"payload\":{\"username\":null}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-message\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-message\",\"payload\":{\"username\":\"a\",\"message\":[]}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":7,\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"chat-join\",\"type\":\"chat-message\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.InvalidPacket)]
    [InlineData("{\"type\":\"__proto__\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.UnknownType)]
    [InlineData("{\"type\":\"chat-leave\",\"payload\":{\"username\":\"a\"}}", ErrorCodes.UnknownType)]
    public void Malformed_input_is_answered_with_chat_error_and_nothing_is_sent_on(string frame, string code)
    {
        var watcher = Connect(Subprotocols.Beej);
        var client = Connect(Subprotocols.Beej);
        client.Send(frame);
        AssertError(client.Next(), code, "");
        AssertNothingMore(Lobby, client, watcher);
        Assert.Equal((0, 0), SessionCount());
        var lobby = RoomStatus(RoomNames.Lobby);
        Assert.Equal((0, 0L), (lobby.Members, lobby.Position.Offset));
    }

    [Fact]
    public void Deeply_nested_json_is_an_error_not_a_crash()
    {
        var client = Connect(Subprotocols.Beej);
        client.Send(new string('[', 10_000) + new string(']', 10_000));
        client.Next(PacketTypes.Error);
        client.Send(Packets.Join("alice"));
        Assert.Equal("alice", client.Next(PacketTypes.Join).Str("username"));
    }

    [Fact]
    public void Errors_carry_the_bound_name()
    {
        var alice = Joined("alice");
        alice.Send("{}");
        AssertError(alice.Next(), ErrorCodes.InvalidPacket, "alice");
        alice.Send(Packets.Join("bob"));
        alice.Next(PacketTypes.Rename);
        alice.Send("{}");
        AssertError(alice.Next(), ErrorCodes.InvalidPacket, "bob");
    }

    [Fact]
    public void A_message_over_the_length_limit_is_refused()
    {
        ChatLimits = ChatLimits with { MaxMessageLength = 10 };
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined("alice", watcher);
        alice.Send(Packets.Message("alice", new string('x', 11)));
        AssertError(alice.Next(), ErrorCodes.MessageTooLong, "alice");
        AssertNothingMore(Lobby, alice, watcher);

        alice.Send(Packets.Message("alice", new string('x', 10)));
        Assert.Equal(new string('x', 10), watcher.Next(PacketTypes.Message).Str("message"));
    }

    [Fact]
    public void A_message_before_joining_is_refused_not_joined()
    {
        var watcher = Joined("watcher");
        var bob = Connect(Subprotocols.Beej);
        bob.Send(Packets.Message("bob", "hi"));
        AssertError(bob.Next(), ErrorCodes.NotJoined, "");
        AssertNothingMore(Lobby, watcher, bob);
        Assert.Equal(0, RoomStatus(RoomNames.Lobby).Position.Offset);
    }

    [Fact]
    public void A_message_under_another_name_renames_first_and_the_old_name_is_free_again()
    {
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined("alice", watcher);
        alice.Send(Packets.Message("alicia", "hi"));
        foreach (var client in new[] { alice, watcher })
        {
            var rename = client.Next(PacketTypes.Rename);
            Assert.Equal(("alicia", "alice"), (rename.Str("username"), rename.Str("previous")));
            var message = client.Next(PacketTypes.Message);
            Assert.Equal(("alicia", "hi"), (message.Str("username"), message.Str("message")));
        }

        Joined("alice", alice, watcher);
    }

    [Fact]
    public void A_refused_rename_still_posts_the_message_under_the_bound_name()
    {
        var alice = Joined("alice");
        var bob = Joined("bob", alice);
        bob.Send(Packets.Message("alice", "it's me"));

        AssertError(bob.Next(), ErrorCodes.NameTaken, "bob");
        foreach (var client in new[] { alice, bob })
        {
            var message = client.Next(PacketTypes.Message);
            Assert.Equal(("bob", "it's me"), (message.Str("username"), message.Str("message")));
        }

        AssertNothingMore(Lobby, alice, bob);
    }

    [Fact]
    public void Changing_only_the_case_of_ones_own_name_is_a_rename_and_the_same_name_again_is_nothing()
    {
        var alice = Joined("alice");
        alice.Send(Packets.Join(" alice"));
        AssertNothingMore(Lobby, alice);

        alice.Send(Packets.Join("Alice"));
        var rename = alice.Next(PacketTypes.Rename);
        Assert.Equal(("Alice", "alice"), (rename.Str("username"), rename.Str("previous")));
    }

    [Fact]
    public void Messages_reach_every_connection_in_order_joined_or_not()
    {
        var watchers = Enumerable.Range(0, 3).Select(_ => Connect(Subprotocols.Beej)).ToArray();
        var members = new[] { Joined("bob", watchers) };
        var alice = Joined("alice", [.. watchers, .. members]);
        for (var i = 0; i < 200; i++)
        {
            alice.Send(Packets.Message("alice", $"m{i}"));
        }

        foreach (var client in watchers.Concat(members).Append(alice))
        {
            for (var i = 0; i < 200; i++)
            {
                Assert.Equal($"m{i}", client.Next(PacketTypes.Message).Str("message"));
            }
        }

        Assert.Equal(200, RoomStatus(RoomNames.Lobby).Position.Offset);
    }

    [Fact]
    public void A_connection_that_ends_is_announced_once_and_its_name_is_free_again()
    {
        var watcher = Connect(Subprotocols.Beej);
        var alice = Joined("alice", watcher);
        alice.Actor.Tell(ConnectionActor.SocketClosed.Instance);

        Assert.Equal("alice", watcher.Next(PacketTypes.Leave).Str("username"));
        AssertNothingMore(Lobby, watcher);

        // The registry sees the connection end on its own (it watches it too), maybe a moment later.
        AwaitAssert(() => Assert.Equal(0, SessionCount().Count), null, PollInterval);
        Joined("alice", watcher);
    }

    [Fact]
    public void A_message_sent_right_before_the_socket_ends_is_delivered_before_the_leave()
    {
        // The message goes to the lobby through the region; the lobby sees the connection die
        // directly, usually first. Several connections, so a lucky ordering cannot hide a loss.
        var watcher = Joined("watcher");
        for (var i = 0; i < 5; i++)
        {
            var bob = Joined($"bob{i}", watcher);
            bob.Send(Packets.Message($"bob{i}", $"bye all {i}"));
            bob.Actor.Tell(new ConnectionActor.ClientClosed(CloseCodes.Normal));
            bob.Actor.Tell(ConnectionActor.SocketClosed.Instance);

            var message = watcher.Next(PacketTypes.Message);
            Assert.Equal(($"bob{i}", $"bye all {i}"), (message.Str("username"), message.Str("message")));
            Assert.Equal($"bob{i}", watcher.Next(PacketTypes.Leave).Str("username"));
        }

        AssertNothingMore(Lobby, watcher);
        Assert.Equal(5, RoomStatus(RoomNames.Lobby).Position.Offset);
    }

    [Fact]
    public void A_connection_that_never_joined_leaves_silently()
    {
        var watcher = Joined("watcher");
        var lurker = Connect(Subprotocols.Beej);
        Watch(lurker.Actor);
        lurker.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        ExpectTerminated(lurker.Actor);
        AssertNothingMore(Lobby, watcher);
        Assert.Equal(1, RoomStatus(RoomNames.Lobby).Members);
    }
}
