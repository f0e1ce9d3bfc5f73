using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// Roles and moderation on an <c>actorchat.v1</c> connection (PROTOCOL-V1.1 Part B): the requests go
/// to the room, which answers them itself; a refused join, a kick, a ban or a room turning private
/// take the room off the connection at once.
/// </summary>
internal sealed partial class V1Connection
{
    /// <summary>Who this connection is in <paramref name="room"/>: its user (or anonymous), admin or not, its token's grant there, its address.</summary>
    private RoomContract.JoinIdentity IdentityFor(string room) =>
        new(_user?.Id, _user?.IsAdmin ?? false, _user?.RoomGrants.GetValueOrDefault(room), Address);

    private void OnGovernance(ClientRequest request)
    {
        var session = _sessionId!;
        object? message = request switch
        {
            ConfigureRequest c when Entered(c.Room, c.Ref) => new RoomContract.Configure(c.Room, session, c.Change, c.Ref),
            GrantRequest g when Entered(g.Room, g.Ref) => new RoomContract.Grant(g.Room, session, g.User, g.Role, g.Ref),
            BansRequest b when Entered(b.Room, b.Ref) => new RoomContract.ReadBans(b.Room, session, b.Ref),
            ModerateRequest m when Entered(m.Room, m.Ref) => new RoomContract.Moderate(m.Room, session, m.Action, m.Target, m.Duration, m.Reason, m.Ref),
            AuditRequest a when Entered(a.Room, a.Ref) => new RoomContract.ReadAudit(a.Room, session, a.Before, a.Limit, a.Ref),
            DeleteRequest d when Entered(d.Room, d.Ref) => new RoomContract.DeleteMessage(d.Room, session, d.Offset, d.Reason, d.Ref),
            _ => null,
        };
        if (message is not null)
        {
            Wiring.Rooms.Tell(message);
        }
    }

    private protected override void OnServerBans()
    {
        if ((_sessionId is not null || _user is not null) && ServerBans.Match(_user?.Id, Address, Wiring.Time.GetUtcNow()) is { } ban)
        {
            RefuseBanned(ban, null);
        }
    }

    private protected override bool IsNamedBy(Server.ServerControlContract.DisconnectOrder order) =>
        (order.UserId is not null && string.Equals(order.UserId, _user?.Id, StringComparison.Ordinal))
        || (order.SessionId is not null && string.Equals(order.SessionId, _sessionId, StringComparison.Ordinal));

    /// <summary>A server-wide ban names this connection: <c>error banned {until, reason}</c>, then 4004.</summary>
    private void RefuseBanned(Server.ServerControlContract.ServerBan ban, string? requestRef)
    {
        Enqueue(V1Protocol.EncodeRefusal(requestRef, ErrorCodes.Banned, "You are banned from this server.", ban.Until, ban.Reason, null));
        CloseBanned(ban);
    }

    private void OnDenied(RoomContract.Denied denied)
    {
        if (denied.Join)
        {
            // Not let in (banned, private, anonymous denied): the room is not this connection's.
            Timers.Cancel(JoinTimer(denied.Room));
            LeaveRemoved(denied.Room);
        }

        Enqueue(V1Protocol.EncodeRefusal(denied.Ref, denied.Code, denied.Message, denied.Until, denied.Reason, denied.RetryAfter));
    }

    private void OnRemoved(RoomContract.Removed removed)
    {
        // Kicked, banned, or the room turned private: out at once, and told so.
        if (LeaveRemoved(removed.Room))
        {
            Enqueue(V1Protocol.EncodeRemoved(removed.Room, removed.Action, removed.By, removed.Reason, removed.Until));
        }
    }

    /// <summary>The room removed this connection's session: forgotten here and in the session (it is no longer a room to resume).</summary>
    private bool LeaveRemoved(string room)
    {
        if (!_rooms.Leave(room))
        {
            return false;
        }

        ForgetRoom(room);
        Timers.Cancel(JoinTimer(room));
        if (_sessionId is { } session && !_ended)
        {
            Wiring.Sessions.Tell(new SessionContract.LeftRoom(session, room));
            UserLeft(room, everywhere: false);
        }

        return true;
    }
}
