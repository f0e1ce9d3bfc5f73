using System.Text.Json;

namespace ActorChat.Protocol.V1;

/// <summary>Decoding, roles and moderation (PROTOCOL-V1.1 Part B): <c>configure</c>, <c>grant</c>, <c>bans</c>, <c>kick</c>, <c>ban</c>, <c>unban</c>, <c>mute</c>, <c>unmute</c>, <c>audit</c>, <c>delete</c>.</summary>
public static partial class V1Protocol
{
    private static readonly string[] Visibilities = ["public", "private"];
    private static readonly string[] AnonymousValues = ["allow", "deny"];
    private static readonly string[] Postings = ["everyone", "moderators"];
    private static readonly string[] Roles = ["owner", "moderator", "member", "none"];

    private static (Kind, string) ModerationKindOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("configure"u8) ? (Kind.Configure, V1PacketTypes.Configure)
        : reader.ValueTextEquals("grant"u8) ? (Kind.Grant, V1PacketTypes.Grant)
        : reader.ValueTextEquals("bans"u8) ? (Kind.Bans, V1PacketTypes.Bans)
        : reader.ValueTextEquals("kick"u8) ? (Kind.Kick, V1PacketTypes.Kick)
        : reader.ValueTextEquals("ban"u8) ? (Kind.Ban, V1PacketTypes.Ban)
        : reader.ValueTextEquals("unban"u8) ? (Kind.Unban, V1PacketTypes.Unban)
        : reader.ValueTextEquals("mute"u8) ? (Kind.Mute, V1PacketTypes.Mute)
        : reader.ValueTextEquals("unmute"u8) ? (Kind.Unmute, V1PacketTypes.Unmute)
        : reader.ValueTextEquals("audit"u8) ? (Kind.Audit, V1PacketTypes.Audit)
        : reader.ValueTextEquals("delete"u8) ? (Kind.Delete, V1PacketTypes.Delete)
        : (Kind.Unknown, "?");

    private static Field ModerationFields(Kind kind) => kind switch
    {
        Kind.Configure => Field.Room | Field.Visibility | Field.Anonymous | Field.Posting | Field.SlowMode | Field.Topic,
        Kind.Grant => Field.Room | Field.User | Field.Role,
        Kind.Bans => Field.Room,
        Kind.Kick or Kind.Unmute => Field.Room | Field.Target | Field.Reason,
        Kind.Ban or Kind.Mute => Field.Room | Field.Target | Field.Duration | Field.Reason,
        Kind.Unban => Field.Room | Field.Target | Field.Ban | Field.Reason,
        Kind.Audit => Field.Room | Field.Before | Field.Limit,
        Kind.Delete => Field.Room | Field.Offset | Field.Reason,
        _ => Field.None,
    };

    private static Field ModerationFieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("visibility"u8) ? Field.Visibility
        : reader.ValueTextEquals("anonymous"u8) ? Field.Anonymous
        : reader.ValueTextEquals("posting"u8) ? Field.Posting
        : reader.ValueTextEquals("slowMode"u8) ? Field.SlowMode
        : reader.ValueTextEquals("topic"u8) ? Field.Topic
        : reader.ValueTextEquals("user"u8) ? Field.User
        : reader.ValueTextEquals("role"u8) ? Field.Role
        : reader.ValueTextEquals("target"u8) ? Field.Target
        : reader.ValueTextEquals("duration"u8) ? Field.Duration
        : reader.ValueTextEquals("reason"u8) ? Field.Reason
        : reader.ValueTextEquals("ban"u8) ? Field.Ban
        : reader.ValueTextEquals("offset"u8) ? Field.Offset
        : Field.None;

    private static string ModerationFieldName(Field field) => field switch
    {
        Field.Visibility => "visibility",
        Field.Anonymous => "anonymous",
        Field.Posting => "posting",
        Field.SlowMode => "slowMode",
        Field.Topic => "topic",
        Field.User => "user",
        Field.Role => "role",
        Field.Target => "target",
        Field.Duration => "duration",
        Field.Reason => "reason",
        Field.Offset => "offset",
        _ => "ban",
    };

    private static void ReadModerationField(Field field, ref Utf8JsonReader reader, ref Fields fields)
    {
        switch (field)
        {
            case Field.Visibility:
                fields.Visibility = OneOf(ref reader, ref fields, "visibility", Visibilities);
                break;
            case Field.Anonymous:
                fields.Anonymous = OneOf(ref reader, ref fields, "anonymous", AnonymousValues);
                break;
            case Field.Posting:
                fields.Posting = OneOf(ref reader, ref fields, "posting", Postings);
                break;
            case Field.SlowMode:
                fields.SlowMode = (int?)Integer(ref reader, ref fields, "slowMode", 0, RoomRules.MaxSlowMode);
                break;
            case Field.Topic:
                fields.Topic = Bounded(ref reader, ref fields, "topic", 0, RoomRules.MaxTopicLength);
                break;
            case Field.User:
                fields.User = Bounded(ref reader, ref fields, "user", 1, MaxUserIdLength);
                break;
            case Field.Role:
                fields.Role = OneOf(ref reader, ref fields, "role", Roles);
                break;
            case Field.Target:
                fields.Target = Target(ref reader, ref fields);
                break;
            case Field.Duration:
                fields.Duration = Integer(ref reader, ref fields, "duration", 1, MaxDuration);
                break;
            case Field.Reason:
                fields.Reason = Bounded(ref reader, ref fields, "reason", 0, MaxReasonLength);
                break;
            case Field.Ban:
                fields.Ban = Integer(ref reader, ref fields, "ban", 1, long.MaxValue);
                break;
            case Field.Offset:
                fields.Offset = Integer(ref reader, ref fields, "offset", 1, long.MaxValue);
                break;
            default:
                reader.Skip();
                break;
        }
    }

    private static (ClientRequest?, RequestError?) BuildModeration(in Envelope envelope, in Fields fields, string room)
    {
        var r = envelope.Ref;
        switch (envelope.Kind)
        {
            case Kind.Configure:
                var change = new RoomRulesChange(
                    fields.Visibility switch { "public" => RoomVisibility.Public, "private" => RoomVisibility.Private, _ => null },
                    fields.Anonymous switch { "allow" => true, "deny" => false, _ => null },
                    fields.Posting switch { "everyone" => RoomPosting.Everyone, "moderators" => RoomPosting.Moderators, _ => null },
                    fields.SlowMode,
                    fields.Topic);
                return change.IsEmpty
                    ? Fail(ErrorCodes.InvalidPacket, "configure needs at least one of visibility, anonymous, posting, slowMode, topic.", r)
                    : (new ConfigureRequest(r, room, change), null);
            case Kind.Grant:
                if (fields.User is not { } user)
                {
                    return Missing(envelope.TypeName, "user", r);
                }

                if (fields.Role is not { } role)
                {
                    return Missing(envelope.TypeName, "role", r);
                }

                var granted = role switch
                {
                    "owner" => RoomRole.Owner,
                    "moderator" => RoomRole.Moderator,
                    "member" => RoomRole.Member,
                    _ => RoomRole.None,
                };
                return (new GrantRequest(r, room, user, granted), null);
            case Kind.Bans:
                return (new BansRequest(r, room), null);
            case Kind.Audit:
                return (new AuditRequest(r, room, fields.Before, fields.Limit ?? DefaultLimit), null);
            case Kind.Delete:
                return fields.Offset is { } offset
                    ? (new DeleteRequest(r, room, offset, fields.Reason), null)
                    : Fail(ErrorCodes.InvalidPacket, "delete needs an integer \"payload.offset\" (≥ 1).", r);
            default:
                break;
        }

        var action = envelope.Kind switch
        {
            Kind.Kick => ModerationAction.Kick,
            Kind.Ban => ModerationAction.Ban,
            Kind.Unban => ModerationAction.Unban,
            Kind.Mute => ModerationAction.Mute,
            _ => ModerationAction.Unmute,
        };
        var target = fields.Ban is { } banId ? new TargetSpec(null, null, banId) : fields.Target;
        if (target is null)
        {
            return Fail(
                ErrorCodes.InvalidPacket,
                action == ModerationAction.Unban
                    ? "unban needs \"payload.target\" ({\"user\": id} or {\"name\": name}) or \"payload.ban\" (a ban's id)."
                    : $"{envelope.TypeName} needs \"payload.target\": {{\"user\": id}} or {{\"name\": name}}.",
                r);
        }

        return (new ModerateRequest(r, room, action, target, fields.Duration, fields.Reason), null);
    }

    /// <summary><c>target: {user: string} | {name: string}</c>, exactly one of them.</summary>
    private static TargetSpec? Target(ref Utf8JsonReader reader, ref Fields fields)
    {
        const string Shape = "\"payload.target\" must be {\"user\": id} or {\"name\": name}.";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            fields.Problem = Shape;
            reader.Skip();
            return null;
        }

        string? user = null;
        string? name = null;
        var ok = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUser = reader.ValueTextEquals("user"u8);
            var isName = !isUser && reader.ValueTextEquals("name"u8);
            reader.Read();
            if (isUser || isName)
            {
                ok &= reader.TokenType == JsonTokenType.String && (isUser ? user : name) is null;
                var value = ok ? reader.GetString() : null;
                if (isUser)
                {
                    user = value;
                }
                else
                {
                    name = value;
                }
            }

            reader.Skip();
        }

        if (!ok || (user is null) == (name is null) || user is { Length: 0 or > MaxUserIdLength } || name is { Length: 0 })
        {
            fields.Problem = Shape;
            return null;
        }

        return new TargetSpec(user, name);
    }

    private static string? OneOf(ref Utf8JsonReader reader, ref Fields fields, string member, string[] values)
    {
        var value = String(ref reader, ref fields, member, optional: true);
        if (value is null || Array.IndexOf(values, value) >= 0)
        {
            return value;
        }

        fields.Problem = $"\"payload.{member}\" must be one of {string.Join(", ", values.Select(v => $"\"{v}\""))}.";
        return null;
    }

    private static string? Bounded(ref Utf8JsonReader reader, ref Fields fields, string member, int min, int max)
    {
        var value = String(ref reader, ref fields, member, optional: true);
        if (value is null || (value.Length >= min && value.Length <= max))
        {
            return value;
        }

        fields.Problem = $"\"payload.{member}\" must be a string of {min}–{max} characters.";
        return null;
    }
}
