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
}
