namespace ActorChat.Actors.Users;

/// <summary>
/// Who a connection is when a token proved it (<c>actorchat.v1</c> with <c>Auth:Mode</c>
/// <c>optional</c> or <c>required</c>); an anonymous member has none. Built once from a validated
/// token's claims and replaced whole by a <c>refresh</c>; the connection holds it and hands the
/// parts each area needs to its session and rooms.
/// </summary>
/// <param name="Id">The token's <c>sub</c>: the user's id, 1–128 characters.</param>
/// <param name="Name">The token's <c>name</c> claim, if any (not yet checked against the name rules).</param>
/// <param name="Roles">Server roles as <c>welcome.user.roles</c> shows them (<c>["admin"]</c> or none).</param>
/// <param name="IsAdmin">A server admin: listed in <c>Auth:Admins</c> or holding <c>Auth:AdminRole</c>; acts as owner in every room.</param>
/// <param name="RoomGrants">The token's <c>rooms</c> claim: room name → <c>member</c> or <c>moderator</c>.</param>
/// <param name="ExpiresAt">The token's <c>exp</c>.</param>
public sealed record UserIdentity(
    string Id,
    string? Name,
    IReadOnlyList<string> Roles,
    bool IsAdmin,
    IReadOnlyDictionary<string, string> RoomGrants,
    DateTimeOffset ExpiresAt);
