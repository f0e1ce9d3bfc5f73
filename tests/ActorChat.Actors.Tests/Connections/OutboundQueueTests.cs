using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>
/// The outbound side every connection shares (<see cref="ConnectionActor"/>), and the gateway's
/// part in a connection's life: frames written in order one at a time, bounded, flushed before a
/// graceful close; a connection that ends or fails is stopped.
/// </summary>
public sealed class OutboundQueueTests : GatewayTestKit
{
    private static ConnectionActor.Deliver Message(string text) => new(ChatProtocol.EncodeMessage("bob", text));

    [Theory]
    [InlineData(Subprotocols.Beej)]
    [InlineData(Subprotocols.V1)]
    public void Writes_delivered_frames_in_order_one_at_a_time(string subprotocol)
    {
        var client = Connect(subprotocol);
        client.Socket.HoldSends = true;
        for (var i = 0; i < 50; i++)
        {
            client.Actor.Tell(Message($"m{i}"));
        }

        for (var i = 0; i < 50; i++)
        {
            WaitUntil(() => client.Socket.Sent.Count == i + 1);
            Assert.Equal($"m{i}", Packets.Read(client.Socket.Sent.ToArray()[i]).Payload.Str("message"));
            Assert.True(client.Socket.ReleaseOne());
        }

        Assert.False(client.Socket.Overlapped);
    }

    [Fact]
    public void Closes_a_slow_consumer_with_3008_when_its_queue_exceeds_the_bound()
    {
        var frame = ChatProtocol.EncodeMessage("bob", new string('x', 100));
        ChatLimits = ChatLimits with { MaxOutboundBytes = frame.Length * 10 };
        var client = Connect(Subprotocols.V1);
        client.Socket.HoldSends = true;
        for (var i = 0; i < 10; i++)
        {
            client.Actor.Tell(new ConnectionActor.Deliver(frame));
        }

        Settle(client.Actor);
        Assert.Empty(client.Socket.Closes);
        client.Actor.Tell(new ConnectionActor.Deliver(frame));
        Assert.Equal((CloseCodes.SlowConsumer, "slow consumer"), client.Closed());
        Assert.Single(client.Socket.Sent);
    }

    [Fact]
    public void A_graceful_close_flushes_the_queue_first()
    {
        var client = Connect(Subprotocols.V1);
        client.Socket.HoldSends = true;
        client.Actor.Tell(Message("one"));
        client.Actor.Tell(Message("two"));
        client.Actor.Tell(new ConnectionActor.Close(CloseCodes.GoingAway, "server shutting down"));
        WaitUntil(() => client.Socket.Sent.Count == 1);
        Assert.Empty(client.Socket.Closes);
        client.Socket.ReleaseOne();
        WaitUntil(() => client.Socket.Sent.Count == 2);
        Assert.Empty(client.Socket.Closes);
        client.Socket.ReleaseOne();
        Assert.Equal((CloseCodes.GoingAway, "server shutting down"), client.Closed());

        // Closing: nothing more is written.
        client.Actor.Tell(Message("three"));
        Settle(client.Actor);
        Assert.Equal(2, client.Socket.Sent.Count);
    }

    [Theory]
    [InlineData(Subprotocols.Beej)]
    [InlineData(Subprotocols.V1)]
    public void Stops_when_the_socket_closed_and_the_gateway_forgets_it(string subprotocol)
    {
        var client = Connect(subprotocol);
        Watch(client.Actor);
        Assert.Equal(1, GatewayStatus().Connections);
        client.Actor.Tell(ConnectionActor.SocketClosed.Instance);
        ExpectTerminated(client.Actor);
        AwaitAssert(() => Assert.Equal(0, GatewayStatus().Connections), null, PollInterval);
    }

    /// <summary>
    /// A real exception in a connection the gateway created: the gateway stops it (a restart would
    /// leave the actor alive, its socket closed and its rooms none the wiser), and its socket is closed
    /// with 1011 once; the other connections go on.
    /// </summary>
    [Fact]
    public void A_connection_that_throws_is_stopped_by_the_gateway_and_closes_its_socket_with_1011()
    {
        var client = Connect(Subprotocols.Beej);
        var other = Connect(Subprotocols.Beej);
        Watch(client.Actor);
        client.Actor.Tell(Message("before"));
        WaitUntil(() => client.Socket.Sent.Count == 1);

        // A Deliver without a frame list: OnDeliver throws a NullReferenceException.
        client.Actor.Tell(new ConnectionActor.Deliver((IReadOnlyList<ReadOnlyMemory<byte>>)null!));

        ExpectTerminated(client.Actor);
        Assert.Equal((CloseCodes.InternalError, "internal error"), Assert.Single(client.Socket.Closes));
        AwaitAssert(() => Assert.Equal(1, GatewayStatus().Connections), null, PollInterval);

        other.Send(Packets.Join("alice"));
        Assert.Equal(PacketTypes.Join, other.Next().Type);
        Assert.Empty(other.Socket.Closes);
    }

    [Fact]
    public void Draining_closes_every_connection_with_1001_and_closes_new_ones_at_once()
    {
        var clients = new[] { Connect(Subprotocols.Beej), Connect(Subprotocols.V1), Connect(Subprotocols.Beej) };
        Gateway.Tell(new ChatGateway.Drain(TimeSpan.FromMilliseconds(200)));
        foreach (var client in clients)
        {
            Assert.Equal((CloseCodes.GoingAway, "server shutting down"), client.Closed());
        }

        Assert.True(GatewayStatus().Draining);
        var late = Connect(Subprotocols.V1);
        Assert.Equal((CloseCodes.GoingAway, "server shutting down"), late.Closed());
    }
}
