using ActorChat.Protocol.Api;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>The server API's JSON: a publish body read, the ack body of an API post, a history page as v1 writes it, and via in a message.</summary>
public sealed class ApiRepliesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_publish_body_is_read_with_every_field_and_without_the_optional_ones()
    {
        Assert.True(ApiReplies.TryReadPublish("""{"text":"hi","from":"Ops","cid":"c-1","replyTo":7,"extra":true}"""u8, out var full, out _));
        Assert.Equal(new PublishRequest("hi", "Ops", "c-1", 7), full);

        Assert.True(ApiReplies.TryReadPublish("""{"text":"hi"}"""u8, out var plain, out _));
        Assert.Equal(new PublishRequest("hi", null, null, null), plain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"text":1}""")]
    [InlineData("""{"text":"hi","replyTo":"7"}""")]
    [InlineData("""{"text":"hi"} trailing""")]
    [InlineData("""{"text":"hi",""")]
    public void A_body_that_is_not_a_publish_request_is_refused_with_words(string body)
    {
        Assert.False(ApiReplies.TryReadPublish(System.Text.Encoding.UTF8.GetBytes(body), out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void The_ack_of_an_api_post_is_the_published_body()
    {
        var body = ApiReplies.Encoder.Acked(new PostAcked("news", null, 42));

        Assert.Equal("""{"room":"news","offset":42}""", Wire.Text(body!.Value));
    }

    [Fact]
    public void A_history_page_is_the_v1_history_payload_as_written_via_included()
    {
        var messages = new[] { new ChatMessage("news", 1, "server", "up", At, "c", ChatMessage.ViaApi), new ChatMessage("news", 2, "alice", "ok", At, null) };
        var frame = V1Protocol.EncodeHistory("r", "news", messages, more: true);

        var payload = Wire.Text(ApiReplies.HistoryPayload(frame));

        Assert.Equal(
            """{"room":"news","messages":[{"room":"news","offset":1,"from":"server","text":"up","at":"2026-12-07T09:30:00.123Z","cid":"c","via":"api"},{"room":"news","offset":2,"from":"alice","text":"ok","at":"2026-12-07T09:30:00.123Z"}],"more":true}""",
            payload);
    }
}
