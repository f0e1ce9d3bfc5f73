using System.Text.Json;

namespace ActorChat.Protocol.V1;

/// <summary>
/// The joiner's standing written into <c>joined</c>: its <c>role</c>, the room's <c>settings</c>, and
/// <c>mutedUntil</c> when it is muted (null: until unmuted).
/// </summary>
public sealed record JoinedStanding(RoomRole Role, RoomRules Rules, bool Muted, DateTimeOffset? MutedUntil);

/// <summary>Encoding, roles and moderation (PROTOCOL-V1.1 Part B): settings, grants, bans, moderation acts, the audit.</summary>
public static partial class V1Protocol
{
    /// <summary>The longest <c>reason</c> of a moderation act, in UTF-16 code units.</summary>
    public const int MaxReasonLength = 200;

    /// <summary>The longest <c>duration</c> of a ban or a mute, in seconds (10 years).</summary>
    public const long MaxDuration = 315_360_000;

    /// <summary>The longest user id, in UTF-16 code units (a token's <c>sub</c>).</summary>
    public const int MaxUserIdLength = 128;

    /// <summary><c>joined</c> with the joiner's standing when the room showed one.</summary>
    public static byte[] EncodeJoined(RoomEntered entered)
    {
        ArgumentNullException.ThrowIfNull(entered);
        var standing = entered.Rules is { } rules ? new JoinedStanding(entered.Role, rules, entered.Muted, entered.MutedUntil) : null;
        return EncodeJoined(entered.Ref, entered.Room, entered.Position, entered.Members, entered.MemberCount, entered.Messages, entered.Recovered, standing);
    }

    /// <summary>The frame of a roles-and-moderation fact (<see cref="GovernanceFact"/>).</summary>
    public static byte[] EncodeGovernance(GovernanceFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        switch (fact)
        {
            case RoomConfiguredFact configured:
                return Settings("configured"u8, configured.Ref, configured.Room, configured.Rules);
            case RoomRulesChangedFact changed:
                return Settings("room"u8, null, changed.Room, changed.Rules);
            case GrantedFact granted:
                {
                    using var frame = FrameWriter.Start("granted"u8, granted.Ref);
                    frame.Json.WriteString("room"u8, granted.Room);
                    frame.Json.WriteString("user"u8, granted.User);
                    frame.Json.WriteString("role"u8, RoleName(granted.Role));
                    return frame.Finish();
                }

            case BansFact bans:
                {
                    using var frame = FrameWriter.Start("bans"u8, bans.Ref);
                    var json = frame.Json;
                    json.WriteString("room"u8, bans.Room);
                    json.WriteStartArray("bans"u8);
                    foreach (var ban in bans.Bans)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("id"u8, ban.Id);
                        if (ban.User is { } user)
                        {
                            json.WriteString("user"u8, user);
                        }

                        json.WriteString("name"u8, ban.Name);
                        WriteTime(json, "until"u8, ban.Until);
                        WriteOptional(json, "reason"u8, ban.Reason, nullWhenAbsent: true);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    return frame.Finish();
                }

            case ModeratedFact moderated:
                {
                    using var frame = FrameWriter.Start("moderated"u8, moderated.Ref);
                    frame.Json.WriteString("room"u8, moderated.Room);
                    frame.Json.WriteString("action"u8, ActionName(moderated.Action));
                    WriteTarget(frame.Json, moderated.Target);
                    return frame.Finish();
                }

            case MutedFact muted:
                {
                    using var frame = FrameWriter.Start("muted"u8, null);
                    frame.Json.WriteString("room"u8, muted.Room);
                    frame.Json.WriteString("by"u8, muted.By);
                    WriteTime(frame.Json, "until"u8, muted.Until);
                    WriteOptional(frame.Json, "reason"u8, muted.Reason, nullWhenAbsent: true);
                    return frame.Finish();
                }

            case AuditFact audit:
                return EncodeAudit(audit);
            case MessageDeletedFact deleted:
                {
                    using var frame = FrameWriter.Start("deleted"u8, deleted.Ref);
                    frame.Json.WriteString("room"u8, deleted.Room);
                    frame.Json.WriteNumber("offset"u8, deleted.Offset);
                    if (deleted.By is { } by)
                    {
                        frame.Json.WriteString("by"u8, by);
                    }

                    return frame.Finish();
                }

            default:
                throw new ArgumentException($"No actorchat.v1 frame for {fact.GetType().Name}.", nameof(fact));
        }
    }

    /// <summary><c>removed {room, action, by, reason, until?}</c>: the connection is out of the room (kick, ban, the room turned private).</summary>
    public static byte[] EncodeRemoved(string room, string action, string by, string? reason, DateTimeOffset? until)
    {
        using var frame = FrameWriter.Start("removed"u8, null);
        var json = frame.Json;
        json.WriteString("room"u8, room);
        json.WriteString("action"u8, action);
        json.WriteString("by"u8, by);
        WriteOptional(json, "reason"u8, reason, nullWhenAbsent: true);
        if (action == "ban")
        {
            WriteTime(json, "until"u8, until);
        }

        return frame.Finish();
    }

    /// <summary>
    /// <c>error {code, message, until?, reason?, retryAfter?}</c>: a refusal with its details
    /// (<c>banned</c>: until and reason; <c>muted</c>: until; <c>slow-mode</c>: retryAfter, seconds).
    /// </summary>
    public static byte[] EncodeRefusal(string? requestRef, string code, string message, DateTimeOffset? until, string? reason, int? retryAfter)
    {
        using var frame = FrameWriter.Start("error"u8, requestRef);
        var json = frame.Json;
        json.WriteString("code"u8, code);
        json.WriteString("message"u8, message);
        if (code is ErrorCodes.Banned or ErrorCodes.Muted)
        {
            WriteTime(json, "until"u8, until);
        }

        if (code == ErrorCodes.Banned)
        {
            WriteOptional(json, "reason"u8, reason, nullWhenAbsent: true);
        }

        if (retryAfter is { } seconds)
        {
            json.WriteNumber("retryAfter"u8, seconds);
        }

        return frame.Finish();
    }

    /// <summary>A role as the wire writes it.</summary>
    public static string RoleName(RoomRole role) => role switch
    {
        RoomRole.Admin => "admin",
        RoomRole.Owner => "owner",
        RoomRole.Moderator => "moderator",
        RoomRole.Member => "member",
        _ => "none",
    };

    public static string ActionName(ModerationAction action) => action switch
    {
        ModerationAction.Kick => "kick",
        ModerationAction.Ban => "ban",
        ModerationAction.Unban => "unban",
        ModerationAction.Mute => "mute",
        _ => "unmute",
    };

    private static byte[] EncodeAudit(AuditFact audit)
    {
        using var frame = FrameWriter.Start("audit"u8, audit.Ref);
        var json = frame.Json;
        json.WriteString("room"u8, audit.Room);
        json.WriteStartArray("entries"u8);
        foreach (var entry in audit.Entries)
        {
            json.WriteStartObject();
            json.WriteNumber("seq"u8, entry.Seq);
            json.WriteString("at"u8, FormatTime(entry.At));
            json.WriteString("by"u8, entry.By);
            json.WriteString("action"u8, entry.Action);
            if (entry.Target is { } target)
            {
                WriteTarget(json, target);
            }

            if (entry.Offset is { } offset)
            {
                json.WriteNumber("offset"u8, offset);
            }

            WriteOptional(json, "reason"u8, entry.Reason, nullWhenAbsent: false);
            if (entry.Until is { } until)
            {
                json.WriteString("until"u8, FormatTime(until));
            }

            if (entry.Role is { } role)
            {
                json.WriteString("role"u8, RoleName(role));
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("more"u8, audit.More);
        return frame.Finish();
    }

    private static byte[] Settings(ReadOnlySpan<byte> type, string? requestRef, string room, RoomRules rules)
    {
        using var frame = FrameWriter.Start(type, requestRef);
        frame.Json.WriteString("room"u8, room);
        WriteSettings(frame.Json, rules);
        return frame.Finish();
    }

    private static void WriteStanding(Utf8JsonWriter json, JoinedStanding standing)
    {
        json.WriteString("role"u8, RoleName(standing.Role));
        WriteSettings(json, standing.Rules);
        if (standing.Muted)
        {
            WriteTime(json, "mutedUntil"u8, standing.MutedUntil);
        }
    }

    private static void WriteSettings(Utf8JsonWriter json, RoomRules rules)
    {
        json.WriteStartObject("settings"u8);
        json.WriteString("visibility"u8, rules.Visibility == RoomVisibility.Private ? "private" : "public");
        json.WriteString("anonymous"u8, rules.AnonymousAllowed ? "allow" : "deny");
        json.WriteString("posting"u8, rules.Posting == RoomPosting.Moderators ? "moderators" : "everyone");
        json.WriteNumber("slowMode"u8, rules.SlowMode);
        json.WriteString("topic"u8, rules.Topic);
        json.WriteEndObject();
    }

    private static void WriteTarget(Utf8JsonWriter json, ModerationTarget target)
    {
        json.WriteStartObject("target"u8);
        if (target.User is { } user)
        {
            json.WriteString("user"u8, user);
        }
        else
        {
            json.WriteString("name"u8, target.Name ?? "");
        }

        json.WriteEndObject();
    }

    /// <summary>A time, or null (until lifted).</summary>
    private static void WriteTime(Utf8JsonWriter json, ReadOnlySpan<byte> member, DateTimeOffset? at)
    {
        if (at is { } value)
        {
            json.WriteString(member, FormatTime(value));
        }
        else
        {
            json.WriteNull(member);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, ReadOnlySpan<byte> member, string? value, bool nullWhenAbsent)
    {
        if (value is not null)
        {
            json.WriteString(member, value);
        }
        else if (nullWhenAbsent)
        {
            json.WriteNull(member);
        }
    }
}
