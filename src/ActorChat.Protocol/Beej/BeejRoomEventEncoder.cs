namespace ActorChat.Protocol.Beej;

/// <summary>
/// Room facts as a <c>beej-chat-protocol</c> client has always seen them: a message is
/// <c>chat-message {username, message}</c> (no offset, no time, no room: such a client is only ever in
/// <c>lobby</c>), presence is one <c>chat-leave</c>, <c>chat-rename</c> or <c>chat-join</c> per name.
/// </summary>
internal sealed class BeejRoomEventEncoder : IRoomEventEncoder
{
    /// <summary>The original protocol showed each join, leave and rename as it happened.</summary>
    public bool PresenceAtOnce => true;

    public ReadOnlyMemory<byte> Message(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ChatProtocol.EncodeMessage(message.From, message.Text);
    }

    /// <remarks>
    /// A coalesced diff goes from the room's members before the interval to those after it, and the
    /// frames replay it in the order that keeps a client's member list consistent at every step:
    /// leaves first (they free names), then renames (their old names were there before), then joins
    /// (their names were not). So "bob left, carol renamed to bob" and "alice renamed to al, a new
    /// alice joined" both read right.
    /// </remarks>
    public IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        if (diff.IsEmpty)
        {
            return [];
        }

        var frames = new ReadOnlyMemory<byte>[diff.Leaves.Count + diff.Renames.Count + diff.Joins.Count];
        var next = 0;
        foreach (var name in diff.Leaves)
        {
            frames[next++] = ChatProtocol.EncodeLeave(name);
        }

        foreach (var rename in diff.Renames)
        {
            frames[next++] = ChatProtocol.EncodeRename(rename.To, rename.From);
        }

        foreach (var name in diff.Joins)
        {
            frames[next++] = ChatProtocol.EncodeJoin(name);
        }

        return frames;
    }

    /// <summary>As the original protocol's join: <c>chat-users</c> (no history); its own <c>chat-join</c> went out with the presence its join flushed.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Entered(RoomEntered entered)
    {
        ArgumentNullException.ThrowIfNull(entered);
        return [ChatProtocol.EncodeUsers(entered.Name, entered.Members)];
    }

    public ReadOnlyMemory<byte>? Acked(PostAcked acked) => null;

    public ReadOnlyMemory<byte>? Left(RoomLeft left) => null;

    public ReadOnlyMemory<byte>? History(HistoryPageRead page) => null;

    public ReadOnlyMemory<byte>? Governance(GovernanceFact fact) => null;
}
