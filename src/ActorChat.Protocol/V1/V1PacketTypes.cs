namespace ActorChat.Protocol.V1;

/// <summary>The <c>type</c> values of <c>actorchat.v1</c> packets.</summary>
public static class V1PacketTypes
{
    // Client → server.
    public const string Hello = "hello";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Send = "send";
    public const string Rename = "rename";
    public const string Bye = "bye";
    public const string Refresh = "refresh";

    // Both ways: the request and its reply share the name.
    public const string Rooms = "rooms";
    public const string History = "history";

    // Server → client.
    public const string Welcome = "welcome";
    public const string Joined = "joined";
    public const string Left = "left";
    public const string Ack = "ack";
    public const string Message = "message";
    public const string Renamed = "renamed";
    public const string Presence = "presence";
    public const string Error = "error";
    public const string Refreshed = "refreshed";

    // Roles and moderation (PROTOCOL-V1.1 Part B): requests, and the replies and events they cause.
    public const string Configure = "configure";
    public const string Configured = "configured";
    public const string RoomSettings = "room";
    public const string Grant = "grant";
    public const string Granted = "granted";
    public const string Bans = "bans";
    public const string Kick = "kick";
    public const string Ban = "ban";
    public const string Unban = "unban";
    public const string Mute = "mute";
    public const string Unmute = "unmute";
    public const string Moderated = "moderated";
    public const string Removed = "removed";
    public const string Muted = "muted";
    public const string Audit = "audit";
    public const string Delete = "delete";
    public const string Deleted = "deleted";
}
