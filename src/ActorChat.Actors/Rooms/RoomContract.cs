using ActorChat.Protocol;
using Akka.Actor;

namespace ActorChat.Actors.Rooms;

/// <summary>A message for one room; <see cref="Room"/> is the room's name, its id (the shard region routes by it).</summary>
public interface IWithRoom
{
    string Room { get; }
}

/// <summary>
/// Every message that crosses between the rooms and the other areas (connections, sessions, the
/// host): requests to a <see cref="RoomActor"/> carry the room id (<see cref="IWithRoom"/>) and go
/// through the shard region; its replies; and the node's room queries. Small immutable records.
/// </summary>
public static partial class RoomContract
{
    /// <summary>
    /// The error code of a request the room cannot answer now because its journal could not be read
    /// (or too many reads are in progress): retry later.
    /// </summary>
    public const string Unavailable = "unavailable";

    /// <summary>
    /// A session joins the room (connection → room), or joins it again. <paramref name="Member"/> is the
    /// connection that gets the reply and every live event of the room from then on; a session entering
    /// with another ref (a resumed session on its new connection) moves there. The reply is one
    /// <see cref="Entered"/>. <paramref name="Subprotocol"/> is the member's (<see cref="Subprotocols"/>):
    /// the room encodes for it. <paramref name="Since"/> and <paramref name="Limit"/> are <c>join</c>'s;
    /// <paramref name="Ref"/> is echoed in <c>joined</c>. <paramref name="Identity"/>: who the joiner is
    /// (null: anonymous, address unknown); the room's governance admits it or refuses it with <see cref="Denied"/>.
    /// </summary>
    public sealed record Enter(
        string Room,
        string SessionId,
        string Name,
        IActorRef Member,
        string Subprotocol,
        StreamPosition? Since,
        int? Limit,
        string? Ref,
        JoinIdentity? Identity = null) : IWithRoom;

    /// <summary>
    /// A <c>beej-chat-protocol</c> connection that has not joined yet receives the room's broadcasts
    /// (connection → room), as the original protocol delivers them to every accepted socket; it is
    /// not a member and nobody sees it. Its <see cref="Enter"/> makes it a member. The room tells the
    /// sender <paramref name="Ack"/> once it listens (the host accepts the socket only then).
    /// </summary>
    public sealed record Listen(string Room, IActorRef Connection, object? Ack) : IWithRoom;

    /// <summary>The session leaves the room (connection → room); answered with a <c>left</c> frame (v1) in its stream.</summary>
    public sealed record Leave(string Room, string SessionId, string? Ref) : IWithRoom;

    /// <summary>
    /// A message from a member (connection → room); <paramref name="Text"/> already trimmed and checked
    /// against the protocol's rules. The member's <c>ack</c> (v1) comes once the message is durable, ahead
    /// of the message itself; a repeated <paramref name="Cid"/> is acked with the original offset and not
    /// posted again. A session that is not a member, or whose connection died and has not entered
    /// again, gets <see cref="Refused"/> <c>not-in-room</c>; a post from the connection that died (sent
    /// before it died, arriving after the room learnt of it) is still accepted.
    /// </summary>
    public sealed record Post(string Room, string SessionId, string Text, string? Cid, string? Ref) : IWithRoom;

    /// <summary>A <c>history</c> page (anyone → room), answered to the sender with one <c>history</c> frame (v1).</summary>
    public sealed record ReadHistory(string Room, long? Before, int? Limit, string? Ref) : IWithRoom;

    /// <summary>A member's session is now called <paramref name="NewName"/> (connection → room): a presence rename.</summary>
    public sealed record RenameMember(string Room, string SessionId, string NewName) : IWithRoom;

    /// <summary>A session ended (session → room): its membership in <paramref name="Room"/> is over.</summary>
    public sealed record SessionEnded(string Room, string SessionId) : IWithRoom;

    /// <summary>
    /// Applies retention by age now (the node's <see cref="RoomRetentionSweeper"/> → room): a room
    /// asleep is woken by it, which applies retention as every wake does. Answered with the room's
    /// <see cref="Status"/>; a room nobody is in then asks to passivate at once rather than after
    /// <see cref="RoomSettings.IdleTimeout"/>, so a sweep does not keep rooms in memory.
    /// </summary>
    public sealed record ApplyRetention(string Room) : IWithRoom;

    /// <summary>Asks for the room's <see cref="Status"/> (tests, metrics, <c>rooms</c>).</summary>
    public sealed record GetStatus(string Room) : IWithRoom;

    /// <summary>
    /// The reply to <see cref="Enter"/> (room → member): <paramref name="Frames"/> are what the member's
    /// protocol sends for it, ready to send (v1: one <c>joined</c>; beej: <c>chat-join</c> of the member's
    /// own name, then <c>chat-users</c>). The rest is the same answer as facts: the room's position when
    /// it answered, its exact member count, and whether <c>since</c> was recovered (null without one).
    /// Every live event of the room follows it, as <see cref="ConnectionActor.Deliver"/>.
    /// </summary>
    public sealed record Entered(
        string Room,
        StreamPosition Position,
        int MemberCount,
        bool? Recovered,
        IReadOnlyList<ReadOnlyMemory<byte>> Frames);

    /// <summary>
    /// A request the room refused (room → sender), to encode as the sender's protocol's error with
    /// <paramref name="Ref"/>. A post refused <c>not-in-room</c> comes back whole as
    /// <paramref name="Unposted"/>: a connection that was re-entering the room (the room moved to
    /// another node, and the post overtook the entry) sends it again once it is back in.
    /// </summary>
    public sealed record Refused(string Room, string Code, string Message, string? Ref, Post? Unposted = null);

    /// <summary>
    /// The room stopped while the connection was a member (room → member): passivated as a join raced
    /// its idle stop, or failed. The member receives no more events from it and should enter again;
    /// it has every message up to <paramref name="Position"/> (null: it had not been answered yet).
    /// </summary>
    public sealed record RoomStopped(string Room, StreamPosition? Position);

    /// <summary>
    /// The room's state now: its history (epoch and last offset, kept range, journal sequence number),
    /// its members (sessions, including those within their presence grace), how many of them have a
    /// connection, whether presence changes wait for the next diff, and the names as the last diff
    /// left them (capped like <c>joined.members</c>), and its settings.
    /// </summary>
    public sealed record Status(
        string Room,
        StreamPosition Position,
        long FirstKeptOffset,
        long SequenceNr,
        int Members,
        int Attached,
        bool PresencePending,
        IReadOnlyList<string> Names,
        RoomRules Rules);

    /// <summary>The stop message a room asks its region for (<see cref="Akka.Cluster.Sharding.Passivate"/>; under sharding also the hand-off stop message); it stops once its last batch is durable.</summary>
    public sealed record StopRoom
    {
        public static readonly StopRoom Instance = new();
    }

    /// <summary>Asks for <see cref="RoomCount"/> (tests, metrics).</summary>
    public sealed record GetRoomCount
    {
        public static readonly GetRoomCount Instance = new();
    }

    /// <summary>How many room actors are alive (passivating ones included).</summary>
    public sealed record RoomCount(int Count);

    /// <summary>A room's member count changed (room → region, or → <see cref="RoomDirectory"/> in a cluster), for <see cref="ListRooms"/>.</summary>
    /// <remarks>Node-local in both modes (a room reports to its own node's directory), so it has no serializer.</remarks>
    public sealed record Occupancy(string Room, int Members) : INoSerializationVerificationNeeded;

    /// <summary>Asks for the <see cref="RoomList"/> (connection → region, or → <see cref="RoomDirectory"/> in a cluster); <paramref name="Ref"/> is the <c>rooms</c> request's.</summary>
    /// <remarks>Node-local: a connection asks its own node (the directory answers from its replica).</remarks>
    public sealed record ListRooms(string? Ref) : INoSerializationVerificationNeeded;

    /// <summary>The rooms with members now, for a <c>rooms</c> reply.</summary>
    /// <remarks>Node-local: the answer to <see cref="ListRooms"/>.</remarks>
    public sealed record RoomList(string? Ref, IReadOnlyList<ActorChat.Protocol.V1.RoomSummary> Rooms) : INoSerializationVerificationNeeded;

    // ---- the server API (host → gateway → room; the room answers the asker) ----

    /// <summary>The error code of an API request that names a message the room does not keep (a <c>replyTo</c>).</summary>
    public const string NotFound = "not-found";

    /// <summary>
    /// What a server API request's session id starts with (<c>api:&lt;key id&gt;</c>); a member's
    /// session id has no colon. A governance request under it (<see cref="Configure"/>, <see cref="Grant"/>,
    /// <see cref="Moderate"/>, <see cref="ReadAudit"/>) is the API's: made with admin rights as
    /// <see cref="ApiActorName"/> and answered to the asker with the reply's <c>actorchat.v1</c> frame.
    /// </summary>
    public const string ApiSenderPrefix = "api:";

    /// <summary>Who the server API's acts are by, in the audit and in what members are told.</summary>
    public const string ApiActorName = "api";

    /// <summary>
    /// A message from the server API, posted by no member: as <paramref name="From"/> (a valid name,
    /// checked by the host), with <see cref="ChatMessage.Via"/> <c>"api"</c>. <paramref name="SenderId"/>
    /// (<c>api:&lt;key id&gt;</c>) stands for the session in the room's <c>cid</c> dedup, so a repeated
    /// <paramref name="Cid"/> of the same key is answered with the original offset and not posted
    /// again. <paramref name="ReplyTo"/>, when given, must be a kept offset (else <see cref="Refused"/>
    /// <see cref="NotFound"/>). Answered once durable with one <see cref="ConnectionActor.Deliver"/>
    /// holding the API's reply body (<c>ActorChat.Protocol.Api.ApiReplies</c>), or with <see cref="Refused"/>.
    /// </summary>
    public sealed record ApiPost(string Room, string SenderId, string From, string Text, string? Cid, long? ReplyTo) : IWithRoom;

    /// <summary>Asks for the room's <see cref="PresenceList"/> (the server API).</summary>
    public sealed record GetPresence(string Room) : IWithRoom;

    /// <summary>
    /// Who is in the room now, by name in the order of <c>joined.members</c> and capped like it
    /// (<see cref="RoomLimits.MaxPresenceList"/>; <paramref name="MemberCount"/> is exact), each with
    /// its open connections in the room (0 while in its presence grace).
    /// </summary>
    public sealed record PresenceList(string Room, int MemberCount, IReadOnlyList<PresentMember> Members);

    /// <summary>
    /// A name in a <see cref="PresenceList"/>, the user who holds it (null: an anonymous member) and how
    /// many of its connections (all of the user's, by then) are in the room.
    /// </summary>
    public sealed record PresentMember(string Name, int Connections, string? User = null);
}
