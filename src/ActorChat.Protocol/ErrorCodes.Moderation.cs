namespace ActorChat.Protocol;

/// <summary>The codes of roles and moderation (PROTOCOL-V1.1 Part B).</summary>
public static partial class ErrorCodes
{
    /// <summary>The joiner is banned from the room (<c>until</c>, <c>reason</c>).</summary>
    public const string Banned = "banned";

    /// <summary>The member is muted in the room (<c>until</c>).</summary>
    public const string Muted = "muted";

    /// <summary>Slow mode: the member sent too recently (<c>retryAfter</c>, seconds).</summary>
    public const string SlowMode = "slow-mode";

    /// <summary>The request names something that does not exist (a ban id, a target nobody holds).</summary>
    public const string NotFound = "not-found";
}

/// <summary>The close codes of moderation.</summary>
public static partial class CloseCodes
{
    /// <summary>Kicked or banned from the room (a <c>beej-chat-protocol</c> member, whose protocol has no other way to say it): do not retry by yourself.</summary>
    public const int Removed = 4004;

    /// <summary>Closed by the server API's <c>disconnect</c>: the client may reconnect.</summary>
    public const int Disconnected = 4005;
}
