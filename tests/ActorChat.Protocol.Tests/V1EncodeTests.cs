using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>Every <c>actorchat.v1</c> server packet, byte for byte, against the shapes of PROTOCOL-V1.md.</summary>
public sealed class V1EncodeTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 30, 0, 123, TimeSpan.Zero);

    private static readonly ChatMessage First = new("lobby", 1, "alice", "hi", At, "c-1");
    private static readonly ChatMessage Second = new("lobby", 2, "bob", "hello", At.AddSeconds(1), null);

    private const string FirstJson = """{"room":"lobby","offset":1,"from":"alice","text":"hi","at":"2026-11-26T09:30:00.123Z","cid":"c-1"}""";
    private const string SecondJson = """{"room":"lobby","offset":2,"from":"bob","text":"hello","at":"2026-11-26T09:30:01.123Z"}""";

    [Fact]
    public void Welcome()
    {
        Assert.Equal(
            """{"type":"welcome","ref":"r1","payload":{"session":"tok","name":"alice","resumed":true,"rooms":["lobby","dev"]}}""",
            Wire.Text(V1Protocol.EncodeWelcome("r1", "tok", "alice", resumed: true, ["lobby", "dev"])));
        Assert.Equal(
            """{"type":"welcome","payload":{"session":"tok","name":"alice","resumed":false,"rooms":[]}}""",
            Wire.Text(V1Protocol.EncodeWelcome(null, "tok", "alice", resumed: false, [])));
    }

    [Fact]
    public void Joined_with_recovery()
    {
        var frame = V1Protocol.EncodeJoined("j1", "lobby", new StreamPosition("e1", 2), ["alice", "bob"], 2, [First, Second], recovered: true);

        Assert.Equal(
            $$$"""{"type":"joined","ref":"j1","payload":{"room":"lobby","epoch":"e1","offset":2,"members":["alice","bob"],"memberCount":2,"messages":[{{{FirstJson}}},{{{SecondJson}}}],"recovered":true}}""",
            Wire.Text(frame));
    }

    [Fact]
    public void Joined_without_since_has_no_recovered_and_an_empty_room_has_offset_0()
    {
        var frame = V1Protocol.EncodeJoined(null, "dev", new StreamPosition("e2", 0), ["alice"], 1, [], recovered: null);

        Assert.Equal(
            """{"type":"joined","payload":{"room":"dev","epoch":"e2","offset":0,"members":["alice"],"memberCount":1,"messages":[]}}""",
            Wire.Text(frame));
    }

    [Fact]
    public void Joined_that_could_not_recover_says_so()
    {
        var frame = V1Protocol.EncodeJoined("j", "lobby", new StreamPosition("e1", 2), [], 5000, [Second], recovered: false);

        Assert.Equal(
            $$$"""{"type":"joined","ref":"j","payload":{"room":"lobby","epoch":"e1","offset":2,"members":[],"memberCount":5000,"messages":[{{{SecondJson}}}],"recovered":false}}""",
            Wire.Text(frame));
    }

    [Fact]
    public void Left() =>
        Assert.Equal("""{"type":"left","ref":"l","payload":{"room":"dev"}}""", Wire.Text(V1Protocol.EncodeLeft("l", "dev")));

    [Fact]
    public void Ack() =>
        Assert.Equal("""{"type":"ack","ref":"s","payload":{"room":"lobby","offset":9007199254740993}}""", Wire.Text(V1Protocol.EncodeAck("s", "lobby", 9007199254740993)));

    [Fact]
    public void Message_is_an_event_without_ref_and_with_cid_only_when_given()
    {
        Assert.Equal($$$"""{"type":"message","payload":{{{FirstJson}}}}""", Wire.Text(V1Protocol.EncodeMessage(First)));
        Assert.Equal($$$"""{"type":"message","payload":{{{SecondJson}}}}""", Wire.Text(V1Protocol.EncodeMessage(Second)));
    }

    [Fact]
    public void History()
    {
        Assert.Equal(
            $$$"""{"type":"history","ref":"h","payload":{"room":"lobby","messages":[{{{FirstJson}}},{{{SecondJson}}}],"more":true}}""",
            Wire.Text(V1Protocol.EncodeHistory("h", "lobby", [First, Second], more: true)));
        Assert.Equal(
            """{"type":"history","payload":{"room":"lobby","messages":[],"more":false}}""",
            Wire.Text(V1Protocol.EncodeHistory(null, "lobby", [], more: false)));
    }

    [Fact]
    public void Rooms()
    {
        Assert.Equal(
            """{"type":"rooms","ref":"q","payload":{"rooms":[{"room":"lobby","members":3},{"room":"dev","members":0}]}}""",
            Wire.Text(V1Protocol.EncodeRooms("q", [new RoomSummary("lobby", 3), new RoomSummary("dev", 0)])));
        Assert.Equal("""{"type":"rooms","payload":{"rooms":[]}}""", Wire.Text(V1Protocol.EncodeRooms(null, [])));
    }

    [Fact]
    public void Renamed() =>
        Assert.Equal("""{"type":"renamed","ref":"n","payload":{"name":"bob"}}""", Wire.Text(V1Protocol.EncodeRenamed("n", "bob")));

    [Fact]
    public void Presence_writes_renames_only_when_there_are_any()
    {
        Assert.Equal(
            """{"type":"presence","payload":{"room":"lobby","joins":["carol"],"leaves":["dave","erin"],"renames":[{"from":"bob","to":"bobby"}]}}""",
            Wire.Text(V1Protocol.EncodePresence(new PresenceDiff("lobby", ["carol"], ["dave", "erin"], [new Rename("bob", "bobby")]))));
        Assert.Equal(
            """{"type":"presence","payload":{"room":"dev","joins":[],"leaves":["dave"]}}""",
            Wire.Text(V1Protocol.EncodePresence(new PresenceDiff("dev", [], ["dave"], []))));
    }

    [Fact]
    public void Error_with_and_without_ref()
    {
        Assert.Equal(
            """{"type":"error","ref":"r","payload":{"code":"not-in-room","message":"Join the room first."}}""",
            Wire.Text(V1Protocol.EncodeError("r", ErrorCodes.NotInRoom, "Join the room first.")));
        Assert.Equal(
            """{"type":"error","payload":{"code":"no-session","message":"Say hello first."}}""",
            Wire.Text(V1Protocol.EncodeError(new RequestError(ErrorCodes.NoSession, "Say hello first.", null))));
    }

    public static TheoryData<DateTimeOffset, string> Times => new()
    {
        { new DateTimeOffset(2026, 11, 26, 9, 30, 0, 123, TimeSpan.Zero), "2026-11-26T09:30:00.123Z" },
        { new DateTimeOffset(2026, 11, 26, 10, 30, 0, 123, TimeSpan.FromHours(1)), "2026-11-26T09:30:00.123Z" },
        { new DateTimeOffset(2026, 11, 26, 4, 0, 0, 5, TimeSpan.FromHours(-5.5)), "2026-11-26T09:30:00.005Z" },
        { new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "2026-01-02T03:04:05.000Z" },
        { new DateTimeOffset(2026, 11, 26, 9, 30, 0, 999, TimeSpan.Zero).AddTicks(9999), "2026-11-26T09:30:00.999Z" },
        { new DateTimeOffset(2026, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), "2026-12-31T23:59:59.999Z" },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Times_are_RFC3339_UTC_with_milliseconds(DateTimeOffset at, string expected)
    {
        var message = First with { At = at };

        var written = Wire.Parse(V1Protocol.EncodeMessage(message)).GetProperty("payload").GetProperty("at").GetString();

        Assert.Equal(expected, written);
        Assert.Equal(expected, V1Protocol.FormatTime(at));
    }

    [Fact]
    public void Every_message_in_joined_and_history_has_the_shape_of_a_message_payload()
    {
        var messages = new[] { First, Second, First with { Offset = 3, Text = "\"quoted\" <b>&</b> é 😀\n", Cid = null } };
        var payloads = messages.Select(m => Wire.Parse(V1Protocol.EncodeMessage(m)).GetProperty("payload").GetRawText()).ToList();

        var joined = Wire.Parse(V1Protocol.EncodeJoined("j", "lobby", new StreamPosition("e", 3), [], 0, messages, null));
        var history = Wire.Parse(V1Protocol.EncodeHistory("h", "lobby", messages, more: false));

        Assert.Equal(payloads, joined.GetProperty("payload").GetProperty("messages").EnumerateArray().Select(e => e.GetRawText()));
        Assert.Equal(payloads, history.GetProperty("payload").GetProperty("messages").EnumerateArray().Select(e => e.GetRawText()));
    }

    [Fact]
    public void Strings_that_need_escaping_read_back_unchanged()
    {
        const string Text = "\"quotes\", back\\slash, </script>, tab\t, nul\0, é, 中文, 😀, \u2028";
        var message = new ChatMessage("lobby", 7, "nämé \"x\"", Text, At, "cid/\"1\"");

        var payload = Wire.Parse(V1Protocol.EncodeMessage(message)).GetProperty("payload");

        Assert.Equal(Text, payload.GetProperty("text").GetString());
        Assert.Equal("nämé \"x\"", payload.GetProperty("from").GetString());
        Assert.Equal("cid/\"1\"", payload.GetProperty("cid").GetString());
        Assert.Equal(7, payload.GetProperty("offset").GetInt64());
    }

    [Fact]
    public void An_unpaired_surrogate_is_written_as_a_replacement_character_not_an_exception()
    {
        var message = First with { Text = "a\ud800b" };

        var text = Wire.Parse(V1Protocol.EncodeMessage(message)).GetProperty("payload").GetProperty("text").GetString();

        Assert.Equal("a\ufffdb", text);
    }

    [Fact]
    public void A_large_frame_does_not_leak_into_the_next_one()
    {
        // The per-thread scratch buffer grows for the large frame (and is then dropped); the next
        // frames must be exactly their own bytes.
        var large = First with { Text = new string('x', 600_000) };
        var medium = First with { Text = new string('y', 5_000) };

        var largeFrame = V1Protocol.EncodeMessage(large);
        var mediumFrame = V1Protocol.EncodeMessage(medium);
        var smallFrame = V1Protocol.EncodeMessage(First);
        var smallAgain = V1Protocol.EncodeMessage(First);

        Assert.Equal(600_000, Wire.Parse(largeFrame).GetProperty("payload").GetProperty("text").GetString()!.Length);
        Assert.Equal(medium.Text, Wire.Parse(mediumFrame).GetProperty("payload").GetProperty("text").GetString());
        Assert.Equal($$$"""{"type":"message","payload":{{{FirstJson}}}}""", Wire.Text(smallFrame));
        Assert.Equal(smallFrame, smallAgain);
    }

    [Fact]
    public void Encoding_on_many_threads_at_once_gives_every_caller_its_own_frame()
    {
        var frames = new string[2_000];

        Parallel.For(0, frames.Length, i =>
            frames[i] = Wire.Text(V1Protocol.EncodeMessage(First with { Offset = i, Text = new string('t', i % 300) })));

        for (var i = 0; i < frames.Length; i++)
        {
            var payload = Wire.Parse(Wire.Bytes(frames[i])).GetProperty("payload");
            Assert.Equal(i, payload.GetProperty("offset").GetInt64());
            Assert.Equal(i % 300, payload.GetProperty("text").GetString()!.Length);
        }
    }
}
