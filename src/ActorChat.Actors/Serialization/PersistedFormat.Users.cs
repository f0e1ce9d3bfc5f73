using ActorChat.Actors.Users;
using P = ActorChat.Actors.Serialization.Persisted;

namespace ActorChat.Actors.Serialization;

/// <summary>A user's entity's events as stored: <c>UserRoomsEvent</c>.</summary>
public static partial class PersistedFormat
{
    public static byte[] WriteUserEvent(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is not UserRoomsSet set)
        {
            throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e));
        }

        var p = new P.UserRoomsEvent();
        p.Rooms.AddRange(set.Rooms);
        return Google.Protobuf.MessageExtensions.ToByteArray(p);
    }

    /// <summary>Reads a user's event stored as <paramref name="kind"/> (<c>rooms</c>).</summary>
    public static UserEvent ReadUserEvent(byte[] bytes, string kind) => kind switch
    {
        "rooms" => new UserRoomsSet([.. Parse(P.UserRoomsEvent.Parser, bytes).Rooms]),
        _ => throw Corrupt($"a user event of unknown kind \"{kind}\""),
    };
}
