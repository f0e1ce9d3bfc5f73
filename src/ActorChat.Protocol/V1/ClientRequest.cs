namespace ActorChat.Protocol.V1;

/// <summary>
/// An <c>actorchat.v1</c> packet a client sent, decoded and checked against the rules the contract
/// puts on its fields (shapes, room names, <c>ref</c> and <c>cid</c> lengths, limits). Names and texts
/// are as sent, untrimmed: their rules are the actors' (ChatRules).
/// </summary>
public abstract record ClientRequest
{
    private protected ClientRequest(string? @ref) => Ref = @ref;

    /// <summary>The client's id for the request (1–64 characters), to echo on its one reply; null when none was sent.</summary>
    public string? Ref { get; }

    /// <summary>The packet's <c>type</c> (<see cref="V1PacketTypes"/>), for logs.</summary>
    public abstract string Type { get; }
}

/// <summary>
/// <c>hello {name?, session?, token?}</c>: start a session, or resume the one <paramref name="Session"/> names.
/// <paramref name="Name"/> is empty when the packet has none (allowed only with a token, whose <c>name</c> claim may stand for it).
/// </summary>
public sealed record HelloRequest(string? Ref, string Name, string? Session) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Hello;

    /// <summary>The user's token (a JWT, compact form; never logged), or null. Ignored in <c>Auth:Mode</c> <c>anonymous</c>.</summary>
    public string? Token { get; init; }

    /// <summary>Never the token, wherever a request is shown.</summary>
    public override string ToString() => $"HelloRequest {{ Ref = {Ref}, Name = {Name}, Session = {(Session is null ? "" : "***")}, Token = {(Token is null ? "" : "***")} }}";
}

/// <summary><c>refresh {token}</c>: a newer token of the connection's user, before the old one expires.</summary>
public sealed record RefreshRequest(string? Ref, string Token) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Refresh;

    /// <summary>Never the token, wherever a request is shown.</summary>
    public override string ToString() => $"RefreshRequest {{ Ref = {Ref}, Token = *** }}";
}

/// <summary>
/// <c>join {room, since?, limit?}</c>. <paramref name="Since"/>: the last position the client holds in the
/// room, for recovery; <paramref name="Limit"/>: how many recent messages otherwise (1–100, default 50).
/// </summary>
public sealed record JoinRequest(string? Ref, string Room, StreamPosition? Since, int Limit) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Join;
}

/// <summary><c>leave {room}</c>.</summary>
public sealed record LeaveRequest(string? Ref, string Room) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Leave;
}

/// <summary><c>rooms {}</c>: list the rooms.</summary>
public sealed record RoomsRequest(string? Ref) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Rooms;
}

/// <summary><c>send {room, text, cid?}</c>; <paramref name="Cid"/> (1–64 characters) makes a retry idempotent.</summary>
public sealed record SendRequest(string? Ref, string Room, string Text, string? Cid) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Send;
}

/// <summary>
/// <c>history {room, before?, limit?}</c>: up to <paramref name="Limit"/> messages (1–100, default 50) with
/// an offset below <paramref name="Before"/> (≥ 0; null: the newest).
/// </summary>
public sealed record HistoryRequest(string? Ref, string Room, long? Before, int Limit) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.History;
}

/// <summary><c>rename {name}</c>.</summary>
public sealed record RenameRequest(string? Ref, string Name) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Rename;
}

/// <summary><c>bye {}</c>: end the session cleanly (its rooms are left at once).</summary>
public sealed record ByeRequest(string? Ref) : ClientRequest(Ref)
{
    public override string Type => V1PacketTypes.Bye;
}

/// <summary>
/// Why a frame could not be decoded, answered with <c>error {code, message}</c>. <paramref name="Ref"/> is the
/// frame's <c>ref</c> when it had a valid one (even if something else was wrong), so the reply can echo it.
/// </summary>
public sealed record RequestError(string Code, string Message, string? Ref);

/// <summary>One entry of the <c>rooms</c> reply: a room and how many members it has now.</summary>
public sealed record RoomSummary(string Room, int Members);
