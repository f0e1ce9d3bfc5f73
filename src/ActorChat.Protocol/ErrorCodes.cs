namespace ActorChat.Protocol;

/// <summary>
/// The machine-readable <c>payload.code</c> values of <c>beej-chat-protocol</c>'s <c>chat-error</c> and
/// <c>actorchat.v1</c>'s <c>error</c> packets. One list for both protocols, since one server and one set of
/// rules stand behind them.
/// </summary>
public static partial class ErrorCodes
{
    public const string InvalidJson = "invalid-json";
    public const string InvalidPacket = "invalid-packet";
    public const string UnknownType = "unknown-type";
    public const string InvalidName = "invalid-name";
    public const string NameTaken = "name-taken";
    public const string NotJoined = "not-joined";
    public const string MessageTooLong = "message-too-long";
    public const string RateLimited = "rate-limited";

    /// <summary><c>actorchat.v1</c>: a packet other than <c>hello</c> before the session was established.</summary>
    public const string NoSession = "no-session";

    /// <summary><c>actorchat.v1</c>: a room request for a room the connection has not joined.</summary>
    public const string NotInRoom = "not-in-room";

    /// <summary><c>actorchat.v1</c>: <c>payload.room</c> is a string but not a room name (<see cref="RoomNames.IsValid"/>).</summary>
    public const string InvalidRoom = "invalid-room";

    /// <summary><c>actorchat.v1</c>: joining would exceed the rooms allowed per connection.</summary>
    public const string TooManyRooms = "too-many-rooms";

    /// <summary><c>actorchat.v1</c>, <c>Auth:Mode</c> <c>required</c>: a <c>hello</c> without a token.</summary>
    public const string AuthRequired = "auth-required";

    /// <summary><c>actorchat.v1</c>: a token that does not verify, or breaks a rule of its claims.</summary>
    public const string InvalidToken = "invalid-token";

    /// <summary><c>actorchat.v1</c>: a token past its <c>exp</c> (beyond the clock skew).</summary>
    public const string TokenExpired = "token-expired";

    /// <summary><c>actorchat.v1</c>: a <c>refresh</c> with a token of another user.</summary>
    public const string TokenMismatch = "token-mismatch";

    /// <summary><c>actorchat.v1</c>: a request the connection's user or role may not make.</summary>
    public const string Forbidden = "forbidden";
}

/// <summary>The WebSocket close codes the server uses, beyond the standard ones.</summary>
public static partial class CloseCodes
{
    public const int Normal = 1000;
    public const int GoingAway = 1001;
    public const int UnsupportedData = 1003;
    public const int InvalidPayload = 1007;
    public const int PolicyViolation = 1008;
    public const int MessageTooBig = 1009;
    public const int InternalError = 1011;

    /// <summary>A cluster node is leaving (shutting down): its clients reconnect to another node and resume their sessions.</summary>
    public const int ServiceRestart = 1012;

    /// <summary>Refused at admission (server full, or too many connections from one address): come back later.</summary>
    public const int TryAgainLater = 1013;

    /// <summary>The connection's outbound queue exceeded its bound: it read too slowly.</summary>
    public const int SlowConsumer = 3008;

    /// <summary><c>actorchat.v1</c>: another connection resumed this connection's session.</summary>
    public const int SessionTakenOver = 4001;

    /// <summary><c>actorchat.v1</c>: the token expired and was not refreshed; get a new one, reconnect, resume.</summary>
    public const int TokenExpired = 4002;

    /// <summary><c>actorchat.v1</c>: an invalid token, or none where one is needed; do not retry with the same token.</summary>
    public const int InvalidToken = 4003;

    /// <summary><c>actorchat.v1</c>: no <c>hello</c> within 10 s of the handshake; may reconnect.</summary>
    public const int HelloTimeout = 4006;
}
