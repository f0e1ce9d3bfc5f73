using ActorChat.Actors.Serialization;
using ActorChat.Actors.Users;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorChat.Actors.Users.UserContract;

namespace ActorChat.Actors.Tests.Serialization;

/// <summary>The users' messages and persisted events (7104) come back equal, field by field, under every manifest.</summary>
public sealed class UserMessagesSerializerTests : TestKit
{
    public UserMessagesSerializerTests()
        : base(ActorChatTestKit.Config)
    {
    }

    public static IReadOnlyList<object> Samples(IActorRef connection) =>
    [
        new Attach("alice", connection),
        new Memberships("alice", ["garden", "kitchen"]),
        new Memberships("alice", []),
        new JoinedRoom("alice", "garden"),
        new LeftRoom("alice", "garden", connection),
        new LeftRoom("alice", "garden", null),
        new LeaveForUser("garden"),
        StopUser.Instance,
        new UserRoomsSet(["garden", "ünïcode-room"]),
        new UserRoomsSet([]),
    ];

    [Fact]
    public void Every_sample_comes_back_equal_and_every_manifest_is_covered()
    {
        var ours = new UserMessagesSerializer((ExtendedActorSystem)Sys);
        var seen = new HashSet<string>();
        foreach (var sample in Samples(CreateTestProbe().Ref))
        {
            var manifest = ours.Manifest(sample);
            seen.Add(manifest);
            var copy = ours.FromBinary(ours.ToBinary(sample), manifest);
            Assert.IsType(sample.GetType(), copy);
            Assert.Equal(Describe(sample), Describe(copy));
        }

        Assert.Equal(UserMessagesSerializer.Manifests.Order(), seen.Order());
    }

    [Fact]
    public void An_unknown_manifest_or_damaged_bytes_are_a_serialization_error()
    {
        var ours = new UserMessagesSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary([], "zzz9"));
        Assert.ThrowsAny<Exception>(() => ours.FromBinary(ours.ToBinary(new JoinedRoom("alice", "garden"))[..^2], UserMessagesSerializer.JoinedManifest));
    }

    /// <summary>Records holding lists compare by reference; their text shows every field.</summary>
    private static string Describe(object message) => message switch
    {
        Memberships m => $"{m.UserId}: " + string.Join(", ", m.Rooms),
        UserRoomsSet s => "set: " + string.Join(", ", s.Rooms),
        _ => message.ToString()!,
    };
}
