using ActorChat.Actors;
using ActorChat.Actors.Protocol;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using ActorChat.Protocol.Api;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorChat.Host;

/// <summary>
/// The server API's room routes. Each asks the node's <see cref="ChatGateway"/>, which hands the
/// request to the room (or the listing); Ask is used here only, at the edge, bounded by
/// <see cref="ChatSettings.AnswerTimeout"/> (503 past it). Reads of a room that does not exist are
/// 404 and do not create it (<see cref="RoomExistence"/>); a post creates it, as a member's join does.
/// </summary>
internal sealed class ChatApiRooms(ActorRegistry registry, ActorSystem system, IOptions<ChatServerOptions> options, ChatApiKeys keys, ILoggerFactory loggers)
{
    /// <summary>What stands for an API key in the rooms' <c>cid</c> dedup (never a session id: those have no colon).</summary>
    public const string SenderPrefix = RoomContract.ApiSenderPrefix;

    private readonly ChatServerOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger("ActorChat.Host");

    private TimeSpan Timeout => _options.Limits.AnswerTimeout;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/rooms/{room}/messages", (string room, HttpContext http, ChatApiRooms rooms) => rooms.PublishAsync(room, http))
            .WithName("PostMessage")
            .WithSummary("Posts a message to a room as `from` (default `server`), with `via: \"api\"`; a repeated `cid` answers the same body.")
            .Accepts<PublishRequest>("application/json")
            .Produces<Published>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/rooms", (HttpContext http, ChatApiRooms rooms) => rooms.ListAsync(http.RequestAborted))
            .WithName("ListRooms")
            .WithSummary("The rooms with members, busiest first.")
            .Produces<RoomEntry[]>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/rooms/{room}", (string room, HttpContext http, ChatApiRooms rooms) => rooms.InfoAsync(room, http.RequestAborted))
            .WithName("GetRoom")
            .WithSummary("Where a room's history stands (epoch, last offset) and how many members it has.")
            .Produces<RoomInfo>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/rooms/{room}/presence", (string room, HttpContext http, ChatApiRooms rooms) => rooms.PresenceAsync(room, http.RequestAborted))
            .WithName("GetPresence")
            .WithSummary("Who is in a room, by name, with each name's connections.")
            .Produces<Presence>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/rooms/{room}/messages", (string room, long? before, int? limit, HttpContext http, ChatApiRooms rooms) => rooms.HistoryAsync(room, before, limit, http.RequestAborted))
            .WithName("GetMessages")
            .WithSummary("A page of a room's history, oldest first, as actorchat.v1's history payload: the messages before `before` (default: the newest), at most `limit` (1–100, default 50).")
            .Produces<MessagePage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/rooms/{room}/audit", (string room, long? before, int? limit, HttpContext http, ChatApiRooms rooms) => rooms.AuditAsync(room, before, limit, http))
            .WithName("GetAudit")
            .WithSummary("A page of a room's audit, newest last, as actorchat.v1's audit payload: the entries before `before` (a `seq`; default: the newest), at most `limit` (1–100, default 50).")
            .Produces<AuditPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        ChatApiModeration.Map(api);
    }

    public async Task<IResult> PublishAsync(string room, HttpContext http)
    {
        if (CheckRoom(room) is { } badRoom)
        {
            return badRoom;
        }

        var (body, unreadable) = await ReadBodyAsync(http).ConfigureAwait(false);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (!ApiReplies.TryReadPublish(body, out var request, out var problem))
        {
            return BadRequest(problem);
        }

        var limits = _options.Limits;
        var text = request.Text?.Trim() ?? "";
        if (text.Length == 0)
        {
            return BadRequest("\"text\" is required: a message needs some text.");
        }

        if (text.Length > limits.MaxMessageLength)
        {
            return BadRequest($"\"text\": a message can have at most {limits.MaxMessageLength} characters.");
        }

        // The name rules of every member; the reserved names (server) are the API's to use, a
        // user's name (or a look-alike of it) is not: it is the user's, online or not.
        if (!ChatRules.TryValidateName(request.From ?? ReservedNames.Server, limits.MaxNameLength, out var from, out _, out var nameError))
        {
            return BadRequest($"\"from\": {nameError}");
        }

        if (request.Cid is { Length: 0 or > V1Protocol.MaxIdLength })
        {
            return BadRequest($"\"cid\" must be a string of 1–{V1Protocol.MaxIdLength} characters.");
        }

        if (request.ReplyTo is < 1)
        {
            return BadRequest("\"replyTo\" must be the offset of a message of the room (1 or more).");
        }

        if (await RefuseUsersNameAsync(room, from, http.RequestAborted).ConfigureAwait(false) is { } taken)
        {
            return taken;
        }

        var keyId = keys.Authenticate(http)!;
        var post = new RoomContract.ApiPost(room, SenderPrefix + keyId, from, text, request.Cid, request.ReplyTo);
        return await AskRoomAsync(room, "a post", new ChatGateway.ToRoom(post), answer =>
        {
            if (answer is not ConnectionActor.Deliver { Frames: [var published] })
            {
                return null;
            }

            _logger.ApiPosted(keyId, room, from);
            return Results.Bytes(published.ToArray(), "application/json");
        },
        http.RequestAborted).ConfigureAwait(false);
    }

    public Task<IResult> ListAsync(CancellationToken cancellation) =>
        AskRoomAsync(
            "",
            "the room list",
            new RoomContract.ListRooms(null),
            answer => answer is RoomContract.RoomList list
                ? TypedResults.Ok<RoomEntry[]>([.. list.Rooms.Where(r => !IsOutOfReach(r.Room)).Select(r => new RoomEntry(r.Room, r.Members))])
                : null,
            cancellation);

    public async Task<IResult> InfoAsync(string room, CancellationToken cancellation)
    {
        if (await ExistingRoomAsync(room, cancellation).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return await AskRoomAsync(room, "the room's status", new ChatGateway.ToRoom(new RoomContract.GetStatus(room)), answer => answer is RoomContract.Status status
            ? TypedResults.Ok(new RoomInfo(room, status.Position.Epoch, status.Position.Offset, status.Members, ApiReplies.Settings(status.Rules)))
            : null, cancellation).ConfigureAwait(false);
    }

    public async Task<IResult> PresenceAsync(string room, CancellationToken cancellation)
    {
        if (await ExistingRoomAsync(room, cancellation).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return await AskRoomAsync(room, "the room's presence", new ChatGateway.ToRoom(new RoomContract.GetPresence(room)), answer => answer is RoomContract.PresenceList list
            ? TypedResults.Ok(new Presence(room, list.MemberCount, [.. list.Members.Select(m => new PresenceMember(m.Name, m.Connections, m.User))]))
            : null, cancellation).ConfigureAwait(false);
    }

    public async Task<IResult> HistoryAsync(string room, long? before, int? limit, CancellationToken cancellation)
    {
        if (CheckPage(before, limit, "an offset") is { } badPage)
        {
            return badPage;
        }

        if (await ExistingRoomAsync(room, cancellation).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        var read = new RoomContract.ReadHistory(room, before, limit ?? V1Protocol.DefaultLimit, null);
        return await AskRoomAsync(room, "a history page", new ChatGateway.ToRoom(read), answer => answer is ConnectionActor.Deliver { Frames: [var page] }
            ? Results.Bytes(ApiReplies.HistoryPayload(page), "application/json")
            : null, cancellation).ConfigureAwait(false);
    }

    public async Task<IResult> AuditAsync(string room, long? before, int? limit, HttpContext http)
    {
        if (CheckPage(before, limit, "an entry's seq") is { } badPage)
        {
            return badPage;
        }

        if (await ExistingRoomAsync(room, http.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        var read = new RoomContract.ReadAudit(room, SenderPrefix + keys.Authenticate(http)!, before, limit, null);
        return await AskRoomAsync(room, "the audit", new ChatGateway.ToRoom(read), answer => answer is ConnectionActor.Deliver { Frames: [var page] }
            ? Results.Bytes(ApiReplies.Payload(page, "audit"), "application/json")
            : null, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Names a direct-message room: <c>dm-</c> rooms are reached only by their two users' own
    /// <c>dm</c>, never by the API, so they are 404 here and left out of the list.
    /// </summary>
    internal static bool IsOutOfReach(string room) => room.StartsWith("dm-", StringComparison.Ordinal);

    internal static IResult? CheckRoom(string room) =>
        !RoomNames.IsValid(room) ? BadRequest($"\"{room}\" is not a room name: 1–{RoomNames.MaxLength} characters of a-z 0-9 - _, starting with a letter or digit.")
        : IsOutOfReach(room) ? NotFound(room)
        : null;

    /// <summary>Null when the room exists; else the problem to answer (400 for a bad name, 404 for a room that does not exist, 503 when that cannot be told now).</summary>
    internal async Task<IResult?> ExistingRoomAsync(string room, CancellationToken cancellation)
    {
        if (CheckRoom(room) is { } bad)
        {
            return bad;
        }

        if (room == RoomNames.Lobby)
        {
            // The lobby always exists.
            return null;
        }

        try
        {
            return await RoomExistence.ExistsAsync(system, room, _options.RoomSettings(), Timeout, cancellation).ConfigureAwait(false) ? null : NotFound(room);
        }
        catch (AskTimeoutException)
        {
            _logger.ApiUnanswered("the history store", room, Timeout);
            return Unavailable("The history store did not answer in time; try again.");
        }
        catch (InvalidOperationException unreadable)
        {
            return Unavailable(unreadable.Message);
        }
    }

    /// <summary>A 409 problem when <paramref name="from"/> (or a look-alike) is a user's name; null when the API may post as it.</summary>
    private async Task<IResult?> RefuseUsersNameAsync(string room, string from, CancellationToken cancellation)
    {
        // A reserved name (server, the default) is nobody's: no question to ask. A session holds
        // both keys of its name, so the look-alike key alone says whether a user does.
        var name = NameKey.Of(from);
        if (ReservedNames.IsReserved(name))
        {
            return null;
        }

        var key = SessionSharding.CaselessKey(name.Caseless);
        IResult? refusal = null;
        var asked = await AskRoomAsync(room, "whose name \"from\" is", new ChatGateway.ToName(new NameEntity.WhoHolds(key)), answer =>
        {
            if (answer is not NameEntity.UserHolder holder)
            {
                return null;
            }

            refusal = holder.UserId is null ? null : Problem(StatusCodes.Status409Conflict, "Conflict", $"\"from\": the name \"{from}\" is a user's; the server API does not post as a user.");
            return Results.Empty;
        },
        cancellation).ConfigureAwait(false);
        return ReferenceEquals(asked, Results.Empty) ? refusal : asked;
    }

    /// <summary>Asks the gateway; <paramref name="answered"/> turns the expected answer into the result (null: not the expected one), a refusal becomes a problem.</summary>
    internal async Task<IResult> AskRoomAsync(string room, string what, object request, Func<object, IResult?> answered, CancellationToken cancellation)
    {
        object answer;
        try
        {
            var gateway = await registry.GetAsync<ChatGateway>(cancellation).ConfigureAwait(false);
            answer = await gateway.Ask<object>(request, Timeout, cancellation).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            _logger.ApiUnanswered(what, room, Timeout);
            return Unavailable($"The room did not answer within {Timeout}; try again.");
        }

        return answered(answer) ?? answer switch
        {
            RoomContract.Refused { Code: RoomContract.NotFound } refused => Problem(StatusCodes.Status404NotFound, "Not found", refused.Message),
            RoomContract.Refused { Code: RoomContract.Unavailable } refused => Unavailable(refused.Message),
            RoomContract.Refused refused => BadRequest(refused.Message),

            // With admin rights the API is refused only what nobody may do (act on an admin, give
            // the lobby an owner): the room's state is in the way, not the request's shape.
            RoomContract.Denied { Code: ErrorCodes.NotFound } denied => Problem(StatusCodes.Status404NotFound, "Not found", denied.Message),
            RoomContract.Denied { Code: ErrorCodes.Forbidden } denied => Problem(StatusCodes.Status409Conflict, "Conflict", denied.Message),
            RoomContract.Denied denied => BadRequest(denied.Message),
            _ => throw new InvalidOperationException($"Unexpected answer to {what}: {answer.GetType().Name}."),
        };
    }

    /// <summary>A page's bounds, as the history and audit reads take them: <paramref name="before"/> names <paramref name="what"/>.</summary>
    private static IResult? CheckPage(long? before, int? limit, string what) =>
        limit is < 1 or > V1Protocol.MaxLimit ? BadRequest($"\"limit\" must be a whole number from 1 to {V1Protocol.MaxLimit}.")
        : before is < 0 ? BadRequest($"\"before\" must be {what}, 0 or more.")
        : null;

    /// <summary>The request's body; or, when it cannot be read (larger than the server takes), the problem to answer.</summary>
    internal static async Task<(byte[] Body, IResult? Problem)> ReadBodyAsync(HttpContext http)
    {
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            return (buffer.ToArray(), null);
        }
        catch (BadHttpRequestException tooLarge)
        {
            return ([], Problem(tooLarge.StatusCode, "Bad request body", tooLarge.Message));
        }
    }

    internal static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    internal static IResult NotFound(string room) => Problem(StatusCodes.Status404NotFound, "Not found", $"There is no room \"{room}\".");

    private static IResult Unavailable(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, "Unavailable", detail);

    private static IResult Problem(int status, string title, string detail) => Results.Problem(statusCode: status, title: title, detail: detail);
}
