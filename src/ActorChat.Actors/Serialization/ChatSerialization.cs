using System.Text;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using Akka.Configuration;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// The one registration of ActorChat's serializers and the types bound to them: every message that
/// crosses nodes and everything rooms, sessions and names persist. Every actor system gets it the
/// same way, as this <see cref="Config"/>: the server through the history's settings
/// (<c>ChatHistory.Config</c>, which falls back on it, and which <c>WithChatHistory</c> adds to the
/// Akka.Hosting builder), tests and benchmarks through the same <c>ChatHistory.Config</c> or
/// <c>ActorChatTestKit.Config</c>.
/// </summary>
/// <remarks>
/// Why HOCON built here rather than Akka.Hosting's <c>WithCustomSerializer</c>: the journal and
/// snapshot store name their serializer by its HOCON name (<c>serializer = actorchat-history</c>),
/// and the TestKit and benchmark actor systems are built from a <see cref="Akka.Configuration.Config"/>,
/// not through Akka.Hosting; one Config reaches all of them. Why written from <c>typeof</c>
/// rather than type-name strings in <c>hocon/actorchat.hocon</c>: a record renamed or moved to
/// another class breaks the build, not, silently at run time, the binding (a string that names no
/// type falls back to Akka's JSON). An exact binding wins over one by interface, so
/// <see cref="RoomContract.SessionEnded"/> (an <see cref="IWithRoom"/>) goes to the sessions' serializer.
/// Identifiers (stored with every journal row, so never reused): 4201 history
/// (<c>ActorChat.History.HistorySerializer</c>, bound in <c>ChatHistory.SerializationConfig</c>,
/// which is in the same style), 7101 rooms and relay, 7102 sessions and names, 7103 server control, 7104 users.
/// </remarks>
public static class ChatSerialization
{
    /// <summary>What <see cref="RoomMessagesSerializer"/> writes: room requests by their interface, the replies and relay messages by type.</summary>
    public static IReadOnlyList<Type> RoomTypes { get; } =
    [
        typeof(IWithRoom),
        typeof(RoomContract.StopRoom),
        typeof(RoomContract.Entered),
        typeof(RoomContract.Refused),
        typeof(RoomContract.RoomStopped),
        typeof(RoomContract.Status),
        typeof(RoomContract.Denied),
        typeof(RoomContract.Removed),
        typeof(ConnectionActor.Deliver),
        typeof(ChatGateway.Connected),
        typeof(NodeRelay.Forward),
        typeof(NodeRelay.FanOut),
        typeof(RoomContract.PresenceList),
    ];

    /// <summary>What <see cref="SessionMessagesSerializer"/> writes: session and name messages, and their persisted events and snapshot.</summary>
    public static IReadOnlyList<Type> SessionTypes { get; } =
    [
        typeof(SessionContract.Hello),
        typeof(SessionContract.Welcomed),
        typeof(SessionContract.HelloRefused),
        typeof(SessionContract.TakenOver),
        typeof(SessionContract.Rename),
        typeof(SessionContract.Renamed),
        typeof(SessionContract.RenameRefused),
        typeof(SessionContract.JoinedRoom),
        typeof(SessionContract.LeftRoom),
        typeof(SessionContract.Goodbye),
        typeof(RoomContract.SessionEnded),
        typeof(SessionEntity.StartSession),
        typeof(SessionEntity.ResumeSession),
        typeof(SessionEntity.NotResumed),
        typeof(SessionEntity.RenameSession),
        typeof(SessionEntity.Attached),
        typeof(SessionEntity.Reattach),
        typeof(SessionEntity.NotAttached),
        typeof(SessionEntity.GetState),
        typeof(SessionEntity.StateReply),
        typeof(NameEntity.Claim),
        typeof(NameEntity.Granted),
        typeof(NameEntity.Held),
        typeof(NameEntity.Release),
        typeof(NameEntity.Released),
        typeof(NameEntity.HoldsName),
        typeof(NameEntity.HoldsNameReply),
        typeof(NameEntity.WhoHolds),
        typeof(NameEntity.UserHolder),

        // Persisted (sev3.…): the journal and the snapshot store find these bindings first.
        typeof(SessionEntity.SessionStarted),
        typeof(SessionEntity.SessionResumed),
        typeof(SessionEntity.SessionRenamed),
        typeof(SessionEntity.RoomJoined),
        typeof(SessionEntity.RoomLeft),
        typeof(SessionEntity.SessionClosed),
        typeof(SessionEntity.SessionSnapshot),
        typeof(NameEntity.NameHeld),
        typeof(NameEntity.NameFreed),
    ];

    /// <summary>What <see cref="ServerControlSerializer"/> writes: the server-wide control messages and the control entity's persisted acts.</summary>
    public static IReadOnlyList<Type> ServerTypes { get; } =
    [
        typeof(Server.IServerControlMessage),
        typeof(Server.ServerControlContract.BanIssued),
        typeof(Server.ServerControlContract.BanLifted),
        typeof(Server.ServerControlContract.BansInForce),
        typeof(Server.ServerControlContract.DisconnectIssued),
        typeof(Server.ServerControlContract.ControlRefused),
        typeof(Server.ServerControlContract.BansChanged),
        typeof(Server.ServerControlContract.DisconnectOrder),
        typeof(Server.ServerControlContract.StopControl),
        typeof(Server.ServerControlContract.ServerAudit),

        // Persisted (scv1.…).
        typeof(Server.ServerControlEvent),
    ];

    /// <summary>What <see cref="UserMessagesSerializer"/> writes: the messages of users' entities and their persisted events.</summary>
    public static IReadOnlyList<Type> UserTypes { get; } =
    [
        typeof(Users.IUserMessage),
        typeof(Users.UserContract.Memberships),
        typeof(Users.UserContract.LeaveForUser),
        typeof(Users.UserContract.StopUser),

        // Persisted (usv1.…).
        typeof(Users.UserEvent),
    ];

    /// <summary><c>akka.actor.serializers</c> and <c>serialization-bindings</c> for the rooms' and sessions' serializers.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Hocon(
    [
        (RoomMessagesSerializer.Name, typeof(RoomMessagesSerializer), RoomTypes),
        (SessionMessagesSerializer.Name, typeof(SessionMessagesSerializer), SessionTypes),
        (ServerControlSerializer.Name, typeof(ServerControlSerializer), ServerTypes),
        (UserMessagesSerializer.Name, typeof(UserMessagesSerializer), UserTypes),
    ]));

    /// <summary>The HOCON that registers each serializer under its name and binds its types to it.</summary>
    public static string Hocon(IEnumerable<(string Name, Type Serializer, IReadOnlyList<Type> Types)> serializers)
    {
        ArgumentNullException.ThrowIfNull(serializers);
        var list = serializers.ToList();
        var hocon = new StringBuilder("akka.actor {\n  serializers {\n");
        foreach (var (name, serializer, _) in list)
        {
            hocon.Append("    ").Append(name).Append(" = \"").Append(TypeName(serializer)).Append("\"\n");
        }

        hocon.Append("  }\n  serialization-bindings {\n");
        foreach (var (name, _, types) in list)
        {
            foreach (var type in types)
            {
                hocon.Append("    \"").Append(TypeName(type)).Append("\" = ").Append(name).Append('\n');
            }
        }

        return hocon.Append("  }\n}\n").ToString();
    }

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
