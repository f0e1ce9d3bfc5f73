using ActorChat.Protocol;
using Akka.Actor;
using Akka.Persistence;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Reads one <see cref="JournalRange"/> of a room's journal for its parent room and stops: the
/// messages go to the parent as <see cref="JournalRead"/>, or <see cref="JournalReadFailed"/>.
/// </summary>
/// <remarks>
/// It asks the journal with the journal's own replay protocol (<see cref="ReplayMessages"/>), the one a
/// persistent actor recovers with. Every journal plugin serves it (Akka's in-memory journal and
/// Akka.Persistence.Sql alike, with the plugin's event adapters applied), so the room needs no query
/// plugin and no stream, and reads exactly what its own recovery would read. The reply comes to this
/// child, never to the room, whose replay handling is Akka's.
/// </remarks>
internal sealed class RoomJournalReader : ReceiveActor
{
    private readonly long _readId;
    private readonly JournalRange _range;
    private readonly List<ChatMessage> _messages = [];

    public RoomJournalReader(IActorRef journal, string persistenceId, long readId, JournalRange range, TimeSpan timeout)
    {
        _readId = readId;
        _range = range;

        Receive<ReplayedMessage>(r => Collect(r.Persistent.Payload));
        Receive<RecoverySuccess>(_ => Finish(new JournalRead(_readId, _messages.ToArray())));
        Receive<ReplayMessagesFailure>(f => Finish(new JournalReadFailed(_readId, f.Cause.Message)));
        Receive<ReceiveTimeout>(_ => Finish(new JournalReadFailed(_readId, $"no answer within {timeout}")));

        var count = range.ToSequenceNr - range.FromSequenceNr + 1;
        journal.Tell(new ReplayMessages(range.FromSequenceNr, range.ToSequenceNr, count, persistenceId, Self));
        Context.SetReceiveTimeout(timeout);
    }

    public static Props Props(IActorRef journal, string persistenceId, long readId, JournalRange range, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new RoomJournalReader(journal, persistenceId, readId, range, timeout));

    private void Collect(object payload)
    {
        // Other events in the range are not messages. One more than asked for is enough to make the
        // room's completion fail (and ask again) if the journal ever returned too much.
        if (payload is MessagePosted posted
            && posted.Message.Offset >= _range.FromOffset
            && posted.Message.Offset <= _range.ToOffset
            && _messages.Count <= _range.Count)
        {
            _messages.Add(posted.Message);
        }
    }

    private void Finish(object result)
    {
        Context.Parent.Tell(result);
        Context.Stop(Self);
    }

    /// <summary>The messages read for read <paramref name="ReadId"/>, in journal order (child → its room, never across nodes).</summary>
    internal sealed record JournalRead(long ReadId, IReadOnlyList<ChatMessage> Messages) : INoSerializationVerificationNeeded;

    /// <summary>Read <paramref name="ReadId"/> failed (child → its room, never across nodes).</summary>
    internal sealed record JournalReadFailed(long ReadId, string Reason) : INoSerializationVerificationNeeded;
}
