using System.Globalization;
using System.Text.Json;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>
/// What a client writes with an ordinary JSON library decodes to what it meant, and what the server
/// writes reads back as what it encoded, for values that need escaping.
/// </summary>
public sealed class V1RoundTripTests
{
    public static TheoryData<string> Texts => new()
    {
        "hi",
        "",
        "  spaced  ",
        "\"quotes\" and \\backslashes\\",
        "line\nbreak\r\ntab\t and nul \0",
        "</script><b>&amp;</b>'",
        "é ñ 中文 العربية 😀 👩‍👩‍👧",
        "\u2028\u2029\u200b",
        new string('x', 4000),
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Client_requests_written_by_a_JSON_library_decode_to_their_values(string text)
    {
        var cid = text.Length is > 0 and <= V1Protocol.MaxIdLength ? text : "c";
        var expected = new ClientRequest[]
        {
            new HelloRequest("r1", text, text),
            new JoinRequest("r2", "my-room_1", new StreamPosition(text, 12), 7),
            new LeaveRequest(cid, "lobby"),
            new RoomsRequest(null),
            new SendRequest("r4", "lobby", text, cid),
            new HistoryRequest("r5", "lobby", 99, 100),
            new RenameRequest("r6", text),
            new ByeRequest("r7"),
        };

        foreach (var request in expected)
        {
            var (decoded, error) = V1Protocol.Decode(Write(request));

            Assert.Null(error);
            Assert.Equal(request, decoded);
        }
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void A_message_reads_back_as_the_message_encoded(string text)
    {
        var message = new ChatMessage("lobby", 41, "nämé", text, new DateTimeOffset(2026, 11, 26, 9, 30, 0, 123, TimeSpan.Zero), "c\"1");

        var payload = Wire.Parse(V1Protocol.EncodeMessage(message)).GetProperty("payload");
        var read = new ChatMessage(
            payload.GetProperty("room").GetString()!,
            payload.GetProperty("offset").GetInt64(),
            payload.GetProperty("from").GetString()!,
            payload.GetProperty("text").GetString()!,
            DateTimeOffset.Parse(payload.GetProperty("at").GetString()!, CultureInfo.InvariantCulture),
            payload.GetProperty("cid").GetString());

        Assert.Equal(message, read);
    }

    [Fact]
    public void Frames_are_ASCII_so_any_client_can_read_them()
    {
        var frame = V1Protocol.EncodeMessage(new ChatMessage("lobby", 1, "é", "中文 😀", DateTimeOffset.UnixEpoch, null));

        Assert.All(frame, b => Assert.True(b < 0x80));
    }

    /// <summary>The request as a client would write it: every field it has, with the library's own escaping.</summary>
    private static byte[] Write(ClientRequest request)
    {
        var payload = new Dictionary<string, object?>();
        switch (request)
        {
            case HelloRequest hello:
                payload["name"] = hello.Name;
                payload["session"] = hello.Session;
                break;
            case JoinRequest join:
                payload["room"] = join.Room;
                payload["since"] = join.Since is { } since ? new Dictionary<string, object> { ["epoch"] = since.Epoch, ["offset"] = since.Offset } : null;
                payload["limit"] = join.Limit;
                break;
            case LeaveRequest leave:
                payload["room"] = leave.Room;
                break;
            case SendRequest send:
                payload["room"] = send.Room;
                payload["text"] = send.Text;
                payload["cid"] = send.Cid;
                break;
            case HistoryRequest history:
                payload["room"] = history.Room;
                payload["before"] = history.Before;
                payload["limit"] = history.Limit;
                break;
            case RenameRequest rename:
                payload["name"] = rename.Name;
                break;
            default:
                break;
        }

        var envelope = new Dictionary<string, object?> { ["type"] = request.Type, ["ref"] = request.Ref, ["payload"] = payload };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }
}
