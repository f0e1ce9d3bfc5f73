using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// What a room persists in its journal, one journal entry per event. <see cref="RoomState.Apply"/>
/// turns them into the room's state, live and on recovery alike; nothing else changes a
/// <see cref="RoomState"/> but a snapshot. Events are facts: they are applied as recorded, never
/// re-decided, so a change of <see cref="RoomLimits"/> does not change what a replay produces.
/// </summary>
public abstract record RoomEvent;

/// <summary>
/// The room's history begins under <paramref name="Epoch"/>, its first message will have offset 1.
/// The first event of every room (persisted once, when the room is first created).
/// </summary>
public sealed record HistoryStarted(string Epoch) : RoomEvent;

/// <summary>
/// A message was posted. <paramref name="SessionId"/> is the internal, stable id of the sending
/// session (never the token a client presents, never on the wire); with <see cref="ChatMessage.Cid"/>
/// it is the key a repeated send is recognized by. <paramref name="UserId"/>: the author's user (null:
/// anonymous, and in rows from before users), who may delete it besides the session.
/// A posted message whose journal row was purged after its deletion reads back as a
/// <see cref="ChatMessage.Tombstone"/>.
/// </summary>
public sealed record MessagePosted(ChatMessage Message, string SessionId, string? UserId = null) : RoomEvent
{
    /// <summary>Who may delete it as its author: <c>u:</c> the user, or <c>s:</c> the session (<see cref="RoomPrincipal.Key"/>).</summary>
    public string AuthorKey => UserId is { } user ? "u:" + user : "s:" + SessionId;
}

/// <summary>
/// Retention: every message with an offset below <paramref name="FirstKeptOffset"/> is dropped from
/// the history (and may then be deleted from the journal). The epoch and the next offset stay.
/// </summary>
public sealed record HistoryTrimmed(long FirstKeptOffset) : RoomEvent;
