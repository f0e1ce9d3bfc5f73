using System.Reflection;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Serialization;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Sessions;
using Akka.Actor;

namespace ActorChat.Actors.Tests.Serialization;

/// <summary>
/// The one registration (<see cref="ChatSerialization"/>) covers every message: each message record
/// of the actors' assembly is bound to an ActorChat serializer or listed here as local with a
/// reason (a new message fails until it is one or the other), and every bound type has a sample that
/// goes through Akka's serialization as a remote hop does it (FindSerializerFor, its manifest,
/// Deserialize by id and manifest) and comes back as the same type with the same bytes.
/// </summary>
public sealed class BindingsTests : ActorChatTestKit
{
    /// <summary>Message records that never leave their node (or the actor), so need no binding.</summary>
    private static readonly Dictionary<Type, string> LocalOnly = new()
    {
        [typeof(SessionEntity.CheckExpiry)] = "the entity's own timer",
        [typeof(SessionEntity.StopSession)] = "sharding's stop message, told by the local shard",
        [typeof(NameEntity.StopName)] = "sharding's stop message, told by the local shard",
        [typeof(EntityHost.Stopping)] = "between an entity host and its child",
        [typeof(ChatGateway.Connect)] = "the host to its gateway: holds the socket",
        [typeof(ChatGateway.Drain)] = "the host to its gateway",
        [typeof(ChatGateway.GetStatus)] = "the host's readiness check to its gateway",
        [typeof(ChatGateway.Status)] = "the gateway's answer to the host",
        [typeof(ConnectionActor.FrameReceived)] = "the socket's reader to its connection actor",
        [typeof(ConnectionActor.ClientClosed)] = "the socket's reader to its connection actor",
        [typeof(ConnectionActor.SocketClosed)] = "the socket's reader to its connection actor",
        [typeof(ConnectionActor.Close)] = "to a connection actor from its own node",
        [typeof(NodeRelay.Delivery)] = "a part of NodeRelay.FanOut, never sent alone",
        [typeof(RoomContract.JoinIdentity)] = "a part of RoomContract.Enter, never sent alone",
        [typeof(RoomContract.Occupancy)] = "a room to its node's directory (directories share lists through DistributedData)",
        [typeof(RoomContract.ListRooms)] = "a connection to its node's directory",
        [typeof(RoomContract.RoomList)] = "the node's directory to a connection",
        [typeof(RoomContract.GetRoomCount)] = "the host's metrics to its node's directory",
        [typeof(RoomContract.RoomCount)] = "the node's directory to the host's metrics",
        [typeof(RoomContract.PresentMember)] = "a part of RoomContract.PresenceList, never sent alone",
        [typeof(ChatGateway.ToRoom)] = "the host's server API to its gateway",
        [typeof(ChatGateway.ToServer)] = "the host's server API to its gateway",
        [typeof(ChatGateway.ToName)] = "the host's server API to its gateway",
        [typeof(ChatGateway.ServerLinks)] = "what a gateway is created with",
        [typeof(ActorChat.Actors.Server.ServerControlContract.ConnectionBans)] = "a gateway to its connections",
        [typeof(ActorChat.Actors.Server.ServerControlContract.ServerBan)] = "a part of the control messages, never sent alone",
        [typeof(SessionContract.GetSessionCount)] = "the host's metrics to its node's session front",
        [typeof(SessionContract.SessionCount)] = "the node's session front to the host's metrics",
    };

    /// <summary>
    /// The message records of the actors' assembly: public records nested in a public type (a
    /// contract or an actor), and the sessions' persisted events. (The rooms' persisted events are
    /// bound with the history's serializer, in ActorChat.History: HistorySerializerTests.)
    /// </summary>
    private static IEnumerable<Type> MessageRecords() => typeof(ChatNode).Assembly.GetTypes().Where(t =>
        t is { IsClass: true, IsAbstract: false, IsGenericType: false }
        && t.GetMethod("<Clone>$") is not null
        && ((t.IsNestedPublic && t.DeclaringType is { IsPublic: true })
            || typeof(ISessionEvent).IsAssignableFrom(t)));

    private static bool IsOurs(Akka.Serialization.Serializer serializer) => serializer is RoomMessagesSerializer or SessionMessagesSerializer or ServerControlSerializer or UserMessagesSerializer;

    [Fact]
    public void Every_message_record_is_bound_to_an_ActorChat_serializer_or_known_to_be_local()
    {
        var candidates = MessageRecords().ToList();
        Assert.Contains(typeof(SessionEntity.StateReply), candidates);
        var unbound = candidates
            .Where(t => !LocalOnly.ContainsKey(t) && !IsOurs(Sys.Serialization.FindSerializerForType(t)))
            .Select(t => t.FullName)
            .Order()
            .ToList();
        Assert.True(unbound.Count == 0, "Bind these in ChatSerialization, or list them here as local: " + string.Join(", ", unbound));
    }

    [Fact]
    public void Every_bound_type_has_a_sample_that_survives_a_remote_hop()
    {
        var samples = RoomMessagesSerializerTests.Samples(CreateTestProbe().Ref, CreateTestProbe().Ref)
            .Concat(SessionMessagesSerializerTests.Samples(CreateTestProbe().Ref))
            .Concat(ServerControlSerializerTests.Samples())
            .Concat(UserMessagesSerializerTests.Samples(CreateTestProbe().Ref))
            .ToList();
        var bound = ChatSerialization.RoomTypes.Concat(ChatSerialization.SessionTypes).Concat(ChatSerialization.ServerTypes).Concat(ChatSerialization.UserTypes)
            .SelectMany(t => t.IsInterface ? typeof(ChatNode).Assembly.GetTypes().Where(c => t.IsAssignableFrom(c) && c is { IsInterface: false, IsAbstract: false }) : t.IsAbstract ? typeof(ChatNode).Assembly.GetTypes().Where(c => t.IsAssignableFrom(c) && !c.IsAbstract) : [t])
            .Distinct()
            .ToList();
        Assert.Contains(typeof(RoomContract.Enter), bound);
        Assert.Empty(bound.Where(t => !samples.Any(s => s.GetType() == t)).Select(t => t.FullName));

        foreach (var sample in samples)
        {
            var serializer = Sys.Serialization.FindSerializerFor(sample);
            Assert.True(IsOurs(serializer), $"{sample.GetType()} goes to {serializer.GetType().Name}");
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            var bytes = serializer.ToBinary(sample);
            var copy = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(sample.GetType(), copy);
            Assert.Equal(bytes, Sys.Serialization.FindSerializerFor(copy).ToBinary(copy));
        }
    }
}
