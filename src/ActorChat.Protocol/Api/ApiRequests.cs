using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorChat.Protocol.V1;

namespace ActorChat.Protocol.Api;

/// <summary>
/// Reading the server API's moderation bodies (<c>kick</c>, <c>ban</c>, <c>unban</c>, <c>mute</c>,
/// <c>unmute</c>, <c>configure</c>, <c>grant</c>) into the requests <c>actorchat.v1</c> members make,
/// under the same bounds as the packets (<see cref="V1Protocol.MaxReasonLength"/>,
/// <see cref="V1Protocol.MaxDuration"/>, <see cref="RoomRules"/>). Each answers false with a problem
/// in words that names the member at fault.
/// </summary>
public static class ApiRequests
{
    /// <summary>A moderation body: the target (<c>user</c> or <c>name</c>; an <c>unban</c> may name a <c>ban</c> id instead), a duration for a ban or a mute, a reason.</summary>
    public static bool TryReadModeration(ReadOnlySpan<byte> body, ModerationAction action, out TargetSpec target, out long? duration, out string? reason, out string problem)
    {
        target = null!;
        duration = null;
        reason = null;
        if (!TryRead(body, ApiJsonContext.Default.ModerationBody, "moderation request", out var read, out problem))
        {
            return false;
        }

        var verb = V1Protocol.ActionName(action);
        var banId = action == ModerationAction.Unban ? read.Ban : null;
        if (read.Ban is not null && action != ModerationAction.Unban)
        {
            problem = $"\"ban\" names a ban to lift: only unban takes it, not {verb}.";
            return false;
        }

        var named = (read.User is not null ? 1 : 0) + (read.Name is not null ? 1 : 0) + (banId is not null ? 1 : 0);
        if (named != 1)
        {
            problem = action == ModerationAction.Unban
                ? "unban needs exactly one of \"user\" (a user's id), \"name\" (an anonymous member's name) or \"ban\" (a ban's id)."
                : $"{verb} needs exactly one of \"user\" (a user's id) or \"name\" (a name in the room now).";
            return false;
        }

        if (read.User is { Length: 0 or > V1Protocol.MaxUserIdLength })
        {
            problem = $"\"user\" must be a user's id of 1–{V1Protocol.MaxUserIdLength} characters.";
            return false;
        }

        if (read.Name is { Length: 0 })
        {
            problem = "\"name\" must not be empty.";
            return false;
        }

        if (banId is < 1)
        {
            problem = "\"ban\" must be a ban's id (1 or more).";
            return false;
        }

        if (read.Duration is not null && action is not (ModerationAction.Ban or ModerationAction.Mute))
        {
            problem = $"\"duration\" is for a ban or a mute, not {verb}.";
            return false;
        }

        if (read.Duration is < 1 or > V1Protocol.MaxDuration)
        {
            problem = $"\"duration\" must be a whole number of seconds from 1 to {V1Protocol.MaxDuration} (absent: until lifted).";
            return false;
        }

        if (read.Reason is { Length: > V1Protocol.MaxReasonLength })
        {
            problem = $"\"reason\" can have at most {V1Protocol.MaxReasonLength} characters.";
            return false;
        }

        target = new TargetSpec(read.User, read.Name, banId);
        duration = read.Duration;
        reason = string.IsNullOrEmpty(read.Reason) ? null : read.Reason;
        return true;
    }

    /// <summary>A <c>configure</c> body: at least one setting, each within its bounds.</summary>
    public static bool TryReadConfigure(ReadOnlySpan<byte> body, out RoomRulesChange change, out string problem)
    {
        change = null!;
        if (!TryRead(body, ApiJsonContext.Default.SettingsChange, "configure request", out var read, out problem))
        {
            return false;
        }

        RoomVisibility? visibility = read.Visibility switch
        {
            null => null,
            "public" => RoomVisibility.Public,
            "private" => RoomVisibility.Private,
            _ => Bad<RoomVisibility>(out problem, "\"visibility\" must be \"public\" or \"private\"."),
        };
        bool? anonymous = read.Anonymous switch
        {
            null => null,
            "allow" => true,
            "deny" => false,
            _ => Bad<bool>(out problem, "\"anonymous\" must be \"allow\" or \"deny\"."),
        };
        RoomPosting? posting = read.Posting switch
        {
            null => null,
            "everyone" => RoomPosting.Everyone,
            "moderators" => RoomPosting.Moderators,
            _ => Bad<RoomPosting>(out problem, "\"posting\" must be \"everyone\" or \"moderators\"."),
        };
        if (problem.Length > 0)
        {
            return false;
        }

        if (read.SlowMode is < 0 or > RoomRules.MaxSlowMode)
        {
            problem = $"\"slowMode\" must be a whole number of seconds from 0 (off) to {RoomRules.MaxSlowMode}.";
            return false;
        }

        if (read.Topic is { Length: > RoomRules.MaxTopicLength })
        {
            problem = $"\"topic\" can have at most {RoomRules.MaxTopicLength} characters.";
            return false;
        }

        change = new RoomRulesChange(visibility, anonymous, posting, read.SlowMode, read.Topic);
        if (change.IsEmpty)
        {
            problem = "configure needs at least one of \"visibility\", \"anonymous\", \"posting\", \"slowMode\", \"topic\".";
            return false;
        }

        return true;
    }

    /// <summary>A <c>grant</c> body: a user's id and a role (<c>owner</c>, <c>moderator</c>, <c>member</c>, <c>none</c>).</summary>
    public static bool TryReadGrant(ReadOnlySpan<byte> body, out string user, out RoomRole role, out string problem)
    {
        user = "";
        role = RoomRole.None;
        if (!TryRead(body, ApiJsonContext.Default.GrantBody, "grant request", out var read, out problem))
        {
            return false;
        }

        if (read.User is not { Length: > 0 and <= V1Protocol.MaxUserIdLength } id)
        {
            problem = $"\"user\" is required: a user's id of 1–{V1Protocol.MaxUserIdLength} characters.";
            return false;
        }

        RoomRole? granted = read.Role switch
        {
            "owner" => RoomRole.Owner,
            "moderator" => RoomRole.Moderator,
            "member" => RoomRole.Member,
            "none" => RoomRole.None,
            _ => null,
        };
        if (granted is not { } known)
        {
            problem = "\"role\" is required: \"owner\", \"moderator\", \"member\" or \"none\".";
            return false;
        }

        user = id;
        role = known;
        return true;
    }

    /// <summary>A server-wide ban's body (its bounds are the control entity's to check).</summary>
    public static bool TryReadServerBan(ReadOnlySpan<byte> body, out ServerBanBody ban, out string problem) =>
        TryRead(body, ApiJsonContext.Default.ServerBanBody, "server-wide ban", out ban, out problem);

    /// <summary>A disconnect's body (its bounds are the control entity's to check).</summary>
    public static bool TryReadDisconnect(ReadOnlySpan<byte> body, out DisconnectBody disconnect, out string problem) =>
        TryRead(body, ApiJsonContext.Default.DisconnectBody, "disconnect", out disconnect, out problem);
    /// <summary>
    /// A <c>delete</c>'s reason: from the body (optional, <c>{reason}</c>) or, when the body is empty,
    /// from <paramref name="query"/> (<c>?reason=</c>); at most <see cref="V1Protocol.MaxReasonLength"/> characters.
    /// </summary>
    public static bool TryReadDelete(ReadOnlySpan<byte> body, string? query, out string? reason, out string problem)
    {
        reason = query;
        problem = "";
        if (!body.Trim(" \t\r\n"u8).IsEmpty)
        {
            if (!TryRead(body, ApiJsonContext.Default.DeleteBody, "delete request", out var read, out problem))
            {
                return false;
            }

            reason = read.Reason ?? query;
        }

        if (reason is { Length: > V1Protocol.MaxReasonLength })
        {
            problem = $"\"reason\" can have at most {V1Protocol.MaxReasonLength} characters.";
            return false;
        }

        return true;
    }

    /// <summary>One JSON object of <typeparamref name="T"/>'s shape; a member of the wrong type is the parser's words, naming its place.</summary>
    internal static bool TryRead<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> shape, string what, out T read, out string problem)
        where T : class
    {
        read = null!;
        problem = "";
        try
        {
            if (JsonSerializer.Deserialize(body, shape) is { } value)
            {
                read = value;
                return true;
            }

            problem = "The body must be a JSON object, not null.";
            return false;
        }
        catch (JsonException invalid)
        {
            // The parser's own words name the place ("… Path: $.text | LineNumber: 0 | BytePositionInLine: 9.").
            problem = $"The body is not a valid {what}: {invalid.Message}";
            return false;
        }
    }

    private static T? Bad<T>(out string problem, string what)
        where T : struct
    {
        problem = what;
        return null;
    }
}
