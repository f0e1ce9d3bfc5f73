using System.Runtime.Serialization;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// The wire format of everything that crosses nodes to and from rooms: the <see cref="IWithRoom"/>
/// requests (connection → room), the rooms' replies and deliveries (room → connection), the
/// <see cref="NodeRelay"/>'s messages and the sharding stop message (<see cref="RoomContract.StopRoom"/>).
/// Each type has a short versioned manifest and a hand-written layout on <see cref="WireWriter"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why not Akka's default: without a binding a message crosses nodes as Newtonsoft JSON with .NET
/// type names: large (a broadcast's frames would be base64 in JSON), slow on the hot path of every
/// cross-node broadcast, and tied to type names, so two builds that renamed a record could not
/// talk. The bindings (<see cref="ChatSerialization"/>) name every type here, <see cref="IWithRoom"/>
/// by its interface, so a new room request gets this serializer or fails loudly
/// (<see cref="Manifest"/> throws) instead of slipping through as JSON.
/// </para>
/// <para>
/// To add a message: a manifest and a layout below, and a binding. To change a layout: a new
/// manifest (e.g. <c>ent2</c>), keeping the old one readable while nodes of the older build may
/// still be in the cluster (a rolling upgrade).
/// </para>
/// </remarks>
public sealed partial class RoomMessagesSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id (ActorChat's: 4201 history, 7101 rooms, 7102 sessions).</summary>
    public const int SerializerId = 7101;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-rooms";

    /// <summary><see cref="RoomContract.Enter"/> without the joiner's identity (as before it had one): room, session id, name, member, subprotocol, since?, limit?, ref?.</summary>
    internal const string EnterManifest = "ent1";

    /// <summary><see cref="RoomContract.Enter"/> with the joiner's identity: the <see cref="EnterManifest"/> layout, then user id?, admin, room grant?, address?.</summary>
    internal const string EnterWithIdentityManifest = "ent2";

    /// <summary><see cref="RoomContract.Listen"/>: room, connection, ack? (a nested message).</summary>
    internal const string ListenManifest = "lis1";

    /// <summary><see cref="RoomContract.Leave"/>: room, session id, ref?.</summary>
    internal const string LeaveManifest = "lea1";

    /// <summary><see cref="RoomContract.Post"/>: room, session id, text, cid?, ref?.</summary>
    internal const string PostManifest = "snd1";

    /// <summary><see cref="RoomContract.ReadHistory"/>: room, before?, limit?, ref?.</summary>
    internal const string ReadHistoryManifest = "his1";

    /// <summary><see cref="RoomContract.RenameMember"/>: room, session id, new name.</summary>
    internal const string RenameMemberManifest = "ren1";

    /// <summary><see cref="RoomContract.GetStatus"/>: room.</summary>
    internal const string GetStatusManifest = "gst1";

    /// <summary><see cref="RoomContract.ApplyRetention"/>: room.</summary>
    internal const string ApplyRetentionManifest = "ret1";

    /// <summary><see cref="RoomContract.SessionEnded"/>: room, session id.</summary>
    internal const string SessionEndedManifest = "sen1";

    /// <summary><see cref="RoomContract.StopRoom"/>: nothing.</summary>
    internal const string StopRoomManifest = "stp1";

    /// <summary><see cref="RoomContract.Entered"/>: room, position, member count, recovered?, frames.</summary>
    internal const string EnteredManifest = "etd1";

    /// <summary><see cref="RoomContract.Refused"/>: room, code, message, ref?, unposted? (the <see cref="RoomContract.Post"/> layout).</summary>
    internal const string RefusedManifest = "rfd1";

    /// <summary><see cref="RoomContract.RoomStopped"/>: room, position?.</summary>
    internal const string RoomStoppedManifest = "rst1";

    /// <summary><see cref="RoomContract.Status"/>: room, position, first kept offset, sequence number, members, attached, presence pending, names, settings.</summary>
    /// <remarks>
    /// <c>sts1</c>, without the settings, is not read: only the server API and the retention sweep ask
    /// for a status, and an unreadable answer from a node of the earlier build is a retried timeout there.
    /// </remarks>
    internal const string StatusManifest = "sts2";

    /// <summary><see cref="ConnectionActor.Deliver"/>: frames.</summary>
    internal const string DeliverManifest = "dlv1";

    /// <summary><see cref="ChatGateway.Connected"/> (a beej connection's <see cref="RoomContract.Listen"/> ack): connection.</summary>
    internal const string ConnectedManifest = "con1";

    /// <summary><see cref="NodeRelay.Forward"/>: connection, message (nested).</summary>
    internal const string ForwardManifest = "fwd1";

    /// <summary><see cref="NodeRelay.FanOut"/>: deliveries (frames, then connections, each).</summary>
    internal const string FanOutManifest = "fan1";

    /// <summary>Every manifest this build reads.</summary>
    internal static readonly IReadOnlyList<string> Manifests =
    [
        EnterManifest, ListenManifest, LeaveManifest, PostManifest, ReadHistoryManifest, RenameMemberManifest, GetStatusManifest, ApplyRetentionManifest,
        SessionEndedManifest, StopRoomManifest, EnteredManifest, RefusedManifest, RoomStoppedManifest, StatusManifest,
        DeliverManifest, ConnectedManifest, ForwardManifest, FanOutManifest,
        ApiPostManifest, GetPresenceManifest, PresenceListManifest,
        EnterWithIdentityManifest, ConfigureManifest, GrantManifest, ModerateManifest, ReadBansManifest, ReadAuditManifest, DeniedManifest, RemovedManifest,
        DeleteMessageManifest,
    ];

    public RoomMessagesSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o switch
        {
            RoomContract.Enter { Identity: null } => EnterManifest,
            RoomContract.Enter => EnterWithIdentityManifest,
            RoomContract.Listen => ListenManifest,
            RoomContract.Leave => LeaveManifest,
            RoomContract.Post => PostManifest,
            RoomContract.ReadHistory => ReadHistoryManifest,
            RoomContract.RenameMember => RenameMemberManifest,
            RoomContract.GetStatus => GetStatusManifest,
            RoomContract.ApplyRetention => ApplyRetentionManifest,
            RoomContract.SessionEnded => SessionEndedManifest,
            RoomContract.StopRoom => StopRoomManifest,
            RoomContract.Entered => EnteredManifest,
            RoomContract.Refused => RefusedManifest,
            RoomContract.RoomStopped => RoomStoppedManifest,
            RoomContract.Status => StatusManifest,
            ConnectionActor.Deliver => DeliverManifest,
            ChatGateway.Connected => ConnectedManifest,
            NodeRelay.Forward => ForwardManifest,
            NodeRelay.FanOut => FanOutManifest,
            _ => ApiManifest(o) ?? GovernanceManifest(o) ?? throw Unknown(o.GetType()),
        };
    }

    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var writer = new WireWriter();
        switch (obj)
        {
            case RoomContract.Enter enter:
                writer.Text(enter.Room);
                writer.Text(enter.SessionId);
                writer.Text(enter.Name);
                writer.ActorRef(enter.Member);
                writer.Text(enter.Subprotocol);
                OptionalPosition(writer, enter.Since);
                writer.OptionalFixed32(enter.Limit);
                writer.OptionalString(enter.Ref);
                if (enter.Identity is { } identity)
                {
                    WriteIdentity(writer, identity);
                }

                break;
            case RoomContract.Listen listen:
                writer.Text(listen.Room);
                writer.ActorRef(listen.Connection);
                writer.Bool(listen.Ack is not null);
                if (listen.Ack is { } ack)
                {
                    writer.Nested(system, ack);
                }

                break;
            case RoomContract.Leave leave:
                writer.Text(leave.Room);
                writer.Text(leave.SessionId);
                writer.OptionalString(leave.Ref);
                break;
            case RoomContract.Post post:
                Write(writer, post);
                break;
            case RoomContract.ReadHistory history:
                writer.Text(history.Room);
                writer.OptionalFixed64(history.Before);
                writer.OptionalFixed32(history.Limit);
                writer.OptionalString(history.Ref);
                break;
            case RoomContract.RenameMember rename:
                writer.Text(rename.Room);
                writer.Text(rename.SessionId);
                writer.Text(rename.NewName);
                break;
            case RoomContract.GetStatus status:
                writer.Text(status.Room);
                break;
            case RoomContract.ApplyRetention retention:
                writer.Text(retention.Room);
                break;
            case RoomContract.SessionEnded ended:
                writer.Text(ended.Room);
                writer.Text(ended.SessionId);
                break;
            case RoomContract.StopRoom:
                break;
            case RoomContract.Entered entered:
                writer.Text(entered.Room);
                Position(writer, entered.Position);
                writer.Fixed32(entered.MemberCount);
                writer.OptionalBool(entered.Recovered);
                writer.Blocks(entered.Frames);
                break;
            case RoomContract.Refused refused:
                writer.Text(refused.Room);
                writer.Text(refused.Code);
                writer.Text(refused.Message);
                writer.OptionalString(refused.Ref);
                writer.Bool(refused.Unposted is not null);
                if (refused.Unposted is { } unposted)
                {
                    Write(writer, unposted);
                }

                break;
            case RoomContract.RoomStopped stopped:
                writer.Text(stopped.Room);
                OptionalPosition(writer, stopped.Position);
                break;
            case RoomContract.Status status:
                writer.Text(status.Room);
                Position(writer, status.Position);
                writer.Fixed64(status.FirstKeptOffset);
                writer.Fixed64(status.SequenceNr);
                writer.Fixed32(status.Members);
                writer.Fixed32(status.Attached);
                writer.Bool(status.PresencePending);
                writer.Strings(status.Names);
                var rules = status.Rules;
                writer.Fixed32((int)rules.Visibility);
                writer.Bool(rules.AnonymousAllowed);
                writer.Fixed32((int)rules.Posting);
                writer.Fixed32(rules.SlowMode);
                writer.Text(rules.Topic);
                break;
            case ConnectionActor.Deliver deliver:
                writer.Blocks(deliver.Frames);
                break;
            case ChatGateway.Connected connected:
                writer.ActorRef(connected.Connection);
                break;
            case NodeRelay.Forward forward:
                writer.ActorRef(forward.Connection);
                writer.Nested(system, forward.Message);
                break;
            case NodeRelay.FanOut fanOut:
                writer.Count(fanOut.Deliveries.Count);
                foreach (var delivery in fanOut.Deliveries)
                {
                    writer.Blocks(delivery.Deliver.Frames);
                    writer.ActorRefs(delivery.Connections);
                }

                break;
            default:
                if (!WriteApi(writer, obj) && !WriteGovernance(writer, obj))
                {
                    throw Unknown(obj.GetType());
                }

                break;
        }

        return writer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var reader = new WireReader(bytes, $"a room message '{manifest}'");
        object result = manifest switch
        {
            EnterManifest => new RoomContract.Enter(
                Room: reader.Text(),
                SessionId: reader.Text(),
                Name: reader.Text(),
                Member: reader.ActorRef(system),
                Subprotocol: reader.Text(),
                Since: OptionalPosition(ref reader),
                Limit: reader.OptionalFixed32(),
                Ref: reader.OptionalString()),
            EnterWithIdentityManifest => new RoomContract.Enter(
                Room: reader.Text(),
                SessionId: reader.Text(),
                Name: reader.Text(),
                Member: reader.ActorRef(system),
                Subprotocol: reader.Text(),
                Since: OptionalPosition(ref reader),
                Limit: reader.OptionalFixed32(),
                Ref: reader.OptionalString(),
                Identity: ReadIdentity(ref reader)),
            ListenManifest => new RoomContract.Listen(reader.Text(), reader.ActorRef(system), reader.Bool() ? reader.Nested(system) : null),
            LeaveManifest => new RoomContract.Leave(reader.Text(), reader.Text(), reader.OptionalString()),
            PostManifest => ReadPost(ref reader),
            ReadHistoryManifest => new RoomContract.ReadHistory(reader.Text(), reader.OptionalFixed64(), reader.OptionalFixed32(), reader.OptionalString()),
            RenameMemberManifest => new RoomContract.RenameMember(reader.Text(), reader.Text(), reader.Text()),
            GetStatusManifest => new RoomContract.GetStatus(reader.Text()),
            ApplyRetentionManifest => new RoomContract.ApplyRetention(reader.Text()),
            SessionEndedManifest => new RoomContract.SessionEnded(reader.Text(), reader.Text()),
            StopRoomManifest => RoomContract.StopRoom.Instance,
            EnteredManifest => new RoomContract.Entered(
                Room: reader.Text(),
                Position: Position(ref reader),
                MemberCount: reader.Fixed32(),
                Recovered: reader.OptionalBool(),
                Frames: reader.Blocks(bytes)),
            RefusedManifest => new RoomContract.Refused(reader.Text(), reader.Text(), reader.Text(), reader.OptionalString(), reader.Bool() ? ReadPost(ref reader) : null),
            RoomStoppedManifest => new RoomContract.RoomStopped(reader.Text(), OptionalPosition(ref reader)),
            StatusManifest => new RoomContract.Status(
                Room: reader.Text(),
                Position: Position(ref reader),
                FirstKeptOffset: reader.Fixed64(),
                SequenceNr: reader.Fixed64(),
                Members: reader.Fixed32(),
                Attached: reader.Fixed32(),
                PresencePending: reader.Bool(),
                Names: reader.Strings(),
                Rules: new RoomRules(Enum<RoomVisibility>(reader.Fixed32())!.Value, reader.Bool(), Enum<RoomPosting>(reader.Fixed32())!.Value, reader.Fixed32(), reader.Text())),
            DeliverManifest => new ConnectionActor.Deliver(reader.Blocks(bytes)),
            ConnectedManifest => new ChatGateway.Connected(reader.ActorRef(system)),
            ForwardManifest => new NodeRelay.Forward(reader.ActorRef(system), reader.Nested(system)),
            FanOutManifest => ReadFanOut(ref reader, bytes),
            _ when ReadApi(manifest, ref reader) is { } api => api,
            _ when ReadGovernance(manifest, ref reader) is { } governance => governance,
            _ => throw new SerializationException($"ActorChat rooms: unknown manifest '{manifest}' (this build reads {string.Join(", ", Manifests)})."),
        };
        reader.End();
        return result;
    }

    private static ArgumentException Unknown(Type type) =>
        new($"ActorChat has no wire format for {type}: add one to {nameof(RoomMessagesSerializer)} and bind the type in {nameof(ChatSerialization)}.");

    private static void Position(WireWriter writer, StreamPosition position)
    {
        writer.Text(position.Epoch);
        writer.Fixed64(position.Offset);
    }

    private static void OptionalPosition(WireWriter writer, StreamPosition? position)
    {
        writer.Bool(position is not null);
        if (position is { } p)
        {
            Position(writer, p);
        }
    }

    private static StreamPosition Position(ref WireReader reader) => new(reader.Text(), reader.Fixed64());

    private static StreamPosition? OptionalPosition(ref WireReader reader) => reader.Bool() ? Position(ref reader) : null;

    private NodeRelay.FanOut ReadFanOut(ref WireReader reader, byte[] bytes)
    {
        var deliveries = new NodeRelay.Delivery[reader.Count()];
        for (var i = 0; i < deliveries.Length; i++)
        {
            var frames = reader.Blocks(bytes);
            deliveries[i] = new NodeRelay.Delivery(new ConnectionActor.Deliver(frames), reader.ActorRefs(system));
        }

        return new NodeRelay.FanOut(deliveries);
    }

    private static void Write(WireWriter writer, RoomContract.Post post)
    {
        writer.Text(post.Room);
        writer.Text(post.SessionId);
        writer.Text(post.Text);
        writer.OptionalString(post.Cid);
        writer.OptionalString(post.Ref);
    }

    private static RoomContract.Post ReadPost(ref WireReader reader) =>
        new(reader.Text(), reader.Text(), reader.Text(), reader.OptionalString(), reader.OptionalString());
}
