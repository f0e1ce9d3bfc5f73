using System.Net.WebSockets;
using System.Text;

namespace ActorChat.Host.Tests;

/// <summary>Frame-level violations close the offender with the documented code; the others are unaffected.</summary>
public sealed class FrameTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int MaxFrameBytes = 1024;

    [Fact]
    public async Task A_binary_frame_closes_with_1003()
    {
        await using var room = await RoomAsync();

        await room.Bob.SendAsync(Encoding.UTF8.GetBytes("""{"type":"chat-message","payload":{"username":"bob","message":"hi"}}"""), WebSocketMessageType.Binary);

        await room.AssertOthersUnaffectedAsync();
        Assert.Equal("binary frames are not supported", await room.Bob.ExpectCloseAsync(1003));
    }

    [Fact]
    public async Task A_message_over_the_maximum_closes_with_1009()
    {
        await using var room = await RoomAsync();

        await room.Bob.SendTextAsync(Packet(2000));

        await room.AssertOthersUnaffectedAsync();
        await room.Bob.ExpectCloseAsync(1009);
    }

    [Fact]
    public async Task A_fragmented_message_over_the_maximum_closes_with_1009()
    {
        await using var room = await RoomAsync();
        var bytes = Encoding.UTF8.GetBytes(Packet(2000));

        // Each fragment is small; only their sum is over the limit. The server may close before the last.
        try
        {
            for (var offset = 0; offset < bytes.Length; offset += 400)
            {
                var length = Math.Min(400, bytes.Length - offset);
                await room.Bob.SendAsync(bytes.AsMemory(offset, length), WebSocketMessageType.Text, endOfMessage: offset + length == bytes.Length);
            }
        }
        catch (WebSocketException)
        {
            // The server already closed.
        }

        await room.AssertOthersUnaffectedAsync();
        await room.Bob.ExpectCloseAsync(1009);
    }

    [Fact]
    public async Task A_message_of_exactly_the_maximum_is_accepted_and_one_byte_more_is_not()
    {
        await using var room = await RoomAsync();

        var exact = Packet(MaxFrameBytes);
        Assert.Equal(MaxFrameBytes, Encoding.UTF8.GetByteCount(exact));
        await room.Bob.SendTextAsync(exact);
        await room.Alice.ExpectMessageAsync("bob", "hi");
        await room.Bob.ExpectMessageAsync("bob", "hi");
        await room.Carol.ExpectMessageAsync("bob", "hi");

        await room.Bob.SendTextAsync(Packet(MaxFrameBytes + 1));
        await room.AssertOthersUnaffectedAsync();
        await room.Bob.ExpectCloseAsync(1009);
    }

    [Fact]
    public async Task A_fragmented_message_within_the_maximum_is_reassembled_even_inside_a_character()
    {
        await using var room = await RoomAsync();
        var bytes = Encoding.UTF8.GetBytes("""{"type":"chat-message","payload":{"username":"bob","message":"h€llo"}}""");
        var euro = Array.IndexOf(bytes, (byte)0xE2);

        // Split inside the three bytes of "€".
        await room.Bob.SendAsync(bytes.AsMemory(0, euro + 1), WebSocketMessageType.Text, endOfMessage: false);
        await room.Bob.SendAsync(bytes.AsMemory(euro + 1, 1), WebSocketMessageType.Text, endOfMessage: false);
        await room.Bob.SendAsync(bytes.AsMemory(euro + 2), WebSocketMessageType.Text, endOfMessage: true);

        await room.Alice.ExpectMessageAsync("bob", "h€llo");
        await room.Bob.ExpectMessageAsync("bob", "h€llo");
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0xC3, 0x28, 0x7D })] // a lead byte followed by ASCII
    [InlineData(new byte[] { 0x22, 0xFF, 0x22 })] // a byte that never occurs in UTF-8
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 })] // an encoded surrogate
    [InlineData(new byte[] { 0x22, 0xC0, 0xAF, 0x22 })] // an overlong "/"
    public async Task A_text_frame_that_is_not_UTF8_closes_with_1007(byte[] frame)
    {
        await using var room = await RoomAsync(joinBob: false);
        using var bob = await JoinRawAsync(room);

        await bob.SendFrameAsync(0x1, frame);

        await room.AssertOthersUnaffectedAsync();
        await AssertClosedCleanlyAsync(bob, 1007);
    }

    [Fact]
    public async Task Invalid_UTF8_split_across_fragments_closes_with_1007()
    {
        await using var room = await RoomAsync(joinBob: false);
        using var bob = await JoinRawAsync(room);

        await bob.SendFrameAsync(0x1, [0x22, 0xE2, 0x82], fin: false);
        await bob.SendFrameAsync(0x0, [0x28, 0x22]);

        await room.AssertOthersUnaffectedAsync();
        await AssertClosedCleanlyAsync(bob, 1007);
    }

    [Fact]
    public async Task A_binary_frame_close_reaches_a_peer_that_does_not_answer_and_the_connection_ends_cleanly()
    {
        await using var room = await RoomAsync(joinBob: false);
        using var bob = await JoinRawAsync(room);

        await bob.SendFrameAsync(0x2, [1, 2, 3]);

        await room.AssertOthersUnaffectedAsync();
        await AssertClosedCleanlyAsync(bob, 1003);
    }

    /// <summary>bob on a raw socket, so the way the connection ends (FIN or reset) is visible.</summary>
    private static async Task<RawWebSocket> JoinRawAsync(Room room)
    {
        var bob = await RawWebSocket.ConnectAsync(room.Server.Port);
        await bob.SendTextAsync("""{"type":"chat-join","payload":{"username":"bob"}}""");
        Assert.Equal("bob", (await room.Alice.ExpectAsync("chat-join")).Username());
        Assert.Equal("bob", (await room.Carol.ExpectAsync("chat-join")).Username());
        return bob;
    }

    /// <summary>
    /// The server's last frame is a close with <paramref name="code"/>, and the TCP connection then
    /// ends with a FIN. A reset instead makes the peer's TCP stack drop the unread close frame, so a
    /// real client (a browser, ClientWebSocket) usually never learns the code and sees 1006.
    /// </summary>
    private static async Task AssertClosedCleanlyAsync(RawWebSocket peer, int code)
    {
        var (frames, end) = await peer.ReadFramesToEndAsync(TestServer.Timeout);
        foreach (var (_, payload) in frames.Where(f => f.Opcode == 0x1))
        {
            using var packet = System.Text.Json.JsonDocument.Parse(payload);
            Assert.Equal(System.Text.Json.JsonValueKind.String, packet.RootElement.GetProperty("payload").GetProperty("username").ValueKind);
        }

        var closes = frames.Where(f => f.Opcode == 0x8).ToList();
        Assert.True(end == RawWebSocket.Ending.Closed, $"Expected a close {code} and then a clean end of the connection, but it ended with {end}; close frames read before that: {closes.Count}.");
        var close = Assert.Single(closes);
        Assert.Equal(code, (close.Payload[0] << 8) | close.Payload[1]);
    }

    /// <summary>A chat-message packet from bob saying "hi", padded with JSON whitespace to exactly <paramref name="bytes"/> bytes.</summary>
    private static string Packet(int bytes)
    {
        const string Packet = """{"type":"chat-message","payload":{"username":"bob","message":"hi"}}""";
        return Packet + new string(' ', bytes - Packet.Length);
    }

    private async Task<Room> RoomAsync(bool joinBob = true)
    {
        var server = await TestServer.StartAsync(output, $"--ActorChat:MaxFrameBytes={MaxFrameBytes}");
        var alice = await server.JoinAsync("alice");
        var carol = await server.JoinAsync("carol");
        await alice.ExpectAsync("chat-join");
        if (!joinBob)
        {
            return new Room(server, alice, null!, carol);
        }

        var bob = await server.JoinAsync("bob");
        await alice.ExpectAsync("chat-join");
        await carol.ExpectAsync("chat-join");
        return new Room(server, alice, bob, carol);
    }

    /// <summary>alice and carol watch; bob misbehaves.</summary>
    private sealed record Room(TestServer Server, ChatClient Alice, ChatClient Bob, ChatClient Carol) : IAsyncDisposable
    {
        /// <summary>bob's leave reached the others once, and they still chat.</summary>
        public async Task AssertOthersUnaffectedAsync()
        {
            Assert.Equal("bob", (await Alice.ExpectAsync("chat-leave")).Username());
            Assert.Equal("bob", (await Carol.ExpectAsync("chat-leave")).Username());
            await Carol.SayAsync("carol", "still here");
            await Alice.ExpectMessageAsync("carol", "still here");
            await Carol.ExpectMessageAsync("carol", "still here");
            Assert.Equal(["alice", "carol"], (await Server.MembersAsync()).Names.Order(StringComparer.Ordinal));
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            if (Bob is not null)
            {
                await Bob.DisposeAsync();
            }

            await Carol.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
