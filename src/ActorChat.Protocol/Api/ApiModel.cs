using System.Text.Json.Serialization;

namespace ActorChat.Protocol.Api;

// The server API's bodies (README "Server API", docs/PROTOCOL.md Part D), in and out. Written and
// read only through ApiJsonContext (System.Text.Json source generation): camelCase, nulls left out.

/// <summary><c>POST /api/rooms/{room}/messages</c>: what to post, as whom (default <c>server</c>), with an optional <c>cid</c> for idempotency.</summary>
public sealed record PublishRequest(string? Text, string? From, string? Cid, long? ReplyTo);

/// <summary>A posted message's place: the reply to a publish, the same for a repeated <c>cid</c>.</summary>
public sealed record Published(string Room, long Offset);

/// <summary>A room with members, in <c>GET /api/rooms</c> (busiest first).</summary>
public sealed record RoomEntry(string Room, int Members);

/// <summary><c>GET /api/rooms/{room}</c>: where its history stands and how many members it has.</summary>
public sealed record RoomInfo(string Room, string Epoch, long Offset, int MemberCount, RoomSettingsDoc Settings);

/// <summary><c>GET /api/rooms/{room}/presence</c>: who is in the room, by name (capped; <see cref="MemberCount"/> exact).</summary>
public sealed record Presence(string Room, int MemberCount, IReadOnlyList<PresenceMember> Members);

/// <summary>
/// A name in a room, the user who holds it (absent for an anonymous member) and how many of its
/// connections are in it (every connection of the user; 0 while in its presence grace).
/// </summary>
public sealed record PresenceMember(string Name, int Connections, string? User = null);

/// <summary>A message as <c>actorchat.v1</c> shows it (the <c>message</c> payload); documents <see cref="MessagePage"/>.</summary>
public sealed record HistoryMessage(string Room, long Offset, string From, string Text, string At, string? Cid, string? Via);

/// <summary>
/// <c>GET /api/rooms/{room}/messages</c>: the <c>actorchat.v1</c> <c>history</c> payload, oldest
/// first. Served as the room's own encoding (<see cref="ApiReplies.HistoryPayload"/>); this type
/// describes it for the OpenAPI document.
/// </summary>
public sealed record MessagePage(string Room, IReadOnlyList<HistoryMessage> Messages, bool More);

/// <summary>Whom an audit entry's act was on: a user's id, or (an anonymous member) the name it had.</summary>
public sealed record AuditTarget(string? User, string? Name);

/// <summary>An audit entry as <c>actorchat.v1</c> shows it; documents <see cref="AuditPage"/>. <c>reason</c> is null when none was given.</summary>
public sealed record AuditEntryDoc(long Seq, string At, string By, string Action, AuditTarget? Target, long? Offset, string? Reason, string? Until, string? Role);

/// <summary>
/// <c>GET /api/rooms/{room}/audit</c>: the <c>actorchat.v1</c> <c>audit</c> payload, newest last.
/// Served as the room's own encoding (<see cref="ApiReplies.Payload"/>); this type describes it
/// for the OpenAPI document.
/// </summary>
public sealed record AuditPage(string Room, IReadOnlyList<AuditEntryDoc> Entries, bool More);

/// <summary>
/// <c>POST /api/rooms/{room}/kick</c>, <c>/ban</c>, <c>/unban</c>, <c>/mute</c>, <c>/unmute</c>: whom — a user's id
/// or a name in the room now (an <c>unban</c> may name a <c>ban</c> id instead) — for how long in seconds
/// (a ban or a mute; absent: until lifted) and why.
/// </summary>
public sealed record ModerationBody(string? User, string? Name, long? Duration, string? Reason, long? Ban);

/// <summary><c>POST /api/rooms/{room}/configure</c>: the settings to change (at least one).</summary>
public sealed record SettingsChange(string? Visibility, string? Anonymous, string? Posting, int? SlowMode, string? Topic);

/// <summary><c>POST /api/rooms/{room}/grant</c>: a user's id and the role it gets (<c>owner</c>, <c>moderator</c>, <c>member</c>, <c>none</c>).</summary>
public sealed record GrantBody(string? User, string? Role);

/// <summary>A room's settings, as <c>joined</c>, <c>room</c> and <c>configured</c> carry them.</summary>
public sealed record RoomSettingsDoc(string Visibility, string Anonymous, string Posting, int SlowMode, string Topic);

/// <summary>The reply to a moderation call, as actorchat.v1's <c>moderated</c> payload: the act and its resolved target.</summary>
public sealed record Moderated(string Room, string Action, AuditTarget Target);

/// <summary>The reply to <c>configure</c>, as actorchat.v1's <c>configured</c> payload: the room's settings now.</summary>
public sealed record Configured(string Room, RoomSettingsDoc Settings);

/// <summary>The reply to <c>grant</c>, as actorchat.v1's <c>granted</c> payload.</summary>
public sealed record Granted(string Room, string User, string Role);

/// <summary><c>POST /api/bans</c>: a server-wide ban of a user (its id) or a client address (IPv4, or IPv6: its /64), for <c>duration</c> seconds (absent: until lifted).</summary>
public sealed record ServerBanBody(string? User, string? Address, long? Duration, string? Reason);

/// <summary>A server-wide ban: its id (for <c>DELETE /api/bans/{id}</c>), whom it names, since when, until when (null: until lifted), why, by whom.</summary>
public sealed record ServerBanDoc(long Id, string? User, string? Address, string At, string? Until, string? Reason, string By);

/// <summary>
/// An entry of the server-wide audit: its <c>seq</c> (for <c>before</c>), when, by whom (<c>api</c>),
/// the action (<c>ban</c>, <c>unban</c>, <c>disconnect</c>), whom it named, the ban's id, why, until when.
/// </summary>
public sealed record ServerAuditDoc(long Seq, string At, string By, string Action, string? User, string? Address, string? SessionId, long? BanId, string? Reason, string? Until);

/// <summary><c>GET /api/audit</c>: a page of the server-wide audit, newest last; <c>more</c>: older entries are kept.</summary>
public sealed record ServerAuditPage(IReadOnlyList<ServerAuditDoc> Entries, bool More);

/// <summary><c>POST /api/disconnect</c>: the connections of a user (its id) or of a session, to close with 4005.</summary>
public sealed record DisconnectBody(string? User, string? SessionId, string? Reason);

/// <summary>The reply to <c>POST /api/disconnect</c>: whom it named and when (every node closes their connections now).</summary>
public sealed record Disconnected(string? User, string? SessionId, string At);
/// <summary>The reply to <c>DELETE /api/rooms/{room}/messages/{offset}</c>, as actorchat.v1's <c>deleted</c> reply payload.</summary>
public sealed record Deleted(string Room, long Offset);

/// <summary>The optional body of <c>DELETE /api/rooms/{room}/messages/{offset}</c>.</summary>
public sealed record DeleteBody(string? Reason);

/// <summary>The source-generated serializers of every API body (minimal APIs are given this context).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(Published))]
[JsonSerializable(typeof(RoomEntry[]))]
[JsonSerializable(typeof(RoomInfo))]
[JsonSerializable(typeof(Presence))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(ModerationBody))]
[JsonSerializable(typeof(SettingsChange))]
[JsonSerializable(typeof(GrantBody))]
[JsonSerializable(typeof(Moderated))]
[JsonSerializable(typeof(Configured))]
[JsonSerializable(typeof(Granted))]
[JsonSerializable(typeof(ServerBanBody))]
[JsonSerializable(typeof(ServerBanDoc))]
[JsonSerializable(typeof(ServerBanDoc[]))]
[JsonSerializable(typeof(ServerAuditPage))]
[JsonSerializable(typeof(DisconnectBody))]
[JsonSerializable(typeof(Disconnected))]
[JsonSerializable(typeof(Deleted))]
[JsonSerializable(typeof(DeleteBody))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
