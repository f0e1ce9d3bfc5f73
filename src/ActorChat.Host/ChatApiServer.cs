using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Server;
using ActorChat.Protocol.Api;
using ActorChat.Protocol.V1;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Host;

/// <summary>
/// The server API's server-wide routes: bans of a user or an address that hold on every node (their
/// connections close with 4004 at once and their <c>hello</c> is refused while the ban lasts), and
/// disconnects (4005). The control entity decides and keeps them, with an audit of its own; each is
/// answered once durable. Ask is used here only, at the edge, bounded by <c>Limits:AnswerTimeout</c>.
/// </summary>
internal sealed class ChatApiServer(ActorRegistry registry, IOptions<ChatServerOptions> options, ChatApiKeys keys, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("ActorChat.Host");

    private TimeSpan Timeout => options.Value.Limits.AnswerTimeout;

    public static void Map(RouteGroupBuilder api)
    {
        Problems(api.MapPost("/bans", (HttpContext http, ChatApiServer server) => server.BanAsync(http))
            .WithName("BanServerWide")
            .WithSummary("Bans a user (`user`: its id) or a client address (`address`: IPv4, or IPv6 by its /64) from the whole server for `duration` seconds (absent: until lifted): their connections close with 4004 now, and their hello is refused.")
            .Accepts<ServerBanBody>("application/json")
            .Produces<ServerBanDoc>(StatusCodes.Status201Created));
        Problems(api.MapGet("/bans", (HttpContext http, ChatApiServer server) => server.ListAsync(http.RequestAborted))
            .WithName("ListServerBans")
            .WithSummary("The server-wide bans in force.")
            .Produces<ServerBanDoc[]>());
        Problems(api.MapDelete("/bans/{id}", (long id, HttpContext http, ChatApiServer server) => server.LiftAsync(id, http.RequestAborted))
            .WithName("LiftServerBan")
            .WithSummary("Lifts a server-wide ban.")
            .Produces(StatusCodes.Status204NoContent));
        Problems(api.MapGet("/audit", (long? before, int? limit, HttpContext http, ChatApiServer server) => server.AuditAsync(before, limit, http.RequestAborted))
            .WithName("GetServerAudit")
            .WithSummary("A page of the server-wide audit (bans, lifts, disconnects), newest last: the entries before `before` (a `seq`; default: the newest), at most `limit` (1–100, default 50).")
            .Produces<ServerAuditPage>());
        Problems(api.MapPost("/disconnect", (HttpContext http, ChatApiServer server) => server.DisconnectAsync(http))
            .WithName("Disconnect")
            .WithSummary("Closes every connection of a user (`user`) or a session (`sessionId`) on every node with 4005 (they may reconnect).")
            .Accepts<DisconnectBody>("application/json")
            .Produces<Disconnected>());
    }

    public async Task<IResult> BanAsync(HttpContext http)
    {
        var (body, unreadable) = await ChatApiRooms.ReadBodyAsync(http).ConfigureAwait(false);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (!ApiRequests.TryReadServerBan(body, out var ban, out var problem))
        {
            return ChatApiRooms.BadRequest(problem);
        }

        var keyId = keys.Authenticate(http)!;
        return await AskAsync("a server-wide ban", new BanServerWide(ban.User, ban.Address, ban.Duration, ban.Reason, RoomContract.ApiActorName), answer =>
        {
            if (answer is not BanIssued issued)
            {
                return null;
            }

            _logger.ApiActed(keyId, "a server-wide ban", "*");
            return TypedResults.Created($"/api/bans/{issued.Ban.Id}", Doc(issued.Ban));
        }, http.RequestAborted).ConfigureAwait(false);
    }

    public Task<IResult> ListAsync(CancellationToken cancellation) =>
        AskAsync("the server-wide bans", GetServerBans.Instance, answer => answer is BansInForce bans
            ? TypedResults.Ok<ServerBanDoc[]>([.. bans.Bans.Select(Doc)])
            : null, cancellation);

    public Task<IResult> LiftAsync(long id, CancellationToken cancellation) =>
        AskAsync("a lift of a server-wide ban", new LiftServerBan(id, RoomContract.ApiActorName), answer => answer is BanLifted
            ? TypedResults.NoContent()
            : null, cancellation);

    public Task<IResult> AuditAsync(long? before, int? limit, CancellationToken cancellation)
    {
        if (limit is < 1 or > V1Protocol.MaxLimit)
        {
            return Task.FromResult(ChatApiRooms.BadRequest($"\"limit\" must be a whole number from 1 to {V1Protocol.MaxLimit}."));
        }

        if (before is < 0)
        {
            return Task.FromResult(ChatApiRooms.BadRequest("\"before\" must be an entry's seq, 0 or more."));
        }

        return AskAsync("the server-wide audit", new GetServerAudit(before, limit ?? V1Protocol.DefaultLimit), answer => answer is ServerAudit audit
            ? TypedResults.Ok(new ServerAuditPage([.. audit.Entries.Select(Doc)], audit.More))
            : null, cancellation);
    }

    public async Task<IResult> DisconnectAsync(HttpContext http)
    {
        var (body, unreadable) = await ChatApiRooms.ReadBodyAsync(http).ConfigureAwait(false);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (!ApiRequests.TryReadDisconnect(body, out var order, out var problem))
        {
            return ChatApiRooms.BadRequest(problem);
        }

        var keyId = keys.Authenticate(http)!;
        return await AskAsync("a disconnect", new DisconnectServerWide(order.User, order.SessionId, order.Reason, RoomContract.ApiActorName), answer =>
        {
            if (answer is not DisconnectIssued issued)
            {
                return null;
            }

            _logger.ApiActed(keyId, "a disconnect", "*");
            return TypedResults.Ok(new Disconnected(issued.UserId, issued.SessionId, V1Protocol.FormatTime(issued.At)));
        }, http.RequestAborted).ConfigureAwait(false);
    }

    private static ServerAuditDoc Doc(ServerAuditEntry e) =>
        new(e.Seq, V1Protocol.FormatTime(e.At), e.By, e.Action, e.UserId, e.Address, e.SessionId, e.BanId, e.Reason, e.Until is { } until ? V1Protocol.FormatTime(until) : null);

    private static ServerBanDoc Doc(ServerBan ban) =>
        new(ban.Id, ban.UserId, ban.Address, V1Protocol.FormatTime(ban.At), ban.Until is { } until ? V1Protocol.FormatTime(until) : null, ban.Reason, ban.By);

    private async Task<IResult> AskAsync(string what, IServerControlMessage request, Func<object, IResult?> answered, CancellationToken cancellation)
    {
        object answer;
        try
        {
            var gateway = await registry.GetAsync<ChatGateway>(cancellation).ConfigureAwait(false);
            answer = await gateway.Ask<object>(new ChatGateway.ToServer(request), Timeout, cancellation).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            _logger.ApiUnanswered(what, "*", Timeout);
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unavailable", detail: $"The server's control did not answer within {Timeout}; try again.");
        }

        return answered(answer) ?? answer switch
        {
            ControlRefused { Code: "not-found" } refused => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: refused.Message),
            ControlRefused { Code: "full" } refused => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: refused.Message),
            ControlRefused refused => ChatApiRooms.BadRequest(refused.Message),
            _ => throw new InvalidOperationException($"Unexpected answer to {what}: {answer.GetType().Name}."),
        };
    }

    private static void Problems(RouteHandlerBuilder route) => route
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
