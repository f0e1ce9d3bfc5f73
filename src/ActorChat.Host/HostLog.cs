namespace ActorChat.Host;

/// <summary>Host log events. Ids 1000–1999 (the actors use 2000–2999).</summary>
internal static partial class HostLog
{
    private static readonly Func<ILogger, long, string, IDisposable?> ConnectionScopeFormat =
        LoggerMessage.DefineScope<long, string>("Connection {ConnectionId} from {Address}");

    /// <summary>A log scope naming the connection, around everything logged while it is open.</summary>
    public static IDisposable? ConnectionScope(this ILogger logger, long connectionId, string address) =>
        ConnectionScopeFormat(logger, connectionId, address);

    [LoggerMessage(1001, LogLevel.Information, "Listening on {Addresses}. Point your web browser to: {Url}")]
    public static partial void Listening(this ILogger logger, string addresses, string url);

    [LoggerMessage(1002, LogLevel.Information, "Connection {ConnectionId}: accepted connection from {Address}")]
    public static partial void Accepted(this ILogger logger, long connectionId, string address);

    /// <summary><paramref name="by"/>: <c>server</c> (the code and reason it sent), <c>client</c> (what the client sent), or <c>network</c> (no close handshake: 1006).</summary>
    [LoggerMessage(1003, LogLevel.Information, "Connection {ConnectionId}: closed: {Address}: {Code} {Reason} (closed by {ClosedBy})")]
    public static partial void Closed(this ILogger logger, long connectionId, string address, int code, string reason, string closedBy);

    [LoggerMessage(1004, LogLevel.Warning, "Denying connection from {Address}: origin {Origin} is not allowed")]
    public static partial void DeniedOrigin(this ILogger logger, string address, string origin);

    [LoggerMessage(1005, LogLevel.Warning, "Denying connection from {Address}: unknown protocol {Offered}")]
    public static partial void UnknownProtocol(this ILogger logger, string address, string offered);

    [LoggerMessage(1006, LogLevel.Warning, "Refusing connection from {Address}: closing with {Code} {Reason}")]
    public static partial void ConnectionRefused(this ILogger logger, string address, int code, string reason);

    [LoggerMessage(1007, LogLevel.Information, "Connection {ConnectionId}: {Address} sent {What}; closing with {Code}")]
    public static partial void ClosingBadFrame(this ILogger logger, long connectionId, string address, string what, int code);

    /// <summary>Why the receive side of a connection ended with an exception (peer reset, keepalive timeout, abort); connection id 0 for a refused connection.</summary>
    [LoggerMessage(1008, LogLevel.Debug, "Connection {ConnectionId}: receive ended: {Reason}")]
    public static partial void ReceiveEnded(this ILogger logger, long connectionId, string reason);

    [LoggerMessage(1010, LogLevel.Debug, "Sending file: {Path}")]
    public static partial void FileServed(this ILogger logger, string path);

    [LoggerMessage(1011, LogLevel.Debug, "Not Found: {Path}")]
    public static partial void FileNotFound(this ILogger logger, string path);

    [LoggerMessage(1020, LogLevel.Information, "Draining: closing {Count} connections with {Code} over {Window}")]
    public static partial void Draining(this ILogger logger, int count, int code, TimeSpan window);

    [LoggerMessage(1021, LogLevel.Information, "Drained: {Remaining} connections still open after {Elapsed}")]
    public static partial void Drained(this ILogger logger, int remaining, TimeSpan elapsed);
}
