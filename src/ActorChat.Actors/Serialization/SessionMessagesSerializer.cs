using ActorChat.Actors.Rooms;
using System.Runtime.Serialization;
using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// The format of the session and name messages that cross nodes (connection ↔ front ↔
/// <see cref="SessionEntity"/> ↔ <see cref="NameEntity"/>, and <see cref="RoomContract.SessionEnded"/>
/// to rooms) and of what those entities persist: the shared layout of <see cref="WireWriter"/>,
/// fields in the order of each record's constructor, named by a short versioned manifest.
/// </summary>
/// <remarks>
/// Two manifest sets: messages (<c>hel1</c>…, never stored: a layout may change with a release as
/// long as every node of a cluster runs it) and persisted events and snapshots (<c>sev3.…</c>,
/// Protocol Buffers of <c>persisted.proto</c> through <see cref="PersistedFormat"/>, stored in the
/// journal: to change one, add a field or a new manifest and keep reading the old; the
/// <c>sev1.…</c>/<c>sev2.…</c> rows of older builds are read by <see cref="LegacySessionEventReader"/>).
/// A byte array that is optional (a token's hash) is a presence flag and the bytes. The rename
/// messages are at version 2 (<c>ren2 rnd2 rrf2 srn2</c>: the connection's request number added);
/// they are never stored, so version 1 is not read; so are <c>hel2 sst2 srs2 snr2</c> (the user id added).
/// </remarks>
public sealed class SessionMessagesSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id (ActorChat: 4201 history, 7101 rooms and relay, 7102 sessions and names).</summary>
    public const int SerializerId = 7102;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-sessions";

    internal const string HelloManifest = "hel2";
    internal const string WelcomedManifest = "wel1";
    internal const string HelloRefusedManifest = "hrf1";
    internal const string TakenOverManifest = "tko1";
    internal const string RenameManifest = "ren2";
    internal const string RenamedManifest = "rnd2";
    internal const string RenameRefusedManifest = "rrf2";
    internal const string JoinedRoomManifest = "jnd1";
    internal const string LeftRoomManifest = "lft1";
    internal const string GoodbyeManifest = "bye1";
    internal const string SessionEndedManifest = "sen1";
    internal const string StartSessionManifest = "sst2";
    internal const string ResumeSessionManifest = "srs2";
    internal const string NotResumedManifest = "snr2";
    internal const string RenameSessionManifest = "srn2";
    internal const string AttachedManifest = "sat1";
    internal const string ReattachManifest = "sra1";
    internal const string NotAttachedManifest = "sna1";
    internal const string GetStateManifest = "sgs1";
    internal const string StateReplyManifest = "ssr1";
    internal const string ClaimManifest = "ncl1";
    internal const string GrantedManifest = "ngr1";
    internal const string HeldManifest = "nhl1";
    internal const string ReleaseManifest = "nrl1";
    internal const string ReleasedManifest = "nrd1";
    internal const string HoldsNameManifest = "nvh1";
    internal const string HoldsNameReplyManifest = "nvr1";
    internal const string WhoHoldsManifest = "nwh1";
    internal const string UserHolderManifest = "nuh1";

    // Persisted: Protocol Buffers (persisted.proto, PersistedFormat). The sev1/sev2 rows of older
    // builds are read by LegacySessionEventReader.
    internal const string SessionStartedManifest = "sev3.start";
    internal const string SessionResumedManifest = "sev3.resume";
    internal const string SessionRenamedManifest = "sev3.rename";
    internal const string RoomJoinedManifest = "sev3.join";
    internal const string RoomLeftManifest = "sev3.leave";
    internal const string SessionClosedManifest = "sev3.end";
    internal const string SessionSnapshotManifest = "sev3.snap";
    internal const string NameHeldManifest = "sev3.nameheld";
    internal const string NameFreedManifest = "sev3.namefreed";

    private readonly ExtendedActorSystem _system;

    public SessionMessagesSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _system = system;
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        SessionContract.Hello => HelloManifest,
        SessionContract.Welcomed => WelcomedManifest,
        SessionContract.HelloRefused => HelloRefusedManifest,
        SessionContract.TakenOver => TakenOverManifest,
        SessionContract.Rename => RenameManifest,
        SessionContract.Renamed => RenamedManifest,
        SessionContract.RenameRefused => RenameRefusedManifest,
        SessionContract.JoinedRoom => JoinedRoomManifest,
        SessionContract.LeftRoom => LeftRoomManifest,
        SessionContract.Goodbye => GoodbyeManifest,
        RoomContract.SessionEnded => SessionEndedManifest,
        SessionEntity.StartSession => StartSessionManifest,
        SessionEntity.ResumeSession => ResumeSessionManifest,
        SessionEntity.NotResumed => NotResumedManifest,
        SessionEntity.RenameSession => RenameSessionManifest,
        SessionEntity.Attached => AttachedManifest,
        SessionEntity.Reattach => ReattachManifest,
        SessionEntity.NotAttached => NotAttachedManifest,
        SessionEntity.GetState => GetStateManifest,
        SessionEntity.StateReply => StateReplyManifest,
        NameEntity.Claim => ClaimManifest,
        NameEntity.Granted => GrantedManifest,
        NameEntity.Held => HeldManifest,
        NameEntity.Release => ReleaseManifest,
        NameEntity.Released => ReleasedManifest,
        NameEntity.HoldsName => HoldsNameManifest,
        NameEntity.HoldsNameReply => HoldsNameReplyManifest,
        NameEntity.WhoHolds => WhoHoldsManifest,
        NameEntity.UserHolder => UserHolderManifest,
        SessionEntity.SessionStarted => SessionStartedManifest,
        SessionEntity.SessionResumed => SessionResumedManifest,
        SessionEntity.SessionRenamed => SessionRenamedManifest,
        SessionEntity.RoomJoined => RoomJoinedManifest,
        SessionEntity.RoomLeft => RoomLeftManifest,
        SessionEntity.SessionClosed => SessionClosedManifest,
        SessionEntity.SessionSnapshot => SessionSnapshotManifest,
        NameEntity.NameHeld => NameHeldManifest,
        NameEntity.NameFreed => NameFreedManifest,
        _ => throw Unknown(o),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is ISessionEvent persisted)
        {
            return PersistedFormat.ToBytes(persisted);
        }

        var w = new WireWriter(64);
        switch (obj)
        {
            case SessionContract.Hello m:
                w.OptionalString(m.Token);
                w.Text(m.Name);
                w.Bool(m.Resumable);
                w.OptionalString(m.UserId);
                break;
            case SessionContract.Welcomed m:
                w.Text(m.SessionId);
                w.Text(m.Name);
                w.OptionalString(m.Token);
                w.Bool(m.Resumed);
                w.Strings([.. m.Rooms]);
                break;
            case SessionContract.HelloRefused m:
                w.Text(m.Code);
                w.Text(m.Message);
                break;
            case SessionContract.TakenOver:
                break;
            case SessionContract.Rename m:
                w.Text(m.SessionId);
                w.Text(m.Name);
                w.Fixed64(m.Request);
                break;
            case SessionContract.Renamed m:
                w.Text(m.Previous);
                w.Text(m.Name);
                w.Fixed64(m.Request);
                break;
            case SessionContract.RenameRefused m:
                w.Text(m.Code);
                w.Text(m.Message);
                w.Fixed64(m.Request);
                break;
            case SessionContract.JoinedRoom m:
                w.Text(m.SessionId);
                w.Text(m.Room);
                break;
            case SessionContract.LeftRoom m:
                w.Text(m.SessionId);
                w.Text(m.Room);
                break;
            case SessionContract.Goodbye m:
                w.Text(m.SessionId);
                break;
            case RoomContract.SessionEnded m:
                w.Text(m.Room);
                w.Text(m.SessionId);
                break;
            case SessionEntity.StartSession m:
                w.Text(m.SessionId);
                w.Text(m.Name);
                w.Text(m.Caseless);
                w.Text(m.Cased);
                w.Bool(m.Resumable);
                w.ActorRef(m.Connection);
                w.OptionalString(m.UserId);
                break;
            case SessionEntity.ResumeSession m:
                w.Text(m.SessionId);
                w.Text(m.Token);
                w.Text(m.Name);
                w.ActorRef(m.Connection);
                w.OptionalString(m.UserId);
                break;
            case SessionEntity.NotResumed m:
                w.Text(m.Name);
                w.ActorRef(m.Connection);
                w.OptionalString(m.UserId);
                break;
            case SessionEntity.RenameSession m:
                w.Text(m.SessionId);
                w.Text(m.Name);
                w.Text(m.Caseless);
                w.Text(m.Cased);
                w.ActorRef(m.Connection);
                w.Fixed64(m.Request);
                break;
            case SessionEntity.Attached m:
                w.Text(m.SessionId);
                w.Fixed64(m.Generation);
                w.ActorRef(m.Connection);
                break;
            case SessionEntity.Reattach m:
                w.Text(m.SessionId);
                w.Fixed64(m.Generation);
                w.ActorRef(m.Connection);
                break;
            case SessionEntity.NotAttached m:
                w.Text(m.SessionId);
                w.ActorRef(m.Connection);
                break;
            case SessionEntity.GetState m:
                w.Text(m.SessionId);
                break;
            case SessionEntity.StateReply m:
                w.OptionalString(m.Name);
                w.Strings([.. m.Rooms]);
                w.Bool(m.Attached);
                w.Bool(m.Ended);
                break;
            case NameEntity.Claim m:
                w.Text(m.Key);
                w.Text(m.SessionId);
                w.Text(m.Name);
                w.Fixed64(m.Attempt);
                break;
            case NameEntity.Granted m:
                w.Text(m.Key);
                w.Fixed64(m.Attempt);
                break;
            case NameEntity.Held m:
                w.Text(m.Key);
                w.Fixed64(m.Attempt);
                w.Text(m.HolderName);
                break;
            case NameEntity.Release m:
                w.Text(m.Key);
                w.Text(m.SessionId);
                break;
            case NameEntity.Released m:
                w.Text(m.Key);
                w.Text(m.SessionId);
                break;
            case NameEntity.HoldsName m:
                w.Text(m.SessionId);
                w.Text(m.Key);
                w.Fixed64(m.Verification);
                break;
            case NameEntity.HoldsNameReply m:
                w.Text(m.Key);
                w.Fixed64(m.Verification);
                w.Bool(m.Holds);
                break;
            case NameEntity.WhoHolds m:
                w.Text(m.Key);
                break;
            case NameEntity.UserHolder m:
                w.Text(m.Key);
                w.OptionalString(m.UserId);
                break;
            default:
                throw Unknown(obj);
        }

        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest.StartsWith("sev3.", StringComparison.Ordinal))
        {
            return ReadPersisted(bytes, manifest);
        }

        if (LegacySessionEventReader.Read(bytes, manifest) is { } legacy)
        {
            return legacy;
        }

        var r = new WireReader(bytes, $"a session message '{manifest}'");
        object message = manifest switch
        {
            HelloManifest => new SessionContract.Hello(r.OptionalString(), r.Text(), r.Bool(), r.OptionalString()),
            WelcomedManifest => new SessionContract.Welcomed(r.Text(), r.Text(), r.OptionalString(), r.Bool(), r.Strings()),
            HelloRefusedManifest => new SessionContract.HelloRefused(r.Text(), r.Text()),
            TakenOverManifest => SessionContract.TakenOver.Instance,
            RenameManifest => new SessionContract.Rename(r.Text(), r.Text(), r.Fixed64()),
            RenamedManifest => new SessionContract.Renamed(r.Text(), r.Text(), r.Fixed64()),
            RenameRefusedManifest => new SessionContract.RenameRefused(r.Text(), r.Text(), r.Fixed64()),
            JoinedRoomManifest => new SessionContract.JoinedRoom(r.Text(), r.Text()),
            LeftRoomManifest => new SessionContract.LeftRoom(r.Text(), r.Text()),
            GoodbyeManifest => new SessionContract.Goodbye(r.Text()),
            SessionEndedManifest => new RoomContract.SessionEnded(r.Text(), r.Text()),
            StartSessionManifest => new SessionEntity.StartSession(r.Text(), r.Text(), r.Text(), r.Text(), r.Bool(), r.ActorRef(_system), r.OptionalString()),
            ResumeSessionManifest => new SessionEntity.ResumeSession(r.Text(), r.Text(), r.Text(), r.ActorRef(_system), r.OptionalString()),
            NotResumedManifest => new SessionEntity.NotResumed(r.Text(), r.ActorRef(_system), r.OptionalString()),
            RenameSessionManifest => new SessionEntity.RenameSession(r.Text(), r.Text(), r.Text(), r.Text(), r.ActorRef(_system), r.Fixed64()),
            AttachedManifest => new SessionEntity.Attached(r.Text(), r.Fixed64(), r.ActorRef(_system)),
            ReattachManifest => new SessionEntity.Reattach(r.Text(), r.Fixed64(), r.ActorRef(_system)),
            NotAttachedManifest => new SessionEntity.NotAttached(r.Text(), r.ActorRef(_system)),
            GetStateManifest => new SessionEntity.GetState(r.Text()),
            StateReplyManifest => new SessionEntity.StateReply(r.OptionalString(), r.Strings(), r.Bool(), r.Bool()),
            ClaimManifest => new NameEntity.Claim(r.Text(), r.Text(), r.Text(), r.Fixed64()),
            GrantedManifest => new NameEntity.Granted(r.Text(), r.Fixed64()),
            HeldManifest => new NameEntity.Held(r.Text(), r.Fixed64(), r.Text()),
            ReleaseManifest => new NameEntity.Release(r.Text(), r.Text()),
            ReleasedManifest => new NameEntity.Released(r.Text(), r.Text()),
            HoldsNameManifest => new NameEntity.HoldsName(r.Text(), r.Text(), r.Fixed64()),
            HoldsNameReplyManifest => new NameEntity.HoldsNameReply(r.Text(), r.Fixed64(), r.Bool()),
            WhoHoldsManifest => new NameEntity.WhoHolds(r.Text()),
            UserHolderManifest => new NameEntity.UserHolder(r.Text(), r.OptionalString()),
            _ => throw new SerializationException($"ActorChat: unknown session message manifest '{manifest}' (this build reads {SessionMessagesSerializerInfo.Known})."),
        };
        r.End();
        return message;
    }

    private static object ReadPersisted(byte[] bytes, string manifest) => manifest switch
    {
        SessionStartedManifest => PersistedFormat.ReadSessionStarted(bytes),
        SessionResumedManifest => PersistedFormat.ReadSessionResumed(bytes),
        SessionRenamedManifest => PersistedFormat.ReadSessionRenamed(bytes),
        RoomJoinedManifest => new SessionEntity.RoomJoined(PersistedFormat.ReadSessionRoom(bytes)),
        RoomLeftManifest => new SessionEntity.RoomLeft(PersistedFormat.ReadSessionRoom(bytes)),
        SessionClosedManifest => PersistedFormat.Empty(bytes, SessionEntity.SessionClosed.Instance),
        SessionSnapshotManifest => PersistedFormat.ReadSessionSnapshot(bytes),
        NameHeldManifest => PersistedFormat.ReadNameHeld(bytes),
        NameFreedManifest => PersistedFormat.Empty(bytes, NameEntity.NameFreed.Instance),
        _ => throw new SerializationException($"ActorChat: unknown session event manifest '{manifest}' (this build reads {SessionMessagesSerializerInfo.Known})."),
    };

    private static void OptionalBytes(WireWriter w, byte[]? bytes)
    {
        w.Bool(bytes is not null);
        if (bytes is not null)
        {
            w.Bytes(bytes);
        }
    }

    private static SerializationException Unknown(object o) =>
        new($"ActorChat: {nameof(SessionMessagesSerializer)} has no format for {o?.GetType().FullName ?? "null"}.");
}

/// <summary>What the session serializer reads, for its error messages.</summary>
internal static class SessionMessagesSerializerInfo
{
    public const string Known = "hel2 wel1 hrf1 tko1 ren2 rnd2 rrf2 jnd1 lft1 bye1 sen1 sst2 srs2 snr2 srn2 sat1 sra1 sna1 sgs1 ssr1 ncl1 ngr1 nhl1 nrl1 nrd1 nvh1 nvr1 sev3.start sev3.resume sev3.rename sev3.join sev3.leave sev3.end sev3.snap sev3.nameheld sev3.namefreed, and (written by older builds) sev1.start sev1.resume sev2.resume sev1.rename sev1.join sev1.leave sev1.end sev1.snap sev2.snap sev1.nameheld sev1.namefreed";
}
