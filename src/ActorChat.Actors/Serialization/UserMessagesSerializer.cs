using System.Runtime.Serialization;
using ActorChat.Actors.Users;
using Akka.Actor;
using Akka.Serialization;
using static ActorChat.Actors.Users.UserContract;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// The format of the messages between connections and users' entities (<see cref="UserEntity"/>) in
/// the layout of <see cref="WireWriter"/>, and of the entity's persisted events (<c>usv1.…</c>:
/// Protocol Buffers of <c>persisted.proto</c> through <see cref="PersistedFormat"/>; to change one,
/// add a field or a new manifest and keep reading the old). Messages are never stored: a layout may
/// change with a release as long as every node of a cluster runs it.
/// </summary>
public sealed class UserMessagesSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id (ActorChat: 4201 history, 7101 rooms and relay, 7102 sessions and names, 7103 server control, 7104 users).</summary>
    public const int SerializerId = 7104;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-users";

    internal const string AttachManifest = "uat1";
    internal const string MembershipsManifest = "ums1";
    internal const string JoinedManifest = "ujr1";
    internal const string LeftManifest = "ulr1";
    internal const string LeaveForUserManifest = "ulf1";
    internal const string StopManifest = "ust1";
    internal const string PersistedPrefix = "usv1.";

    /// <summary>Every manifest this build reads.</summary>
    internal static readonly IReadOnlyList<string> Manifests =
    [
        AttachManifest, MembershipsManifest, JoinedManifest, LeftManifest, LeaveForUserManifest, StopManifest, PersistedPrefix + "rooms",
    ];

    private readonly ExtendedActorSystem _system = system;

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        Attach => AttachManifest,
        Memberships => MembershipsManifest,
        JoinedRoom => JoinedManifest,
        LeftRoom => LeftManifest,
        LeaveForUser => LeaveForUserManifest,
        StopUser => StopManifest,
        UserRoomsSet => PersistedPrefix + "rooms",
        _ => throw Unknown(o),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is UserEvent persisted)
        {
            return PersistedFormat.WriteUserEvent(persisted);
        }

        var w = new WireWriter();
        switch (obj)
        {
            case Attach attach:
                w.Text(attach.UserId);
                w.ActorRef(attach.Connection);
                break;
            case Memberships memberships:
                w.Text(memberships.UserId);
                w.Strings([.. memberships.Rooms]);
                break;
            case JoinedRoom joined:
                w.Text(joined.UserId);
                w.Text(joined.Room);
                break;
            case LeftRoom left:
                w.Text(left.UserId);
                w.Text(left.Room);
                w.OptionalActorRef(left.Origin);
                break;
            case LeaveForUser leave:
                w.Text(leave.Room);
                break;
            case StopUser:
                break;
            default:
                throw Unknown(obj);
        }

        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest.StartsWith(PersistedPrefix, StringComparison.Ordinal))
        {
            return PersistedFormat.ReadUserEvent(bytes, manifest[PersistedPrefix.Length..]);
        }

        var r = new WireReader(bytes, $"a user message '{manifest}'");
        object message = manifest switch
        {
            AttachManifest => new Attach(r.Text(), r.ActorRef(_system)),
            MembershipsManifest => new Memberships(r.Text(), r.Strings()),
            JoinedManifest => new JoinedRoom(r.Text(), r.Text()),
            LeftManifest => new LeftRoom(r.Text(), r.Text(), r.OptionalActorRef(_system)),
            LeaveForUserManifest => new LeaveForUser(r.Text()),
            StopManifest => StopUser.Instance,
            _ => throw new SerializationException($"ActorChat: unknown user manifest '{manifest}' (this build reads {string.Join(", ", Manifests)})."),
        };
        r.End();
        return message;
    }

    private static SerializationException Unknown(object o) =>
        new($"ActorChat: {nameof(UserMessagesSerializer)} has no format for {o?.GetType().FullName ?? "null"}.");
}
