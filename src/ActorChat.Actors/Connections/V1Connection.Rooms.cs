using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// Entering and leaving rooms: a join told to the session and the room, the room's answer, a leave
/// (idempotent; a user's leave is the user's on every connection), and a room that stopped or whose
/// node was lost.
/// </summary>
internal sealed partial class V1Connection
{
    private void OnJoin(JoinRequest join)
    {
        if (!_rooms.CanJoin(join.Room, Settings.MaxRoomsPerConnection))
        {
            SendError(ErrorCodes.TooManyRooms, $"A connection can be in at most {Settings.MaxRoomsPerConnection} rooms; leave one first.", join.Ref);
            return;
        }

        if (_rooms.BeginJoin(join.Room))
        {
            Wiring.Sessions.Tell(new SessionContract.JoinedRoom(_sessionId!, join.Room));
        }

        Wiring.Rooms.Tell(new RoomContract.Enter(join.Room, _sessionId!, _name, Self, Subprotocols.V1, join.Since, join.Limit, join.Ref, IdentityFor(join.Room)));
        Timers.StartSingleTimer(JoinTimer(join.Room), new Unanswered(join.Room), Settings.AnswerTimeout);
    }

    private void OnEntered(RoomContract.Entered entered)
    {
        Timers.Cancel(JoinTimer(entered.Room));
        var held = _rooms.Enter(entered.Room, out var known);
        if (known)
        {
            WatchRoom(entered.Room, Sender);
            UserEntered(entered.Room);
        }

        foreach (var frame in entered.Frames)
        {
            Enqueue(frame);
        }

        foreach (var post in held)
        {
            Wiring.Rooms.Tell(post);
        }
    }

    private void OnLeave(LeaveRequest leave)
    {
        // A user's leave is the user's: the other connections leave too.
        UserLeft(leave.Room, everywhere: true);
        if (!LeaveHere(leave.Room, leave.Ref))
        {
            // Leaving is idempotent.
            Enqueue(V1Protocol.EncodeLeft(leave.Ref, leave.Room));
        }
    }

    /// <summary>Leaves <paramref name="room"/> on this connection (false: it was not one of its rooms); the room answers <c>left</c>.</summary>
    private bool LeaveHere(string room, string? requestRef)
    {
        if (_sessionId is null || _ended || !_rooms.Leave(room))
        {
            return false;
        }

        ForgetRoom(room);
        Timers.Cancel(JoinTimer(room));
        Wiring.Sessions.Tell(new SessionContract.LeftRoom(_sessionId, room));

        // The room answers with left, after everything it sent before.
        Wiring.Rooms.Tell(new RoomContract.Leave(room, _sessionId, requestRef));
        return true;
    }

    private void OnRoomStopped(RoomContract.RoomStopped stopped)
    {
        // The room stopped (it failed, or passivated as this join raced it): enter again from where
        // it left us; its joined (no ref) carries what came since.
        if (!_ended && _rooms.Reenter(stopped.Room))
        {
            Wiring.Rooms.Tell(new RoomContract.Enter(stopped.Room, _sessionId!, _name, Self, Subprotocols.V1, stopped.Position, null, null, IdentityFor(stopped.Room)));
            Timers.StartSingleTimer(JoinTimer(stopped.Room), new Unanswered(stopped.Room), Settings.AnswerTimeout);
        }
    }

    private protected override void OnRoomLost(string room)
    {
        // The room comes back on another node, but this connection cannot know from which offset
        // to ask it again: what the room broadcast just before its node died may be lost in
        // transit. The client knows what it has: it resumes the session and rejoins every room
        // with since, gapless, as after any restart.
        if (_rooms.IsJoined(room) && !_ended)
        {
            Logger.RoomNodeLost(Id, room);
            CloseSocket(CloseCodes.ServiceRestart, "service restart", flushFirst: true);
        }
    }
}
