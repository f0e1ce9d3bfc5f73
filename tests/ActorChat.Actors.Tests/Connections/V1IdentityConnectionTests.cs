using ActorChat.Actors.Users;
using ActorChat.Protocol;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>The connection's identity rules with a validator the test controls: nothing waits on a check, timers close at the right moment.</summary>
public sealed class V1IdentityConnectionTests : GatewayTestKit
{
    private static readonly UserIdentity Alice = new("alice", "Alice", [], false, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_check_in_progress_does_not_hold_the_connection_up()
    {
        var pending = new TaskCompletionSource<TokenCheck>(TaskCreationOptions.RunContinuationsAsynchronously);
        Auth = new UserAuth(AuthMode.Required, new StubValidator(_ => pending.Task), TimeSpan.Zero, TimeSpan.Zero);
        var client = Connect(Subprotocols.V1);

        client.Send("""{"type":"hello","ref":"h","payload":{"token":"t"}}""");
        client.Send("""{"type":"rooms","ref":"q"}""");

        // Answered while the check is still out: the actor is not blocked on it.
        var waiting = client.Next("error");
        Assert.Equal(("q", ErrorCodes.NoSession), (waiting.Ref, waiting.Payload.GetProperty("code").GetString()));

        pending.SetResult(TokenCheck.Valid(Alice with { ExpiresAt = Clock.GetUtcNow().AddHours(1) }));
        var welcome = client.Next("welcome");
        Assert.Equal("h", welcome.Ref);
        Assert.Equal("alice", welcome.Payload.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Alice", welcome.Payload.GetProperty("name").GetString());
    }

    [Fact]
    public void A_check_that_fails_is_an_invalid_token()
    {
        Auth = new UserAuth(AuthMode.Optional, new StubValidator(_ => Task.FromException<TokenCheck>(new InvalidOperationException("boom"))), TimeSpan.Zero, TimeSpan.Zero);
        var client = Connect(Subprotocols.V1);

        client.Send("""{"type":"hello","ref":"h","payload":{"name":"x","token":"t"}}""");

        Assert.Equal(ErrorCodes.InvalidToken, client.Next("error").Payload.GetProperty("code").GetString());
        Assert.Equal((CloseCodes.InvalidToken, "invalid token"), client.Closed());
    }

    [Fact]
    public void The_connection_closes_with_4002_only_once_its_clock_passes_exp_and_the_grace()
    {
        var grace = TimeSpan.FromMilliseconds(300);
        Auth = new UserAuth(AuthMode.Required, new StubValidator(_ => Task.FromResult(TokenCheck.Valid(Alice with { ExpiresAt = Clock.GetUtcNow() }))), TimeSpan.Zero, grace);
        var client = Connect(Subprotocols.V1);

        client.Send("""{"type":"hello","ref":"h","payload":{"token":"t"}}""");
        client.Next("welcome");

        // The timer fires after the grace, but the connection's clock has not moved: not yet.
        Thread.Sleep(grace * 3);
        Settle(client.Actor);
        Assert.True(client.Socket.Closes.IsEmpty, "Closed before its clock passed exp + grace.");

        Clock.Advance(grace + TimeSpan.FromMilliseconds(1));
        var error = client.Next("error");
        Assert.Equal(ErrorCodes.TokenExpired, error.Payload.GetProperty("code").GetString());
        Assert.Equal((CloseCodes.TokenExpired, "token expired"), client.Closed());
    }

    [Fact]
    public void A_socket_without_hello_is_closed_with_4006_at_the_deadline_and_one_with_hello_is_not()
    {
        Auth = UserAuth.Anonymous with { HelloTimeout = TimeSpan.FromMilliseconds(200) };
        var silent = Connect(Subprotocols.V1);
        var talking = Connect(Subprotocols.V1);
        talking.Send(V1Packets.Hello("bob"));
        talking.Next("welcome");

        Assert.Equal((CloseCodes.HelloTimeout, "hello timeout"), silent.Closed());

        Thread.Sleep(400);
        Settle(talking.Actor);
        Assert.True(talking.Socket.Closes.IsEmpty, "A connection that said hello was closed by the deadline.");
    }

    private sealed class StubValidator(Func<string, Task<TokenCheck>> check) : ITokenValidator
    {
        public Task<TokenCheck> ValidateAsync(string token) => check(token);
    }
}
