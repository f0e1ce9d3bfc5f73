using System.Text;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>Identity on the wire (PROTOCOL-V1.1 Part A): <c>hello {token}</c>, <c>refresh</c>, <c>welcome.user</c>, <c>refreshed</c>.</summary>
public sealed class V1IdentityProtocolTests
{
    [Fact]
    public void Hello_carries_a_token_and_may_leave_the_name_out_only_with_one()
    {
        var (request, _) = V1Protocol.Decode("""{"type":"hello","ref":"h","payload":{"token":"a.b.c","session":"s"}}"""u8);
        var hello = Assert.IsType<HelloRequest>(request);
        Assert.Equal(("h", "", "s", "a.b.c"), (hello.Ref, hello.Name, hello.Session, hello.Token));

        var (withName, _) = V1Protocol.Decode("""{"type":"hello","payload":{"name":"alice","token":null}}"""u8);
        Assert.Null(Assert.IsType<HelloRequest>(withName).Token);

        var (_, missing) = V1Protocol.Decode("""{"type":"hello","ref":"h","payload":{}}"""u8);
        Assert.Equal((ErrorCodes.InvalidPacket, "h"), (missing!.Code, missing.Ref));
    }

    [Theory]
    [InlineData("""{"type":"hello","payload":{"name":"a","token":5}}""")]
    [InlineData("""{"type":"hello","payload":{"name":"a","token":""}}""")]
    [InlineData("""{"type":"hello","payload":{"name":"a","token":"x","token":"y"}}""")]
    [InlineData("""{"type":"refresh","payload":{}}""")]
    [InlineData("""{"type":"refresh","payload":{"token":null}}""")]
    [InlineData("""{"type":"refresh","payload":{"token":""}}""")]
    [InlineData("""{"type":"refresh","payload":{"token":["a"]}}""")]
    public void A_token_that_is_not_a_non_empty_string_is_an_invalid_packet(string frame)
    {
        var (request, error) = V1Protocol.Decode(Encoding.UTF8.GetBytes(frame));

        Assert.Null(request);
        Assert.Equal(ErrorCodes.InvalidPacket, error!.Code);
    }

    [Fact]
    public void Refresh_decodes_its_token_and_a_request_never_shows_a_token()
    {
        var (request, _) = V1Protocol.Decode("""{"type":"refresh","ref":"f","payload":{"token":"secret.token.here"}}"""u8);

        var refresh = Assert.IsType<RefreshRequest>(request);
        Assert.Equal(("f", "secret.token.here"), (refresh.Ref, refresh.Token));
        Assert.DoesNotContain("secret", refresh.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", new HelloRequest(null, "a", "secret-session") { Token = "secret.token" }.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Welcome_names_the_user_and_the_expiry_or_nulls_for_an_anonymous_member()
    {
        var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(
            """{"type":"welcome","ref":"r1","payload":{"session":"tok","name":"Alice","resumed":false,"rooms":["lobby"],"user":{"id":"alice","name":"Alice","roles":["admin"]},"expiresAt":"2026-12-07T12:00:00.000Z"}}""",
            Wire.Text(V1Protocol.EncodeWelcome("r1", "tok", "Alice", false, ["lobby"], "alice", ["admin"], at)));
        Assert.Equal(
            """{"type":"welcome","payload":{"session":"tok","name":"bob","resumed":true,"rooms":[],"user":{"id":null,"name":"bob","roles":[]},"expiresAt":null}}""",
            Wire.Text(V1Protocol.EncodeWelcome(null, "tok", "bob", true, [], null, [], null)));
    }

    [Fact]
    public void Refreshed_carries_the_new_expiry()
    {
        Assert.Equal(
            """{"type":"refreshed","ref":"f","payload":{"expiresAt":"2026-12-07T12:00:00.000Z"}}""",
            Wire.Text(V1Protocol.EncodeRefreshed("f", new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero))));
    }
}
