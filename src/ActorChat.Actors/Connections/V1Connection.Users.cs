using ActorChat.Actors.Sessions;
using ActorChat.Actors.Users;
using ActorChat.Protocol.V1;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// A signed-in user's rooms (PROTOCOL-V1.1 Part A, "Membership of users"): they are the user's, kept by
/// the user's entity on whichever node it lives, so the welcome lists them on every device (with the
/// session's own when it was resumed), a room the connection enters becomes the user's, and a
/// <c>leave</c> here is a leave on every connection of the user. An anonymous member's rooms stay its
/// session's, as in the first part.
/// </summary>
internal sealed partial class V1Connection
{
    private const string UserRoomsTimer = "user-rooms";

    /// <summary>The session's welcome, held until the user's rooms come (null: none waiting).</summary>
    private SessionContract.Welcomed? _welcoming;

    /// <summary>The user's entity, when the connection is a user's and the node has users.</summary>
    private IActorRef? UserEntity => _user is not null ? Wiring.UserRegion : null;

    private void ReceiveUsers()
    {
        Receive<UserContract.Memberships>(m =>
        {
            if (_welcoming is { } welcomed && _user is { } user && string.Equals(m.UserId, user.Id, StringComparison.Ordinal))
            {
                Timers.Cancel(UserRoomsTimer);
                CompleteWelcome(welcomed, m.Rooms);
            }
        });
        Receive<UserRoomsUnanswered>(_ =>
        {
            if (_welcoming is { } welcomed)
            {
                // The user's entity is moving (its node died): the session's own rooms now, the
                // user's on the next hello. Signing in does not wait on a dead node.
                Logger.UserRoomsUnanswered(Id, Settings.AnswerTimeout);
                CompleteWelcome(welcomed, []);
            }
        });
        Receive<UserContract.LeaveForUser>(l => LeaveHere(l.Room, requestRef: null));
    }

    /// <summary>True when the welcome waits for the user's rooms (asked now); false when it goes out at once.</summary>
    private bool AwaitUserRooms(SessionContract.Welcomed welcomed)
    {
        if (UserEntity is not { } users)
        {
            return false;
        }

        _welcoming = welcomed;
        users.Tell(new UserContract.Attach(_user!.Id, Self));
        Timers.StartSingleTimer(UserRoomsTimer, UserRoomsUnanswered.Instance, Settings.AnswerTimeout);
        return true;
    }

    /// <summary>
    /// The rooms a welcome lists: the resumed session's, then the user's others, at most
    /// <see cref="ChatSettings.MaxRoomsPerConnection"/> (the connection's limit counts them all).
    /// </summary>
    private IReadOnlyList<string> WelcomeRooms(IReadOnlyList<string> session, IReadOnlyList<string> user) =>
        user.Count == 0 ? session : [.. session.Concat(user).Distinct(StringComparer.Ordinal).Take(Settings.MaxRoomsPerConnection)];

    /// <summary>The room let this connection in: it is the user's (the entity keeps it once).</summary>
    private void UserEntered(string room) => UserEntity?.Tell(new UserContract.JoinedRoom(_user!.Id, room));

    /// <summary>
    /// The user is no longer in <paramref name="room"/>. <paramref name="everywhere"/>: it was this
    /// connection's <c>leave</c>, which the user's other connections follow; false when the room
    /// itself removed (or did not let in) the user, and tells each connection on its own.
    /// </summary>
    private void UserLeft(string room, bool everywhere) =>
        UserEntity?.Tell(new UserContract.LeftRoom(_user!.Id, room, everywhere ? Self : null));

    /// <summary>The welcome timer's message: the user's entity did not answer in time. Node-local.</summary>
    private sealed record UserRoomsUnanswered : INoSerializationVerificationNeeded
    {
        public static readonly UserRoomsUnanswered Instance = new();
    }
}
