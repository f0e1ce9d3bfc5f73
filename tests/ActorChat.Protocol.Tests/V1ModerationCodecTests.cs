using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Tests;

/// <summary>Roles and moderation packets (PROTOCOL-V1.1 Part B): decoded with every rule on their fields, encoded in their one shape.</summary>
public sealed class V1ModerationCodecTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, ClientRequest> Accepted => new()
    {
        { """{"type":"configure","ref":"c","payload":{"room":"general","visibility":"private","anonymous":"deny","posting":"moderators","slowMode":30,"topic":"t"}}""", new ConfigureRequest("c", "general", new RoomRulesChange(RoomVisibility.Private, false, RoomPosting.Moderators, 30, "t")) },
        { """{"type":"configure","payload":{"room":"general","slowMode":0}}""", new ConfigureRequest(null, "general", new RoomRulesChange(SlowMode: 0)) },
        { """{"type":"configure","payload":{"room":"general","topic":""}}""", new ConfigureRequest(null, "general", new RoomRulesChange(Topic: "")) },
        { """{"type":"grant","ref":"g","payload":{"room":"general","user":"u-1","role":"moderator"}}""", new GrantRequest("g", "general", "u-1", RoomRole.Moderator) },
        { """{"type":"grant","payload":{"room":"general","user":"u-1","role":"none"}}""", new GrantRequest(null, "general", "u-1", RoomRole.None) },
        { """{"type":"grant","payload":{"room":"general","user":"u-1","role":"owner"}}""", new GrantRequest(null, "general", "u-1", RoomRole.Owner) },
        { """{"type":"bans","ref":"b","payload":{"room":"general"}}""", new BansRequest("b", "general") },
        { """{"type":"kick","payload":{"room":"general","target":{"name":"troll"},"reason":"flood"}}""", new ModerateRequest(null, "general", ModerationAction.Kick, new TargetSpec(null, "troll"), null, "flood") },
        { """{"type":"ban","payload":{"room":"general","target":{"user":"u-2"},"duration":3600}}""", new ModerateRequest(null, "general", ModerationAction.Ban, new TargetSpec("u-2", null), 3600, null) },
        { """{"type":"unban","payload":{"room":"general","ban":7}}""", new ModerateRequest(null, "general", ModerationAction.Unban, new TargetSpec(null, null, 7), null, null) },
        { """{"type":"unban","payload":{"room":"general","target":{"name":"troll"}}}""", new ModerateRequest(null, "general", ModerationAction.Unban, new TargetSpec(null, "troll"), null, null) },
        { """{"type":"mute","payload":{"room":"general","target":{"user":"u-2","extra":1}}}""", new ModerateRequest(null, "general", ModerationAction.Mute, new TargetSpec("u-2", null), null, null) },
        { """{"type":"unmute","payload":{"room":"general","target":{"name":"x"}}}""", new ModerateRequest(null, "general", ModerationAction.Unmute, new TargetSpec(null, "x"), null, null) },
        { """{"type":"audit","ref":"a","payload":{"room":"general","before":10,"limit":5}}""", new AuditRequest("a", "general", 10, 5) },
        { """{"type":"audit","payload":{"room":"general"}}""", new AuditRequest(null, "general", null, 50) },
    };

    public static TheoryData<string> Refused =>
    [
        """{"type":"configure","ref":"r","payload":{"room":"general"}}""",
        """{"type":"configure","ref":"r","payload":{"room":"general","visibility":"hidden"}}""",
        """{"type":"configure","ref":"r","payload":{"room":"general","slowMode":21601}}""",
        """{"type":"configure","ref":"r","payload":{"room":"general","slowMode":-1}}""",
        $$$"""{"type":"configure","ref":"r","payload":{"room":"general","topic":"{{{new string('t', 201)}}}"}}""",
        """{"type":"grant","ref":"r","payload":{"room":"general","user":"u","role":"admin"}}""",
        """{"type":"grant","ref":"r","payload":{"room":"general","role":"member"}}""",
        """{"type":"grant","ref":"r","payload":{"room":"general","user":"","role":"member"}}""",
        """{"type":"kick","ref":"r","payload":{"room":"general"}}""",
        """{"type":"kick","ref":"r","payload":{"room":"general","target":{}}}""",
        """{"type":"kick","ref":"r","payload":{"room":"general","target":{"user":"u","name":"n"}}}""",
        """{"type":"kick","ref":"r","payload":{"room":"general","target":"troll"}}""",
        """{"type":"ban","ref":"r","payload":{"room":"general","target":{"name":"n"},"duration":0}}""",
        $$$"""{"type":"ban","ref":"r","payload":{"room":"general","target":{"name":"n"},"reason":"{{{new string('r', 201)}}}"}}""",
        """{"type":"unban","ref":"r","payload":{"room":"general"}}""",
        """{"type":"audit","ref":"r","payload":{"room":"general","limit":101}}""",
    ];

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Decodes(string frame, ClientRequest expected)
    {
        var (request, error) = V1Protocol.Decode(Wire.Bytes(frame));
        Assert.Null(error);
        Assert.Equal(expected, request);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_as_invalid_packet_with_the_ref(string frame)
    {
        var (request, error) = V1Protocol.Decode(Wire.Bytes(frame));
        Assert.Null(request);
        Assert.Equal((ErrorCodes.InvalidPacket, "r"), (error!.Code, error.Ref));
    }

    [Fact]
    public void Joined_carries_role_settings_and_muted_until()
    {
        var entered = new RoomEntered("general", "j", "alice", new StreamPosition("e", 0), ["alice"], 1, [], null, RoomRole.Owner, new RoomRules(RoomVisibility.Private, false, RoomPosting.Moderators, 30, "hi"), true, null);
        var payload = Wire.Parse(RoomEventEncoders.V1.Entered(entered)[0]).GetProperty("payload");
        Assert.Equal("owner", payload.GetProperty("role").GetString());
        Assert.Equal("""{"visibility":"private","anonymous":"deny","posting":"moderators","slowMode":30,"topic":"hi"}""", payload.GetProperty("settings").GetRawText());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, payload.GetProperty("mutedUntil").ValueKind);
        var plain = Wire.Parse(RoomEventEncoders.V1.Entered(entered with { Muted = false })[0]).GetProperty("payload");
        Assert.False(plain.TryGetProperty("mutedUntil", out _));
    }

    [Fact]
    public void Each_reply_and_event_has_its_shape()
    {
        Assert.Equal(
            """{"type":"moderated","ref":"m","payload":{"room":"general","action":"ban","target":{"user":"u-1"}}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new ModeratedFact("general", "m", ModerationAction.Ban, new ModerationTarget("u-1", null)))));
        Assert.Equal(
            """{"type":"granted","ref":"g","payload":{"room":"general","user":"u-1","role":"member"}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new GrantedFact("general", "g", "u-1", RoomRole.Member))));
        Assert.Equal(
            """{"type":"bans","ref":"b","payload":{"room":"general","bans":[{"id":3,"name":"troll","until":null,"reason":null},{"id":4,"user":"u","name":"u","until":"2026-12-07T12:00:00.000Z","reason":"spam"}]}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new BansFact("general", "b", [new BanView(3, null, "troll", null, null), new BanView(4, "u", "u", At, "spam")]))));
        Assert.Equal(
            """{"type":"muted","payload":{"room":"general","by":"mod","until":"2026-12-07T12:00:00.000Z","reason":null}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new MutedFact("general", "mod", At, null))));
        Assert.Equal(
            """{"type":"room","payload":{"room":"general","settings":{"visibility":"public","anonymous":"allow","posting":"everyone","slowMode":0,"topic":""}}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new RoomRulesChangedFact("general", RoomRules.Default))));
        Assert.Equal(
            """{"type":"audit","ref":"a","payload":{"room":"general","entries":[{"seq":1,"at":"2026-12-07T12:00:00.000Z","by":"o","action":"grant","target":{"user":"u"},"role":"moderator"},{"seq":2,"at":"2026-12-07T12:00:00.000Z","by":"o","action":"ban","target":{"name":"t"},"reason":"spam","until":"2026-12-07T12:00:00.000Z"}],"more":true}}""",
            Wire.Text(V1Protocol.EncodeGovernance(new AuditFact("general", "a", [new AuditEntry(1, At, "o", "grant", new ModerationTarget("u", null), null, null, null, RoomRole.Moderator), new AuditEntry(2, At, "o", "ban", new ModerationTarget(null, "t"), null, "spam", At, null)], true))));
        Assert.Equal(
            """{"type":"removed","payload":{"room":"general","action":"kick","by":"mod","reason":"flood"}}""",
            Wire.Text(V1Protocol.EncodeRemoved("general", "kick", "mod", "flood", null)));
        Assert.Equal(
            """{"type":"error","ref":"s","payload":{"code":"slow-mode","message":"Slow.","retryAfter":7}}""",
            Wire.Text(V1Protocol.EncodeRefusal("s", ErrorCodes.SlowMode, "Slow.", null, null, 7)));
        Assert.Equal(
            """{"type":"error","ref":"j","payload":{"code":"banned","message":"Banned.","until":null,"reason":"spam"}}""",
            Wire.Text(V1Protocol.EncodeRefusal("j", ErrorCodes.Banned, "Banned.", null, "spam", null)));
        Assert.Null(RoomEventEncoders.Beej.Governance(new MutedFact("lobby", "mod", null, null)));
    }
}
