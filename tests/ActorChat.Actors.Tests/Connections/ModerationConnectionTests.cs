using System.Text.Json;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// Roles and moderation at the connections, through the gateway, the sessions and real rooms: every
/// request answered once, with its ref; a removal takes the room off a v1 connection and closes a
/// seed-protocol one with 4004.
/// </summary>
public sealed class ModerationConnectionTests : GatewayTestKit
{
    private static string Packet(string type, string? requestRef, object payload) =>
        JsonSerializer.Serialize(new { type, @ref = requestRef, payload });

    private Client JoinedV1(string name)
    {
        var client = Connect(Subprotocols.V1);
        client.Send(V1Packets.Hello(name));
        client.Next("welcome");
        client.Send(V1Packets.Join("general", "j"));
        var joined = client.Expect("joined");
        Assert.Equal("member", joined.Str("role"));
        Assert.Equal("public", joined.Payload.GetProperty("settings").GetProperty("visibility").GetString());
        return client;
    }

    [Fact]
    public void An_anonymous_member_gets_forbidden_for_every_moderation_request_each_with_its_ref()
    {
        var alice = JoinedV1("alice");
        JoinedV1("bob");
        string[] packets =
        [
            Packet("configure", "r1", new { room = "general", topic = "mine" }),
            Packet("grant", "r2", new { room = "general", user = "u1", role = "member" }),
            Packet("bans", "r3", new { room = "general" }),
            Packet("kick", "r4", new { room = "general", target = new { name = "bob" } }),
            Packet("ban", "r5", new { room = "general", target = new { name = "bob" }, duration = 60, reason = "x" }),
            Packet("unban", "r6", new { room = "general", ban = 1 }),
            Packet("mute", "r7", new { room = "general", target = new { name = "bob" } }),
            Packet("unmute", "r8", new { room = "general", target = new { user = "u1" } }),
            Packet("audit", "r9", new { room = "general", limit = 10 }),
        ];
        foreach (var packet in packets)
        {
            alice.Send(packet);
            var error = alice.Expect("error");
            Assert.Equal(ErrorCodes.Forbidden, error.Str("code"));
            Assert.Equal(JsonDocument.Parse(packet).RootElement.GetProperty("ref").GetString(), error.Ref);
        }

        // Not in the room: not-in-room, as for any room request.
        alice.Send(Packet("kick", "r10", new { room = "elsewhere", target = new { name = "bob" } }));
        Assert.Equal(ErrorCodes.NotInRoom, alice.Expect("error").Str("code"));
    }

    [Fact]
    public void A_removed_v1_connection_is_told_and_is_out_of_the_room_at_once()
    {
        var alice = JoinedV1("alice");
        alice.Actor.Tell(new RoomContract.Removed("general", "ban", "mod-id", "spam", DateTimeOffset.UnixEpoch.AddDays(1)));
        var removed = alice.Expect("removed");
        Assert.Equal(("general", "ban", "mod-id", "spam", "1970-01-02T00:00:00.000Z"), (removed.Str("room"), removed.Str("action"), removed.Str("by"), removed.Str("reason"), removed.Str("until")));
        alice.Send(V1Packets.Send("general", "still here?", "s"));
        Assert.Equal(ErrorCodes.NotInRoom, alice.Expect("error").Str("code"));
    }

    [Fact]
    public void A_refused_join_says_why_with_its_details_and_leaves_no_room_behind()
    {
        var alice = JoinedV1("alice");
        alice.Actor.Tell(new RoomContract.Denied("general", ErrorCodes.Banned, "Banned.", "j2", null, "spam", null, Join: true));
        var error = alice.Expect("error");
        Assert.Equal((ErrorCodes.Banned, "j2", JsonValueKind.Null, "spam"), (error.Str("code"), error.Ref, error.Payload.GetProperty("until").ValueKind, error.Str("reason")));
        alice.Send(V1Packets.Send("general", "hi", "s"));
        Assert.Equal(ErrorCodes.NotInRoom, alice.Expect("error").Str("code"));

        alice.Actor.Tell(new RoomContract.Denied("random", ErrorCodes.SlowMode, "Slow.", "s9", null, null, 12, Join: false));
        Assert.Equal(12, alice.Expect("error").Payload.GetProperty("retryAfter").GetInt32());
    }

    [Fact]
    public void A_seed_protocol_member_kicked_or_banned_is_closed_with_4004()
    {
        var oldie = Connect(Subprotocols.Beej);
        oldie.Send(Packets.Join("oldie"));
        oldie.Next(PacketTypes.Join);
        oldie.Actor.Tell(new RoomContract.Removed(RoomNames.Lobby, "kick", "root", null, null));
        Assert.Equal((CloseCodes.Removed, "removed from the room"), oldie.Closed());

        var banned = Connect(Subprotocols.Beej);
        banned.Send(Packets.Join("banned"));
        banned.Next(PacketTypes.Join);
        banned.Actor.Tell(new RoomContract.Denied(RoomNames.Lobby, ErrorCodes.Banned, "Banned.", null, null, null, null, Join: true));
        Assert.Equal(CloseCodes.Removed, banned.Closed().Code);
    }
}
