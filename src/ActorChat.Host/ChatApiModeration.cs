using ActorChat.Actors;
using ActorChat.Actors.Protocol;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using ActorChat.Protocol.Api;
using ActorChat.Protocol.V1;

namespace ActorChat.Host;

/// <summary>
/// The server API's moderation routes: <c>kick</c>, <c>ban</c>, <c>unban</c>, <c>mute</c>, <c>unmute</c>,
/// <c>configure</c>, <c>grant</c> and message deletion, made in the room as the packets are, by the API with admin rights
/// (<see cref="RoomContract.ApiActorName"/> in the audit and in what members are told). The room's
/// reply frame is the body: <c>moderated</c>, <c>configured</c> or <c>granted</c>'s payload.
/// </summary>
internal sealed class ChatApiModeration(ChatApiRooms rooms, ChatApiKeys keys, ILoggerFactory loggers)
{
    private static readonly ModerationAction[] Acts = [ModerationAction.Kick, ModerationAction.Ban, ModerationAction.Unban, ModerationAction.Mute, ModerationAction.Unmute];

    private readonly ILogger _logger = loggers.CreateLogger("ActorChat.Host");

    public static void Map(RouteGroupBuilder api)
    {
        foreach (var act in Acts)
        {
            var verb = V1Protocol.ActionName(act);
            Problems(api.MapPost($"/rooms/{{room}}/{verb}", (string room, HttpContext http, ChatApiModeration moderation) => moderation.ModerateAsync(room, act, http))
                .WithName(char.ToUpperInvariant(verb[0]) + verb[1..])
                .WithSummary(Summary(act))
                .Accepts<ModerationBody>("application/json")
                .Produces<Moderated>());
        }

        Problems(api.MapPost("/rooms/{room}/configure", (string room, HttpContext http, ChatApiModeration moderation) => moderation.ConfigureAsync(room, http))
            .WithName("Configure")
            .WithSummary("Changes a room's settings (visibility, anonymous, posting, slowMode, topic) with admin rights; every member gets the new settings.")
            .Accepts<SettingsChange>("application/json")
            .Produces<Configured>());
        Problems(api.MapPost("/rooms/{room}/grant", (string room, HttpContext http, ChatApiModeration moderation) => moderation.GrantAsync(room, http))
            .WithName("Grant")
            .WithSummary("Grants a user a room role (owner hands the room over; member invites to a private room; none revokes) with admin rights.")
            .Accepts<GrantBody>("application/json")
            .Produces<Granted>());
        Problems(api.MapDelete("/rooms/{room}/messages/{offset:long}", (string room, long offset, HttpContext http, ChatApiModeration moderation) => moderation.DeleteAsync(room, offset, http))
            .WithName("DeleteMessage")
            .WithSummary("Deletes a kept message with admin rights (optional body {reason} or ?reason=): every member gets `deleted`, history shows it as deleted, and its text is purged from the store within History:PurgeAfter.")
            // No Accepts: a body is optional, and a request without a Content-Type must still match.
            .Produces<Deleted>());
    }

    public Task<IResult> DeleteAsync(string room, long offset, HttpContext http) =>
        ActAsync(room, http, "delete", "deleted", (body, session) =>
            offset < 1 ? (null, "The offset is a message's offset: 1 or more.")
            : ApiRequests.TryReadDelete(body, http.Request.Query["reason"].FirstOrDefault(), out var reason, out var problem)
                ? (new RoomContract.DeleteMessage(room, session, offset, reason, null), null)
                : (null, problem));

    public Task<IResult> ModerateAsync(string room, ModerationAction act, HttpContext http) =>
        ActAsync(room, http, V1Protocol.ActionName(act), "moderated", (body, session) =>
            ApiRequests.TryReadModeration(body, act, out var target, out var duration, out var reason, out var problem)
                ? (new RoomContract.Moderate(room, session, act, target, duration, reason, null), null)
                : (null, problem));

    public Task<IResult> ConfigureAsync(string room, HttpContext http) =>
        ActAsync(room, http, "configure", "configured", (body, session) =>
            ApiRequests.TryReadConfigure(body, out var change, out var problem)
                ? (new RoomContract.Configure(room, session, change, null), null)
                : (null, problem));

    public Task<IResult> GrantAsync(string room, HttpContext http) =>
        ActAsync(room, http, "grant", "granted", (body, session) =>
            ApiRequests.TryReadGrant(body, out var user, out var role, out var problem)
                ? (new RoomContract.Grant(room, session, user, role, null), null)
                : (null, problem));

    /// <summary>
    /// Reads the body into the room's request (<paramref name="read"/>: the request, or the problem with
    /// the body), then has an existing room decide it; the reply frame of type <paramref name="replyType"/>
    /// is the answer, a refusal a problem (<see cref="ChatApiRooms.AskRoomAsync"/>).
    /// </summary>
    private async Task<IResult> ActAsync(string room, HttpContext http, string act, string replyType, Func<byte[], string, (IWithRoom? Request, string? Problem)> read)
    {
        if (ChatApiRooms.CheckRoom(room) is { } badRoom)
        {
            return badRoom;
        }

        var (body, unreadable) = await ChatApiRooms.ReadBodyAsync(http).ConfigureAwait(false);
        if (unreadable is not null)
        {
            return unreadable;
        }

        var keyId = keys.Authenticate(http)!;
        var (request, problem) = read(body, ChatApiRooms.SenderPrefix + keyId);
        if (request is null)
        {
            return ChatApiRooms.BadRequest(problem!);
        }

        // An act is on a room that exists: moderating one would otherwise create it.
        if (await rooms.ExistingRoomAsync(room, http.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return await rooms.AskRoomAsync(room, act, new ChatGateway.ToRoom(request), answer =>
        {
            if (answer is not ConnectionActor.Deliver { Frames: [var reply] })
            {
                return null;
            }

            _logger.ApiActed(keyId, act, room);
            return Results.Bytes(ApiReplies.Payload(reply, replyType), "application/json");
        },
        http.RequestAborted).ConfigureAwait(false);
    }

    private static string Summary(ModerationAction act) => act switch
    {
        ModerationAction.Kick => "Removes a user (every connection) or a named member from the room now, with admin rights; they may join again.",
        ModerationAction.Ban => "Removes and bans a user or a named member for `duration` seconds (absent: until unbanned), with admin rights.",
        ModerationAction.Unban => "Lifts a ban, named by the user, the anonymous member's name or the ban's id.",
        ModerationAction.Mute => "Mutes a user or a named member for `duration` seconds (absent: until unmuted), with admin rights.",
        _ => "Lifts a mute.",
    };

    private static void Problems(RouteHandlerBuilder route) => route
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
