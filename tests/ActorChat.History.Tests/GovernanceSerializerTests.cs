using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.History.Tests;

/// <summary>The stored format of roles and moderation: every governance event, and a snapshot's governance, read back exactly.</summary>
public sealed class GovernanceSerializerTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.FromHours(1));
    private static readonly ModerationSubject Anon = new(null, "s-1", "2001:db8::1", "troll");
    private static readonly ModerationSubject User = new("u-1", null, null, "carol");

    private readonly ActorSystem _system = ActorSystem.Create("governance-serializer-test", ChatHistory.SerializationConfig);

    public void Dispose() => _system.Dispose();

    public static TheoryData<GovernanceEvent> Events => new()
    {
        new OwnerClaimed("u-0", At),
        new RoomConfigured("u-0", At, new RoomRules(RoomVisibility.Private, false, RoomPosting.Moderators, 21600, "töpic"), ["u-1", "u-2"]),
        new RoomConfigured("u-0", At, RoomRules.Default, []),
        new RoleGranted("u-0", At, "u-1", RoomRole.Owner),
        new RoleGranted("u-0", At, "u-1", RoomRole.None),
        new MemberKicked("u-0", At, Anon, "flood"),
        new MemberKicked("u-0", At, User, null),
        new MemberBanned("u-0", At, new RoomBan(3, Anon, At.AddHours(1), "spam")),
        new MemberBanned("u-0", At, new RoomBan(4, User, null, null)),
        new MemberUnbanned("u-0", At, 3),
        new MemberMuted("u-0", At, new RoomMute(User, At.AddMinutes(5), "calm")),
        new MemberMuted("u-0", At, new RoomMute(Anon, null, null)),
        new MemberUnmuted("u-0", At, User),
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Every_governance_event_reads_back_equal(GovernanceEvent e)
    {
        var serializer = Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerFor(e));
        var manifest = serializer.Manifest(e);
        Assert.StartsWith("gov1.", manifest, StringComparison.Ordinal);
        var copy = _system.Serialization.Deserialize(serializer.ToBinary(e), serializer.Identifier, manifest);
        Assert.Equal(e, copy);
        Assert.Equal(e.At.Offset, ((GovernanceEvent)copy).At.Offset);
    }

    [Fact]
    public void A_snapshot_keeps_the_rooms_governance()
    {
        var g = new RoomGovernance("general");
        g.Apply(new OwnerClaimed("u-0", At));
        g.Apply(new RoleGranted("u-0", At, "u-1", RoomRole.Moderator));
        g.Apply(new RoomConfigured("u-0", At, new RoomRules(RoomVisibility.Public, false, RoomPosting.Everyone, 5, "t"), []));
        g.Apply(new MemberBanned("u-1", At, new RoomBan(1, Anon, null, "spam")));
        g.Apply(new MemberMuted("u-1", At, new RoomMute(User, At.AddDays(1), null)));
        var snapshot = new RoomSnapshot("general", "e", 1, 1, 6, [], [], g.ToSnapshot());
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(snapshot);
        var copy = (RoomSnapshot)_system.Serialization.Deserialize(serializer.ToBinary(snapshot), serializer.Identifier, serializer.Manifest(snapshot));
        var restored = new RoomGovernance("general");
        restored.Restore(copy.Governance!);
        Assert.Equal(("u-0", true, RoomRole.Moderator), (restored.Owner, restored.HadOwner, restored.Grants["u-1"]));
        Assert.Equal(g.Rules, restored.Rules);
        Assert.Equal(g.Audit, restored.Audit);
        Assert.Equal(g.BansInForce(At), restored.BansInForce(At));
        Assert.Equal(g.ToSnapshot().Mutes, copy.Governance!.Mutes);
        Assert.Null(((RoomSnapshot)_system.Serialization.Deserialize(serializer.ToBinary(snapshot with { Governance = null }), serializer.Identifier, "rsn2")).Governance);
    }
}
