using Microsoft.Extensions.Logging;

namespace ActorChat.Actors;

/// <summary>Actor log events. Ids 2000–2999 (the host uses 1000–1999).</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Debug, "Connection {ConnectionId} ({Address}): message: {Type}")]
    public static partial void PacketReceived(this ILogger logger, long connectionId, string address, string type);

    [LoggerMessage(2002, LogLevel.Information, "Connection {ConnectionId} ({Address}): rejected packet: {Code}")]
    public static partial void PacketRejected(this ILogger logger, long connectionId, string address, string code);

    [LoggerMessage(2003, LogLevel.Information, "Connection {ConnectionId} ({Address}): unknown payload type")]
    public static partial void UnknownType(this ILogger logger, long connectionId, string address);

    [LoggerMessage(2004, LogLevel.Warning, "Connection {ConnectionId} ({Address}): outbound queue over {Bound} bytes, closing as slow consumer")]
    public static partial void SlowConsumer(this ILogger logger, long connectionId, string address, long bound);

    [LoggerMessage(2005, LogLevel.Warning, "Connection {ConnectionId} ({Address}): kept flooding after being rate-limited, closing")]
    public static partial void Flooding(this ILogger logger, long connectionId, string address);

    [LoggerMessage(2006, LogLevel.Debug, "Connection {ConnectionId} ({Address}): write failed")]
    public static partial void WriteFailed(this ILogger logger, Exception exception, long connectionId, string address);

    [LoggerMessage(2007, LogLevel.Warning, "A {Type} from {Sender} to {Recipient} reached no actor (dead letter {Count} of at most {Max} logged, then none for {Suspend})")]
    public static partial void DeadLetter(this ILogger logger, string type, string sender, string recipient, int count, int max, TimeSpan suspend);

    [LoggerMessage(2101, LogLevel.Information, "Room {Room}: {Username} joined")]
    public static partial void UserJoined(this ILogger logger, string room, string username);

    [LoggerMessage(2102, LogLevel.Information, "Room {Room}: {Previous} is now {Username}")]
    public static partial void UserRenamed(this ILogger logger, string room, string previous, string username);

    [LoggerMessage(2103, LogLevel.Information, "Room {Room}: {Username} left")]
    public static partial void UserLeft(this ILogger logger, string room, string username);

    [LoggerMessage(2105, LogLevel.Information, "Draining {Count} connections over {Window}")]
    public static partial void Draining(this ILogger logger, int count, TimeSpan window);

    [LoggerMessage(2106, LogLevel.Information, "Refused the name {Requested}: {Holder} holds it or one that looks the same")]
    public static partial void NameRefusedAsTaken(this ILogger logger, string requested, string holder);

    [LoggerMessage(2107, LogLevel.Information, "Connection {ConnectionId}: the node of room {Room} was lost; closing with 1012 so the client resumes and rejoins from what it has")]
    public static partial void RoomNodeLost(this ILogger logger, long connectionId, string room);

    [LoggerMessage(2108, LogLevel.Warning, "Connection {ConnectionId}: no answer to its {Request} within {Timeout}; closing with 1012 so the client resumes")]
    public static partial void RequestUnanswered(this ILogger logger, long connectionId, string request, TimeSpan timeout);

    [LoggerMessage(2240, LogLevel.Information, "Room {Room}: started a new history, epoch {Epoch}")]
    public static partial void RoomHistoryStarted(this ILogger logger, string room, string epoch);

    [LoggerMessage(2241, LogLevel.Debug, "Room {Room}: recovered at offset {Offset} of epoch {Epoch} ({SequenceNr} events)")]
    public static partial void RoomRecovered(this ILogger logger, string room, long offset, string epoch, long sequenceNr);

    [LoggerMessage(2242, LogLevel.Error, "Room {Room}: the journal rejected {EventType} at sequence number {SequenceNr}; the room stops and recovers from the journal on its next message")]
    public static partial void RoomWriteRejected(this ILogger logger, Exception exception, string room, string eventType, long sequenceNr);

    [LoggerMessage(2243, LogLevel.Error, "Room {Room}: writing {EventType} at sequence number {SequenceNr} failed; the room stops")]
    public static partial void RoomWriteFailed(this ILogger logger, Exception exception, string room, string eventType, long sequenceNr);

    [LoggerMessage(2244, LogLevel.Warning, "Room {Room}: journal read of offsets {From}-{To} failed ({Reason}); answered from memory or refused")]
    public static partial void RoomJournalReadFailed(this ILogger logger, string room, long from, long to, string reason);

    [LoggerMessage(2245, LogLevel.Warning, "Room {Room}: {Operation} failed; retried at the next snapshot")]
    public static partial void RoomHousekeepingFailed(this ILogger logger, Exception exception, string room, string operation);

    [LoggerMessage(2246, LogLevel.Debug, "Room {Room}: idle, asking to passivate")]
    public static partial void RoomPassivating(this ILogger logger, string room);

    [LoggerMessage(2247, LogLevel.Warning, "Room {Room}: dropped an invalid {MessageType}: {Reason}")]
    public static partial void RoomInvalidRequest(this ILogger logger, string room, string messageType, string reason);

    [LoggerMessage(2248, LogLevel.Information, "Room {Room}: {Count} journal reads in progress; a join was answered from memory or a history page refused")]
    public static partial void RoomReadsBusy(this ILogger logger, string room, int count);

    [LoggerMessage(2249, LogLevel.Information, "Retention sweep: waking {Count} rooms to apply retention by age")]
    public static partial void RetentionSweepStarted(this ILogger logger, int count);

    [LoggerMessage(2250, LogLevel.Warning, "Retention sweep: listing the rooms in the store failed ({Reason}); tried again at the next interval")]
    public static partial void RetentionSweepFailed(this ILogger logger, string reason);

    [LoggerMessage(2251, LogLevel.Warning, "Room {Room}: purging the text of {Rows} deleted messages from the journal failed ({Reason}); tried again at the next sweep")]
    public static partial void RoomPurgeFailed(this ILogger logger, string room, int rows, string reason);

    [LoggerMessage(2252, LogLevel.Debug, "Room {Room}: purged the text of {Rows} deleted messages from the journal")]
    public static partial void RoomPurged(this ILogger logger, string room, int rows);
}
