using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>Decoding <c>actorchat.v1</c> client packets: every type, every refusal, and the ref a refusal echoes.</summary>
public sealed class V1DecodeTests
{
    private static readonly string Id64 = new('x', 64);
    private static readonly string Id65 = new('x', 65);

    public static TheoryData<string, ClientRequest> Accepted => new()
    {
        // hello
        { """{"type":"hello","payload":{"name":"alice"}}""", new HelloRequest(null, "alice", null) },
        { """{"type":"hello","ref":"r1","payload":{"name":"  Alice  ","session":"tok-1"}}""", new HelloRequest("r1", "  Alice  ", "tok-1") },
        { """{"type":"hello","payload":{"name":"alice","session":null}}""", new HelloRequest(null, "alice", null) },
        { """{"type":"hello","payload":{"name":""}}""", new HelloRequest(null, "", null) },

        // join
        { """{"type":"join","payload":{"room":"lobby"}}""", new JoinRequest(null, "lobby", null, 50) },
        { """{"type":"join","ref":"j","payload":{"room":"dev-ops_2","since":{"epoch":"e1","offset":42},"limit":10}}""", new JoinRequest("j", "dev-ops_2", new StreamPosition("e1", 42), 10) },
        { """{"type":"join","payload":{"room":"a","since":{"epoch":"","offset":0},"limit":1}}""", new JoinRequest(null, "a", new StreamPosition("", 0), 1) },
        { """{"type":"join","payload":{"room":"9lives","limit":100,"since":null}}""", new JoinRequest(null, "9lives", null, 100) },
        { """{"type":"join","payload":{"room":"lobby","limit":null}}""", new JoinRequest(null, "lobby", null, 50) },
        { """{"type":"join","payload":{"room":"lobby","since":{"offset":7,"extra":[1],"epoch":"e"}}}""", new JoinRequest(null, "lobby", new StreamPosition("e", 7), 50) },
        { $$$"""{"type":"join","payload":{"room":"{{{new string('r', 32)}}}"}}""", new JoinRequest(null, new string('r', 32), null, 50) },

        // leave, rooms, bye
        { """{"type":"leave","ref":"l","payload":{"room":"lobby"}}""", new LeaveRequest("l", "lobby") },
        { """{"type":"rooms"}""", new RoomsRequest(null) },
        { """{"type":"rooms","ref":"q","payload":{}}""", new RoomsRequest("q") },
        { """{"type":"rooms","payload":null}""", new RoomsRequest(null) },
        { """{"type":"bye"}""", new ByeRequest(null) },
        { """{"type":"bye","ref":"b","payload":{"reason":5}}""", new ByeRequest("b") },

        // send
        { """{"type":"send","payload":{"room":"lobby","text":"hi"}}""", new SendRequest(null, "lobby", "hi", null) },
        { """{"type":"send","ref":"s1","payload":{"room":"lobby","text":"  hi  ","cid":"c-1"}}""", new SendRequest("s1", "lobby", "  hi  ", "c-1") },
        { $$$"""{"type":"send","payload":{"room":"lobby","text":"","cid":"{{{Id64}}}"}}""", new SendRequest(null, "lobby", "", Id64) },
        { """{"type":"send","payload":{"room":"lobby","text":"a \"quote\", a \\ and \u00e9 \ud83d\ude00\n","cid":null}}""", new SendRequest(null, "lobby", "a \"quote\", a \\ and é 😀\n", null) },

        // history
        { """{"type":"history","payload":{"room":"lobby"}}""", new HistoryRequest(null, "lobby", null, 50) },
        { """{"type":"history","ref":"h","payload":{"room":"lobby","before":17,"limit":100}}""", new HistoryRequest("h", "lobby", 17, 100) },
        { """{"type":"history","payload":{"room":"lobby","before":0,"limit":1}}""", new HistoryRequest(null, "lobby", 0, 1) },
        { """{"type":"history","payload":{"room":"lobby","before":null}}""", new HistoryRequest(null, "lobby", null, 50) },

        // rename
        { """{"type":"rename","ref":"n","payload":{"name":"bob"}}""", new RenameRequest("n", "bob") },

        // Members a type does not define are ignored, whatever they hold; so is member order.
        { """{"meta":{"type":"bye","ref":7,"payload":[]},"type":"hello","payload":{"name":"a"}}""", new HelloRequest(null, "a", null) },
        { """{"type":"send","payload":{"x":{"room":"Evil","text":5},"room":"lobby","text":"hi"}}""", new SendRequest(null, "lobby", "hi", null) },
        { """{"type":"send","v":2,"payload":{"extra":{"deep":[1,{"x":null}]},"room":"lobby","text":"hi","name":5}}""", new SendRequest(null, "lobby", "hi", null) },
        { """{"type":"hello","payload":{"name":"alice","room":5,"limit":"many","since":[]}}""", new HelloRequest(null, "alice", null) },
        { """{"type":"rooms","payload":{"room":12,"limit":-3}}""", new RoomsRequest(null) },
        { """{"payload":{"text":"hi","room":"lobby"},"ref":"late","type":"send"}""", new SendRequest("late", "lobby", "hi", null) },
        { """{"type":"send","payload":{"room":"lobby","text":"a","unknown":1,"unknown":2}}""", new SendRequest(null, "lobby", "a", null) },

        // Escaped member names and values are the same names and values; white space around is fine.
        { """ { "\u0074ype" : "hello" , "payload" : { "n\u0061me" : "\u0041lice" } } """, new HelloRequest(null, "Alice", null) },
        { $$$"""{"type":"hello","ref":"{{{Id64}}}","payload":{"name":"a"}}""", new HelloRequest(Id64, "a", null) },
    };

    /// <summary>Frame, expected code, expected ref on the error.</summary>
    public static TheoryData<string, string, string?> Refused => new()
    {
        // Not JSON: invalid-json, with the ref when it was read before the syntax broke.
        { "not json", ErrorCodes.InvalidJson, null },
        { "", ErrorCodes.InvalidJson, null },
        { "{\"type\":\"hello\",", ErrorCodes.InvalidJson, null },
        { """{"type":"send","ref":"r9","payload":{"room":"lobby",""", ErrorCodes.InvalidJson, "r9" },
        { """{"type":"bye"} {"type":"bye"}""", ErrorCodes.InvalidJson, null },
        { """{"type":"bye",}""", ErrorCodes.InvalidJson, null },
        { """{'type':'bye'}""", ErrorCodes.InvalidJson, null },

        // JSON, but not an envelope.
        { "[]", ErrorCodes.InvalidPacket, null },
        { "\"hello\"", ErrorCodes.InvalidPacket, null },
        { "null", ErrorCodes.InvalidPacket, null },
        { "42", ErrorCodes.InvalidPacket, null },
        { "{}", ErrorCodes.InvalidPacket, null },
        { """{"ref":"r","payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":5,"ref":"r"}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":null}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"bye","type":"bye"}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"rooms","ref":"r","payload":[]}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"rooms","ref":"r","payload":"x"}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"rooms","ref":"r","payload":{},"payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { "{\"type\":\"rooms\",\"ref\":\"r\",\"payload\":{\"x\":" + new string('[', 70) + new string(']', 70) + "}}", ErrorCodes.InvalidPacket, "r" },

        // A ref that cannot be echoed: refused without one.
        { """{"type":"bye","ref":""}""", ErrorCodes.InvalidPacket, null },
        { $$$"""{"type":"bye","ref":"{{{Id65}}}"}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"bye","ref":7}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"bye","ref":{"id":"r"}}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"bye","ref":"a","ref":"b"}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"wave","ref":""}""", ErrorCodes.InvalidPacket, null },
        { """{"type":"bye","ref":"\ud800"}""", ErrorCodes.InvalidPacket, null },
        { """{"ref":"r","type":"\udfffbye"}""", ErrorCodes.InvalidPacket, "r" },

        // Unknown types (exact, case-sensitive names).
        { """{"type":"wave","ref":"r1"}""", ErrorCodes.UnknownType, "r1" },
        { """{"type":"Hello","payload":{"name":"a"}}""", ErrorCodes.UnknownType, null },
        { """{"type":"chat-join","payload":{"username":"a"}}""", ErrorCodes.UnknownType, null },
        { """{"type":"welcome","ref":"w","payload":{}}""", ErrorCodes.UnknownType, "w" },

        // hello, rename
        { """{"type":"hello","ref":"r"}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"hello","ref":"r","payload":{"name":5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"hello","ref":"r","payload":{"name":null}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"hello","ref":"r","payload":{"name":"a","session":5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"hello","ref":"r","payload":{"name":"a","name":"b"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"rename","ref":"r","payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"rename","ref":"r","payload":{"name":["bob"]}}""", ErrorCodes.InvalidPacket, "r" },

        // join
        { """{"type":"join","ref":"r","payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":null}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"Lobby"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":""}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"-dash"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"_under"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":" lobby"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"caf\u00e9"}}""", ErrorCodes.InvalidRoom, "r" },
        { $$$"""{"type":"join","ref":"r","payload":{"room":"{{{new string('r', 33)}}}"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":0}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":101}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":-1}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":1.5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":"10"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":1e1}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","limit":99999999999999999999}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":"e1:5"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e"}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"offset":1}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":1,"offset":1}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e","offset":-1}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e","offset":1.5}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e","offset":"1"}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e","offset":1,"offset":2}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","since":{"epoch":"e","epoch":"f","offset":1}}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"join","ref":"r","payload":{"room":"lobby","room":"dev"}}""", ErrorCodes.InvalidPacket, "r" },

        // A shape error wins over a bad room name: the room is judged only in a well-formed packet.
        { """{"type":"join","ref":"r","payload":{"room":"BAD","limit":0}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"BAD"}}""", ErrorCodes.InvalidPacket, "r" },

        // leave
        { """{"type":"leave","ref":"r","payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"leave","ref":"r","payload":{"room":"a b"}}""", ErrorCodes.InvalidRoom, "r" },

        // send
        { """{"type":"send","ref":"r","payload":{"room":"lobby"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"text":"hi"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"lobby","text":5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"lobby","text":null}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"lobby","text":"hi","cid":""}}""", ErrorCodes.InvalidPacket, "r" },
        { $$$"""{"type":"send","ref":"r","payload":{"room":"lobby","text":"hi","cid":"{{{Id65}}}"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"lobby","text":"hi","cid":5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"Lobby","text":"hi"}}""", ErrorCodes.InvalidRoom, "r" },
        { """{"type":"send","ref":"r","payload":{"room":"lobby","text":"half a pair \ud83d"}}""", ErrorCodes.InvalidPacket, "r" },

        // history
        { """{"type":"history","ref":"r","payload":{}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"lobby","before":-1}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"lobby","before":"5"}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"lobby","before":2.5}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"lobby","limit":0}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"lobby","limit":101}}""", ErrorCodes.InvalidPacket, "r" },
        { """{"type":"history","ref":"r","payload":{"room":"no room"}}""", ErrorCodes.InvalidRoom, "r" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_well_formed_packet_decodes_to_its_request(string frame, ClientRequest expected)
    {
        var (request, error) = V1Protocol.Decode(Wire.Bytes(frame));

        Assert.Null(error);
        Assert.Equal(expected, request);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_bad_packet_is_refused_with_its_code_and_echoes_a_readable_ref(string frame, string code, string? @ref)
    {
        var (request, error) = V1Protocol.Decode(Wire.Bytes(frame));

        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Equal(@ref, error.Ref);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Every_request_names_its_type()
    {
        string[] frames =
        [
            """{"type":"hello","payload":{"name":"a"}}""",
            """{"type":"join","payload":{"room":"a"}}""",
            """{"type":"leave","payload":{"room":"a"}}""",
            """{"type":"rooms"}""",
            """{"type":"send","payload":{"room":"a","text":"t"}}""",
            """{"type":"history","payload":{"room":"a"}}""",
            """{"type":"rename","payload":{"name":"a"}}""",
            """{"type":"bye"}""",
        ];

        var types = frames.Select(frame => V1Protocol.Decode(Wire.Bytes(frame)).Request!.Type);

        Assert.Equal(["hello", "join", "leave", "rooms", "send", "history", "rename", "bye"], types);
    }

    [Fact]
    public void The_error_reply_to_a_refused_frame_carries_its_ref()
    {
        var (_, error) = V1Protocol.Decode(Wire.Bytes("""{"type":"join","ref":"abc","payload":{"room":"NOPE"}}"""));

        var reply = Wire.Parse(V1Protocol.EncodeError(error!));

        Assert.Equal("error", reply.GetProperty("type").GetString());
        Assert.Equal("abc", reply.GetProperty("ref").GetString());
        Assert.Equal(ErrorCodes.InvalidRoom, reply.GetProperty("payload").GetProperty("code").GetString());
        Assert.Equal(error!.Message, reply.GetProperty("payload").GetProperty("message").GetString());
    }

    [Fact]
    public void A_ref_is_counted_in_UTF16_code_units()
    {
        // 32 emoji are 64 code units: the longest ref there is. One more is too long.
        var longest = string.Concat(Enumerable.Repeat("😀", 32));
        var ok = V1Protocol.Decode(Wire.Bytes($$$"""{"type":"bye","ref":"{{{longest}}}"}"""));
        var tooLong = V1Protocol.Decode(Wire.Bytes($$$"""{"type":"bye","ref":"{{{longest}}}a"}"""));

        Assert.Equal(longest, ok.Request!.Ref);
        Assert.Equal(ErrorCodes.InvalidPacket, tooLong.Error!.Code);
    }
}
