namespace ActorChat.Protocol.Beej;

/// <summary>A packet a client sent, decoded and shape-checked (fields present and strings), not yet trimmed.</summary>
public abstract record ClientPacket
{
    private protected ClientPacket() { }
}

/// <summary><c>chat-join</c>: bind a name to the connection.</summary>
public sealed record JoinPacket(string Username) : ClientPacket;

/// <summary><c>chat-message</c>: post a message; a differing <paramref name="Username"/> is a rename attempt.</summary>
public sealed record MessagePacket(string Username, string Message) : ClientPacket;

/// <summary>Why a frame could not be decoded; answered to the sender with <c>chat-error</c>.</summary>
public sealed record DecodeError(string Code, string Message);
