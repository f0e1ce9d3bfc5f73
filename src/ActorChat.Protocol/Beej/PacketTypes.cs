namespace ActorChat.Protocol.Beej;

/// <summary>The <c>type</c> values of <c>beej-chat-protocol</c> packets.</summary>
public static class PacketTypes
{
    public const string SubProtocol = "beej-chat-protocol";

    public const string Join = "chat-join";
    public const string Message = "chat-message";
    public const string Leave = "chat-leave";
    public const string Rename = "chat-rename";
    public const string Users = "chat-users";
    public const string Error = "chat-error";
}
