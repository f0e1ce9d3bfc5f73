using System.Runtime.Serialization;
using ActorChat.Actors.Server;
using Akka.Actor;
using Akka.Serialization;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// The format of the server-wide control messages (the API's node ↔ <see cref="ServerControlEntity"/>
/// ↔ every gateway) in the layout of <see cref="WireWriter"/>, and of the entity's persisted acts
/// (<c>scv1.…</c>: Protocol Buffers of <c>persisted.proto</c> through <see cref="PersistedFormat"/>;
/// to change one, add a field or a new manifest and keep reading the old). Messages are never stored:
/// a layout may change with a release as long as every node of a cluster runs it.
/// </summary>
public sealed class ServerControlSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id (ActorChat: 4201 history, 7101 rooms and relay, 7102 sessions and names, 7103 server control).</summary>
    public const int SerializerId = 7103;

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string Name = "actorchat-server";

    internal const string BanManifest = "sban1";
    internal const string LiftManifest = "slft1";
    internal const string GetBansManifest = "sgb1";
    internal const string DisconnectManifest = "sdc1";
    internal const string BanIssuedManifest = "sbi1";
    internal const string BanLiftedManifest = "sbl1";
    internal const string BansInForceManifest = "sbf1";
    internal const string DisconnectIssuedManifest = "sdi1";
    internal const string RefusedManifest = "srf1";
    internal const string BansChangedManifest = "sbc1";
    internal const string DisconnectOrderManifest = "sdo1";
    internal const string StopManifest = "sst1";
    internal const string GetAuditManifest = "sga1";
    internal const string AuditManifest = "sau1";
    internal const string PersistedPrefix = "scv1.";

    /// <summary>Every manifest this build reads.</summary>
    internal static readonly IReadOnlyList<string> Manifests =
    [
        BanManifest, LiftManifest, GetBansManifest, DisconnectManifest, BanIssuedManifest, BanLiftedManifest, BansInForceManifest,
        DisconnectIssuedManifest, RefusedManifest, BansChangedManifest, DisconnectOrderManifest, StopManifest, GetAuditManifest, AuditManifest,
        PersistedPrefix + "ban", PersistedPrefix + "unban", PersistedPrefix + "disconnect",
    ];

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        BanServerWide => BanManifest,
        LiftServerBan => LiftManifest,
        GetServerBans => GetBansManifest,
        DisconnectServerWide => DisconnectManifest,
        BanIssued => BanIssuedManifest,
        BanLifted => BanLiftedManifest,
        BansInForce => BansInForceManifest,
        DisconnectIssued => DisconnectIssuedManifest,
        ControlRefused => RefusedManifest,
        BansChanged => BansChangedManifest,
        DisconnectOrder => DisconnectOrderManifest,
        StopControl => StopManifest,
        GetServerAudit => GetAuditManifest,
        ServerAudit => AuditManifest,
        ServerControlEvent e => PersistedPrefix + PersistedFormat.KindOf(e),
        _ => throw Unknown(o),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is ServerControlEvent persisted)
        {
            return PersistedFormat.WriteServerControlEvent(persisted);
        }

        var w = new WireWriter();
        switch (obj)
        {
            case BanServerWide ban:
                w.OptionalString(ban.UserId);
                w.OptionalString(ban.Address);
                w.OptionalFixed64(ban.DurationSeconds);
                w.OptionalString(ban.Reason);
                w.Text(ban.By);
                break;
            case LiftServerBan lift:
                w.Fixed64(lift.Id);
                w.Text(lift.By);
                break;
            case GetServerBans or StopControl:
                break;
            case DisconnectServerWide disconnect:
                w.OptionalString(disconnect.UserId);
                w.OptionalString(disconnect.SessionId);
                w.OptionalString(disconnect.Reason);
                w.Text(disconnect.By);
                break;
            case BanIssued issued:
                Ban(w, issued.Ban);
                break;
            case BanLifted lifted:
                w.Fixed64(lifted.Id);
                break;
            case BansInForce inForce:
                Bans(w, inForce.Bans);
                w.Fixed64(inForce.Revision);
                break;
            case BansChanged changed:
                Bans(w, changed.Bans);
                w.Fixed64(changed.Revision);
                break;
            case DisconnectIssued issued:
                w.OptionalString(issued.UserId);
                w.OptionalString(issued.SessionId);
                w.Timestamp(issued.At);
                break;
            case ControlRefused refused:
                w.Text(refused.Code);
                w.Text(refused.Message);
                break;
            case GetServerAudit read:
                w.OptionalFixed64(read.Before);
                w.Fixed32(read.Limit);
                break;
            case ServerAudit audit:
                w.Count(audit.Entries.Count);
                foreach (var e in audit.Entries)
                {
                    w.Fixed64(e.Seq);
                    w.Timestamp(e.At);
                    w.Text(e.By);
                    w.Text(e.Action);
                    w.OptionalString(e.UserId);
                    w.OptionalString(e.Address);
                    w.OptionalString(e.SessionId);
                    w.OptionalFixed64(e.BanId);
                    w.OptionalString(e.Reason);
                    w.Bool(e.Until is not null);
                    if (e.Until is { } until)
                    {
                        w.Timestamp(until);
                    }
                }

                w.Bool(audit.More);
                break;
            case DisconnectOrder order:
                w.OptionalString(order.UserId);
                w.OptionalString(order.SessionId);
                w.OptionalString(order.Reason);
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
            return PersistedFormat.ReadServerControlEvent(bytes, manifest[PersistedPrefix.Length..]);
        }

        var r = new WireReader(bytes, $"a server control message '{manifest}'");
        object message = manifest switch
        {
            BanManifest => new BanServerWide(r.OptionalString(), r.OptionalString(), r.OptionalFixed64(), r.OptionalString(), r.Text()),
            LiftManifest => new LiftServerBan(r.Fixed64(), r.Text()),
            GetBansManifest => GetServerBans.Instance,
            DisconnectManifest => new DisconnectServerWide(r.OptionalString(), r.OptionalString(), r.OptionalString(), r.Text()),
            BanIssuedManifest => new BanIssued(ReadBan(ref r)),
            BanLiftedManifest => new BanLifted(r.Fixed64()),
            BansInForceManifest => new BansInForce(ReadBans(ref r), r.Fixed64()),
            DisconnectIssuedManifest => new DisconnectIssued(r.OptionalString(), r.OptionalString(), r.Timestamp()),
            RefusedManifest => new ControlRefused(r.Text(), r.Text()),
            BansChangedManifest => new BansChanged(ReadBans(ref r), r.Fixed64()),
            DisconnectOrderManifest => new DisconnectOrder(r.OptionalString(), r.OptionalString(), r.OptionalString()),
            StopManifest => StopControl.Instance,
            GetAuditManifest => new GetServerAudit(r.OptionalFixed64(), r.Fixed32()),
            AuditManifest => ReadAudit(ref r),
            _ => throw new SerializationException($"ActorChat: unknown server control manifest '{manifest}' (this build reads {string.Join(", ", Manifests)})."),
        };
        r.End();
        return message;
    }

    private static void Bans(WireWriter w, IReadOnlyList<ServerBan> bans)
    {
        w.Count(bans.Count);
        foreach (var ban in bans)
        {
            Ban(w, ban);
        }
    }

    private static void Ban(WireWriter w, ServerBan ban)
    {
        w.Fixed64(ban.Id);
        w.OptionalString(ban.UserId);
        w.OptionalString(ban.Address);
        w.Timestamp(ban.At);
        w.Bool(ban.Until is not null);
        if (ban.Until is { } until)
        {
            w.Timestamp(until);
        }

        w.OptionalString(ban.Reason);
        w.Text(ban.By);
    }

    private static ServerAudit ReadAudit(ref WireReader r)
    {
        var entries = new ServerAuditEntry[r.Count()];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new ServerAuditEntry(
                r.Fixed64(), r.Timestamp(), r.Text(), r.Text(), r.OptionalString(), r.OptionalString(), r.OptionalString(), r.OptionalFixed64(), r.OptionalString(), r.Bool() ? r.Timestamp() : null);
        }

        return new ServerAudit(entries, r.Bool());
    }

    private static ServerBan[] ReadBans(ref WireReader r)
    {
        var bans = new ServerBan[r.Count()];
        for (var i = 0; i < bans.Length; i++)
        {
            bans[i] = ReadBan(ref r);
        }

        return bans;
    }

    private static ServerBan ReadBan(ref WireReader r) =>
        new(r.Fixed64(), r.OptionalString(), r.OptionalString(), r.Timestamp(), r.Bool() ? r.Timestamp() : null, r.OptionalString(), r.Text());

    private static SerializationException Unknown(object o) =>
        new($"ActorChat: {nameof(ServerControlSerializer)} has no format for {o?.GetType().FullName ?? "null"}.");
}
