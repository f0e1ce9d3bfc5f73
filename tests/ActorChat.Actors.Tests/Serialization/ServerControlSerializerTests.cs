using ActorChat.Actors.Serialization;
using ActorChat.Actors.Server;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Tests.Serialization;

/// <summary>The server control messages and persisted acts (7103) come back equal, field by field, under every manifest.</summary>
public sealed class ServerControlSerializerTests : TestKit
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 23, 59, 1, TimeSpan.Zero);

    public ServerControlSerializerTests()
        : base(ActorChatTestKit.Config)
    {
    }

    public static IReadOnlyList<object> Samples()
    {
        var userBan = new ServerBan(7, "bob", null, At, At.AddHours(1), "abuse", "api");
        var addressBan = new ServerBan(8, null, "fd00000000000001/64", At, null, null, "api");
        return
        [
            new BanServerWide("bob", null, 3600, "abuse", "api"),
            new BanServerWide(null, "10.0.0.1", null, null, "api"),
            new LiftServerBan(7, "api"),
            GetServerBans.Instance,
            new DisconnectServerWide("bob", null, "password changed", "api"),
            new DisconnectServerWide(null, "s-1", null, "api"),
            new BanIssued(userBan),
            new BanLifted(7),
            new BansInForce([userBan, addressBan], 12),
            new BansInForce([]),
            new DisconnectIssued(null, "s-1", At),
            new ControlRefused("not-found", "No such ban."),
            new BansChanged([addressBan], 13),
            new DisconnectOrder("bob", null, "why"),
            StopControl.Instance,
            new GetServerAudit(null, 50),
            new GetServerAudit(7, 1),
            new ServerAudit([new ServerAuditEntry(1, At, "api", "ban", "bob", null, null, 7, "abuse", At.AddHours(1)), new ServerAuditEntry(2, At, "api", "disconnect", null, null, "s-1", null, null, null)], true),
            new ServerAudit([], false),
            new ServerBanned(userBan),
            new ServerBanned(addressBan),
            new ServerUnbanned(7, At, "api"),
            new ServerDisconnected(null, "s-1", "why", At, "api"),
        ];
    }

    [Fact]
    public void Every_sample_comes_back_equal_and_every_manifest_is_covered()
    {
        var ours = new ServerControlSerializer((ExtendedActorSystem)Sys);
        var seen = new HashSet<string>();
        foreach (var sample in Samples())
        {
            var manifest = ours.Manifest(sample);
            seen.Add(manifest);
            var copy = ours.FromBinary(ours.ToBinary(sample), manifest);
            Assert.IsType(sample.GetType(), copy);
            Assert.Equal(Describe(sample), Describe(copy));
        }

        Assert.Equal(ServerControlSerializer.Manifests.Order(), seen.Order());
    }

    [Fact]
    public void An_unknown_manifest_or_damaged_bytes_are_a_serialization_error()
    {
        var ours = new ServerControlSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ours.FromBinary([], "zzz9"));
        var bytes = ours.ToBinary(new BanIssued(new ServerBan(1, "bob", null, At, null, null, "api")));
        Assert.ThrowsAny<Exception>(() => ours.FromBinary(bytes[..^2], ServerControlSerializer.BanIssuedManifest));
    }

    /// <summary>Records holding lists compare by reference; their text shows every field.</summary>
    private static string Describe(object message) => message switch
    {
        BansInForce b => $"in force at {b.Revision}: " + string.Join("; ", b.Bans),
        BansChanged b => $"changed at {b.Revision}: " + string.Join("; ", b.Bans),
        ServerAudit a => $"audit (more: {a.More}): " + string.Join("; ", a.Entries),
        _ => message.ToString()!,
    };
}
