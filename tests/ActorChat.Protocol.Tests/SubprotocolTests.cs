using ActorChat.Protocol.Beej;

namespace ActorChat.Protocol.Tests;

/// <summary>Which protocol a client gets for its offer (PROTOCOL-V1.md, Transport).</summary>
public sealed class SubprotocolTests
{
    public static TheoryData<string[], string?> Offers => new()
    {
        { ["actorchat.v1"], "actorchat.v1" },
        { ["beej-chat-protocol"], "beej-chat-protocol" },
        { ["actorchat.v1", "beej-chat-protocol"], "actorchat.v1" },
        { ["beej-chat-protocol", "actorchat.v1"], "actorchat.v1" },
        { ["chat", "beej-chat-protocol", "other"], "beej-chat-protocol" },
        { ["beej-chat-protocol, actorchat.v1"], "actorchat.v1" },
        { [" beej-chat-protocol ,chat"], "beej-chat-protocol" },
        { [], null },
        { ["chat", "actorchat.v2"], null },
        { ["ActorChat.V1"], null },
        { ["BEEJ-CHAT-PROTOCOL"], null },
        { ["actorchat.v1x", "xbeej-chat-protocol"], null },
        { [""], null },
    };

    [Theory]
    [MemberData(nameof(Offers))]
    public void V1_is_chosen_whenever_offered_then_the_original_protocol(string[] offered, string? chosen) =>
        Assert.Equal(chosen, Subprotocols.Choose(offered));

    [Fact]
    public void The_names_are_the_contracts()
    {
        Assert.Equal("actorchat.v1", Subprotocols.V1);
        Assert.Equal("beej-chat-protocol", Subprotocols.Beej);
        Assert.Equal(PacketTypes.SubProtocol, Subprotocols.Beej);
    }

    [Fact]
    public void Each_subprotocol_has_its_room_event_encoder()
    {
        Assert.Same(RoomEventEncoders.V1, RoomEventEncoders.Find(Subprotocols.V1));
        Assert.Same(RoomEventEncoders.Beej, RoomEventEncoders.Find(Subprotocols.Beej));
        Assert.Null(RoomEventEncoders.Find("chat"));
        Assert.Null(RoomEventEncoders.Find(null));

        // Only the seed protocol shows presence changes as they happen.
        Assert.Equal((false, true), (RoomEventEncoders.V1.PresenceAtOnce, RoomEventEncoders.Beej.PresenceAtOnce));
    }
}
