namespace ActorChat.Protocol.V1;

/// <summary><c>configure {room, visibility?, anonymous?, posting?, slowMode?, topic?}</c>.</summary>
public sealed record ConfigureRequest(string? Ref, string Room, RoomRulesChange Change) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Configure;
}

/// <summary><c>grant {room, user, role}</c>: <paramref name="Role"/> owner, moderator, member or none.</summary>
public sealed record GrantRequest(string? Ref, string Room, string User, RoomRole Role) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Grant;
}

/// <summary><c>bans {room}</c>.</summary>
public sealed record BansRequest(string? Ref, string Room) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Bans;
}

/// <summary>
/// <c>kick</c>, <c>ban</c>, <c>unban</c>, <c>mute</c>, <c>unmute</c> <c>{room, target, duration?, reason?}</c>;
/// <c>unban</c> takes <c>{ban: id}</c> as well as a target. <paramref name="Duration"/> in seconds (ban, mute).
/// </summary>
public sealed record ModerateRequest(string? Ref, string Room, ModerationAction Action, TargetSpec Target, long? Duration, string? Reason) : ClientRequest(Ref)
{
    public override string Type => Action switch
    {
        ModerationAction.Kick => V1PacketTypes.Kick,
        ModerationAction.Ban => V1PacketTypes.Ban,
        ModerationAction.Unban => V1PacketTypes.Unban,
        ModerationAction.Mute => V1PacketTypes.Mute,
        _ => V1PacketTypes.Unmute,
    };
}

/// <summary><c>audit {room, before?, limit?}</c>: <paramref name="Before"/> an entry's <c>seq</c>; <paramref name="Limit"/> 1–100 (default 50).</summary>
public sealed record AuditRequest(string? Ref, string Room, long? Before, int Limit) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Audit;
}

/// <summary><c>delete {room, offset, reason?}</c>: the author, or a moderator and above, deletes a kept message.</summary>
public sealed record DeleteRequest(string? Ref, string Room, long Offset, string? Reason) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Delete;
}
