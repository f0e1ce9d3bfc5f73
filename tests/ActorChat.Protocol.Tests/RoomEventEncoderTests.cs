using ActorChat.Protocol.Beej;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>A room's events as each protocol's members receive them.</summary>
public sealed class RoomEventEncoderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 30, 0, 123, TimeSpan.Zero);

    public static TheoryData<string, string> Messages => new()
    {
        { "alice", "hello" },
        { "nämé", "\"quoted\" \\ </script> é 中文 😀\n\t" },
        { "bob", "" },
        { "x", "half \ud800 pair" },
        { "long", new string('m', 4000) },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Beej_message_frames_are_byte_identical_to_todays_chat_message(string from, string text)
    {
        var message = new ChatMessage("lobby", 12, from, text, At, "c-1");

        var frame = RoomEventEncoders.Beej.Message(message);

        Assert.Equal(ChatProtocol.EncodeMessage(from, text), frame.ToArray());
    }

    [Fact]
    public void Beej_presence_is_leaves_then_renames_then_joins_as_todays_frames()
    {
        var diff = new PresenceDiff("lobby", ["carol", "dan"], ["bob"], [new Rename("alice", "bob"), new Rename("erin", "eve")]);

        var frames = RoomEventEncoders.Beej.Presence(diff).Select(f => f.ToArray()).ToList();

        Assert.Equal(
            [
                ChatProtocol.EncodeLeave("bob"),
                ChatProtocol.EncodeRename("bob", "alice"),
                ChatProtocol.EncodeRename("eve", "erin"),
                ChatProtocol.EncodeJoin("carol"),
                ChatProtocol.EncodeJoin("dan"),
            ],
            frames);
        Assert.Equal("""{"type":"chat-rename","payload":{"username":"bob","previous":"alice"}}""", Wire.Text(frames[1]));
    }

    [Fact]
    public void V1_message_frame_is_the_message_packet()
    {
        var message = new ChatMessage("dev", 3, "alice", "hi", At, null);

        var frame = RoomEventEncoders.V1.Message(message);

        Assert.Equal(V1Protocol.EncodeMessage(message), frame.ToArray());
        Assert.Equal(
            """{"type":"message","payload":{"room":"dev","offset":3,"from":"alice","text":"hi","at":"2026-11-26T09:30:00.123Z"}}""",
            Wire.Text(frame));
    }

    [Fact]
    public void V1_presence_is_one_frame_per_diff()
    {
        var diff = new PresenceDiff("lobby", ["carol", "dan"], ["bob"], [new Rename("alice", "bob")]);

        var frames = RoomEventEncoders.V1.Presence(diff);

        var frame = Assert.Single(frames);
        Assert.Equal(V1Protocol.EncodePresence(diff), frame.ToArray());
    }

    [Fact]
    public void An_empty_diff_sends_nothing_in_either_protocol()
    {
        var empty = new PresenceDiff("lobby", [], [], []);

        Assert.All([RoomEventEncoders.V1, RoomEventEncoders.Beej], encoder => Assert.Empty(encoder.Presence(empty)));
    }

    [Fact]
    public void The_answers_to_one_member_are_each_protocols_own_frames()
    {
        var message = new ChatMessage("lobby", 3, "alice", "hi", new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero), "c1");
        var position = new StreamPosition("0123456789abcdef", 3);
        var entered = new RoomEntered("lobby", "j1", "carl", position, ["alice", "carl"], 2, [message], true);

        Assert.Equal([V1Protocol.EncodeJoined("j1", "lobby", position, ["alice", "carl"], 2, [message], true)], RoomEventEncoders.V1.Entered(entered).Select(f => f.ToArray()));
        Assert.Equal(V1Protocol.EncodeAck("p1", "lobby", 3), RoomEventEncoders.V1.Acked(new PostAcked("lobby", "p1", 3))!.Value.ToArray());
        Assert.Equal(V1Protocol.EncodeLeft("l1", "lobby"), RoomEventEncoders.V1.Left(new RoomLeft("lobby", "l1"))!.Value.ToArray());
        Assert.Equal(V1Protocol.EncodeHistory("h1", "lobby", [message], true), RoomEventEncoders.V1.History(new HistoryPageRead("lobby", "h1", [message], true))!.Value.ToArray());

        // The seed protocol: chat-users of the joiner's name, no history; no ack, no left, no history page.
        Assert.Equal([ChatProtocol.EncodeUsers("carl", ["alice", "carl"])], RoomEventEncoders.Beej.Entered(entered).Select(f => f.ToArray()));
        Assert.Null(RoomEventEncoders.Beej.Acked(new PostAcked("lobby", "p1", 3)));
        Assert.Null(RoomEventEncoders.Beej.Left(new RoomLeft("lobby", "l1")));
        Assert.Null(RoomEventEncoders.Beej.History(new HistoryPageRead("lobby", "h1", [message], true)));
    }
}
