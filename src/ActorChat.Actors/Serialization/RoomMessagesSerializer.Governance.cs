using ActorChat.Actors.Rooms;
using ActorChat.Protocol;

namespace ActorChat.Actors.Serialization;

/// <summary>The layouts of roles and moderation: the requests to a room's governance, and what a room tells a connection it refused or removed.</summary>
public sealed partial class RoomMessagesSerializer
{
    /// <summary><see cref="RoomContract.Configure"/>: room, session id, visibility?, anonymous?, posting?, slow mode?, topic?, ref?.</summary>
    internal const string ConfigureManifest = "cfg1";

    /// <summary><see cref="RoomContract.Grant"/>: room, session id, user id, role, ref?.</summary>
    internal const string GrantManifest = "grt1";

    /// <summary><see cref="RoomContract.Moderate"/>: room, session id, action, target (user?, name?, ban?), duration?, reason?, ref?.</summary>
    internal const string ModerateManifest = "mod1";

    /// <summary><see cref="RoomContract.ReadBans"/>: room, session id, ref?.</summary>
    internal const string ReadBansManifest = "bns1";

    /// <summary><see cref="RoomContract.ReadAudit"/>: room, session id, before?, limit?, ref?.</summary>
    internal const string ReadAuditManifest = "aud1";

    /// <summary><see cref="RoomContract.Denied"/>: room, code, message, ref?, until?, reason?, retry after?, join.</summary>
    internal const string DeniedManifest = "dnd1";

    /// <summary><see cref="RoomContract.Removed"/>: room, action, by, reason?, until?.</summary>
    internal const string RemovedManifest = "rmv1";

    /// <summary><see cref="RoomContract.DeleteMessage"/>: room, session id, offset, reason?, ref?.</summary>
    internal const string DeleteMessageManifest = "del1";

    private static string? GovernanceManifest(object o) => o switch
    {
        RoomContract.DeleteMessage => DeleteMessageManifest,
        RoomContract.Configure => ConfigureManifest,
        RoomContract.Grant => GrantManifest,
        RoomContract.Moderate => ModerateManifest,
        RoomContract.ReadBans => ReadBansManifest,
        RoomContract.ReadAudit => ReadAuditManifest,
        RoomContract.Denied => DeniedManifest,
        RoomContract.Removed => RemovedManifest,
        _ => null,
    };

    private static bool WriteGovernance(WireWriter writer, object obj)
    {
        switch (obj)
        {
            case RoomContract.Configure configure:
                writer.Text(configure.Room);
                writer.Text(configure.SessionId);
                var change = configure.Change;
                writer.OptionalFixed32(change.Visibility is { } visibility ? (int)visibility : null);
                writer.OptionalBool(change.AnonymousAllowed);
                writer.OptionalFixed32(change.Posting is { } posting ? (int)posting : null);
                writer.OptionalFixed32(change.SlowMode);
                writer.OptionalString(change.Topic);
                writer.OptionalString(configure.Ref);
                return true;
            case RoomContract.Grant grant:
                writer.Text(grant.Room);
                writer.Text(grant.SessionId);
                writer.Text(grant.UserId);
                writer.Fixed32((int)grant.Role);
                writer.OptionalString(grant.Ref);
                return true;
            case RoomContract.Moderate moderate:
                writer.Text(moderate.Room);
                writer.Text(moderate.SessionId);
                writer.Fixed32((int)moderate.Action);
                writer.OptionalString(moderate.Target.User);
                writer.OptionalString(moderate.Target.Name);
                writer.OptionalFixed64(moderate.Target.Ban);
                writer.OptionalFixed64(moderate.DurationSeconds);
                writer.OptionalString(moderate.Reason);
                writer.OptionalString(moderate.Ref);
                return true;
            case RoomContract.DeleteMessage delete:
                writer.Text(delete.Room);
                writer.Text(delete.SessionId);
                writer.Fixed64(delete.Offset);
                writer.OptionalString(delete.Reason);
                writer.OptionalString(delete.Ref);
                return true;
            case RoomContract.ReadBans bans:
                writer.Text(bans.Room);
                writer.Text(bans.SessionId);
                writer.OptionalString(bans.Ref);
                return true;
            case RoomContract.ReadAudit audit:
                writer.Text(audit.Room);
                writer.Text(audit.SessionId);
                writer.OptionalFixed64(audit.Before);
                writer.OptionalFixed32(audit.Limit);
                writer.OptionalString(audit.Ref);
                return true;
            case RoomContract.Denied denied:
                writer.Text(denied.Room);
                writer.Text(denied.Code);
                writer.Text(denied.Message);
                writer.OptionalString(denied.Ref);
                OptionalTimestamp(writer, denied.Until);
                writer.OptionalString(denied.Reason);
                writer.OptionalFixed32(denied.RetryAfter);
                writer.Bool(denied.Join);
                return true;
            case RoomContract.Removed removed:
                writer.Text(removed.Room);
                writer.Text(removed.Action);
                writer.Text(removed.By);
                writer.OptionalString(removed.Reason);
                OptionalTimestamp(writer, removed.Until);
                return true;
            default:
                return false;
        }
    }

    private static object? ReadGovernance(string manifest, ref WireReader reader) => manifest switch
    {
        ConfigureManifest => new RoomContract.Configure(
            reader.Text(),
            reader.Text(),
            new RoomRulesChange(
                Enum<RoomVisibility>(reader.OptionalFixed32()),
                reader.OptionalBool(),
                Enum<RoomPosting>(reader.OptionalFixed32()),
                reader.OptionalFixed32(),
                reader.OptionalString()),
            reader.OptionalString()),
        GrantManifest => new RoomContract.Grant(reader.Text(), reader.Text(), reader.Text(), Enum<RoomRole>(reader.Fixed32())!.Value, reader.OptionalString()),
        ModerateManifest => new RoomContract.Moderate(
            reader.Text(),
            reader.Text(),
            Enum<ModerationAction>(reader.Fixed32())!.Value,
            new TargetSpec(reader.OptionalString(), reader.OptionalString(), reader.OptionalFixed64()),
            reader.OptionalFixed64(),
            reader.OptionalString(),
            reader.OptionalString()),
        DeleteMessageManifest => new RoomContract.DeleteMessage(reader.Text(), reader.Text(), reader.Fixed64(), reader.OptionalString(), reader.OptionalString()),
        ReadBansManifest => new RoomContract.ReadBans(reader.Text(), reader.Text(), reader.OptionalString()),
        ReadAuditManifest => new RoomContract.ReadAudit(reader.Text(), reader.Text(), reader.OptionalFixed64(), reader.OptionalFixed32(), reader.OptionalString()),
        DeniedManifest => new RoomContract.Denied(
            reader.Text(), reader.Text(), reader.Text(), reader.OptionalString(), OptionalTimestamp(ref reader), reader.OptionalString(), reader.OptionalFixed32(), reader.Bool()),
        RemovedManifest => new RoomContract.Removed(reader.Text(), reader.Text(), reader.Text(), reader.OptionalString(), OptionalTimestamp(ref reader)),
        _ => null,
    };

    private static void WriteIdentity(WireWriter writer, RoomContract.JoinIdentity identity)
    {
        writer.OptionalString(identity.UserId);
        writer.Bool(identity.IsAdmin);
        writer.OptionalString(identity.RoomGrant);
        writer.OptionalString(identity.Address);
    }

    private static RoomContract.JoinIdentity ReadIdentity(ref WireReader reader) =>
        new(reader.OptionalString(), reader.Bool(), reader.OptionalString(), reader.OptionalString());

    private static void OptionalTimestamp(WireWriter writer, DateTimeOffset? at)
    {
        writer.Bool(at is not null);
        if (at is { } value)
        {
            writer.Timestamp(value);
        }
    }

    private static DateTimeOffset? OptionalTimestamp(ref WireReader reader) => reader.Bool() ? reader.Timestamp() : null;

    private static T? Enum<T>(int? value)
        where T : struct, Enum =>
        value is not { } v ? null
        : System.Enum.IsDefined(typeof(T), v) ? (T)(object)v
        : throw new System.Runtime.Serialization.SerializationException($"ActorChat: a room message has {v}, not a {typeof(T).Name}.");
}
