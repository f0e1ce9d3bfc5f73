using ActorChat.Actors.Sessions;
using ActorChat.Actors.Tests.Connections;
using ActorChat.Actors.Tests.Rooms;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ActorChat.Actors.Tests.Serialization;

/// <summary>
/// Akka serializes every message an actor is told and delivers the copy read back
/// (<c>serialize-messages = on</c>), so the flows below run on messages that went through their
/// serializers as if they had crossed nodes: a room request, reply or delivery without a faithful
/// layout fails these tests even where one node never serializes it. Messages that never leave
/// their node are marked <see cref="Akka.Actor.INoSerializationVerificationNeeded"/> where they are
/// declared. Props are not serialized (<c>serialize-creators = off</c>): they close over loggers
/// and settings, and are never sent to another node.
/// </summary>
public static class SerializedMessages
{
    public static readonly Config Config = ConfigurationFactory.ParseString(
        """
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        """);

    /// <summary>
    /// The connection flows also exchange the session registry's messages, whose wire format is the
    /// sessions serializer's (7102): without it they fall to Akka's default JSON, which cannot read
    /// back <see cref="SessionContract.Welcomed"/>'s room list, and every test would time out
    /// waiting for its <c>welcome</c>. Fails the test at once, saying so, instead.
    /// </summary>
    public static void RequireSessionSerializer(ActorSystem system)
    {
        var serializer = system.Serialization.FindSerializerForType(typeof(SessionContract.Welcomed));
        if (serializer is NewtonSoftJsonSerializer)
        {
            throw new InvalidOperationException(
                "SessionContract.Welcomed has no serializer of its own (the sessions serializer, id 7102, is not bound): the connection flows cannot run with serialize-messages on.");
        }
    }
}

/// <summary><see cref="V1ConnectionTests"/> with every message serialized: sessions, joins, resume, messages and presence.</summary>
public sealed class V1ConnectionSerializedTests : V1ConnectionTests
{
    public V1ConnectionSerializedTests()
        : base(SerializedMessages.Config) => SerializedMessages.RequireSessionSerializer(Sys);
}

/// <summary><see cref="BeejConnectionTests"/> with every message serialized: the lobby's listen ack, chat, joins and leaves.</summary>
public sealed class BeejConnectionSerializedTests : BeejConnectionTests
{
    public BeejConnectionSerializedTests()
        : base(SerializedMessages.Config) => SerializedMessages.RequireSessionSerializer(Sys);
}

/// <summary><see cref="RoomActorMessageTests"/> with every message serialized: enter, post, acks, batches.</summary>
public sealed class RoomActorMessageSerializedTests() : RoomActorMessageTests(SerializedMessages.Config);

/// <summary><see cref="RoomActorHistoryTests"/> with every message serialized: history pages, journal reads, resume with since.</summary>
public sealed class RoomActorHistorySerializedTests() : RoomActorHistoryTests(SerializedMessages.Config);

/// <summary><see cref="RoomActorPresenceTests"/> with every message serialized: presence diffs, renames, grace.</summary>
public sealed class RoomActorPresenceSerializedTests() : RoomActorPresenceTests(SerializedMessages.Config);

/// <summary><see cref="RoomActorLifecycleTests"/> with every message serialized: passivation and stop (not a rejected write: <see cref="RoomActorTestKit.CanRejectWrites"/>).</summary>
public sealed class RoomActorLifecycleSerializedTests() : RoomActorLifecycleTests(SerializedMessages.Config);

/// <summary>The room's governance under serialized messages: every request, refusal and removal through its layout.</summary>
public sealed class RoomActorGovernanceSerializedTests() : RoomActorGovernanceTests(SerializedMessages.Config);
