using Akka.Actor;

namespace ActorChat.Actors.Server;

/// <summary>Everything sent to the server's control entity (<see cref="ServerControlEntity"/>): it has one id, so each goes there.</summary>
public interface IServerControlMessage;

/// <summary>
/// The server-wide side of moderation (PROTOCOL-V1.1 Part D): bans that name a user or a client
/// address and hold on every node, and disconnects of a user's or a session's connections. One
/// entity keeps them (persisted, with an audit of its own) and tells every node's gateway.
/// </summary>
public static class ServerControlContract
{
    /// <summary>The one entity id of the control entity.</summary>
    public const string EntityId = "server";

    /// <summary>The topic every node's gateway listens on for what the control entity tells them.</summary>
    public const string Topic = "actorchat-server-control";

    /// <summary>A server-wide ban in force until <paramref name="Until"/> (null: until lifted), of a user or an address (IPv4, or an IPv6 /64, as <c>Rooms.RoomGovernance.AddressKey</c> reads it).</summary>
    public sealed record ServerBan(long Id, string? UserId, string? Address, DateTimeOffset At, DateTimeOffset? Until, string? Reason, string By);

    /// <summary>Ban a user or an address (exactly one), for <paramref name="DurationSeconds"/> (null: until lifted). Answered <see cref="BanIssued"/> once persisted, or <see cref="ControlRefused"/>.</summary>
    public sealed record BanServerWide(string? UserId, string? Address, long? DurationSeconds, string? Reason, string By) : IServerControlMessage;

    /// <summary>Lift ban <paramref name="Id"/>. Answered <see cref="BanLifted"/>, or <see cref="ControlRefused"/> (not-found).</summary>
    public sealed record LiftServerBan(long Id, string By) : IServerControlMessage;

    /// <summary>
    /// The bans in force. Answered <see cref="BansInForce"/> (gateways ask it when they start, until
    /// answered, and again every <c>ChatGateway.BansRefreshEvery</c>, and follow <see cref="BansChanged"/>).
    /// </summary>
    public sealed record GetServerBans : IServerControlMessage
    {
        public static GetServerBans Instance { get; } = new();
    }

    /// <summary>Close the connections of a user or a session (exactly one) with 4005; they may reconnect. Answered <see cref="DisconnectIssued"/> once in the audit.</summary>
    public sealed record DisconnectServerWide(string? UserId, string? SessionId, string? Reason, string By) : IServerControlMessage;

    /// <summary>A page of the server-wide audit (see <see cref="ServerControlState.AuditPage"/>). Answered <see cref="ServerAudit"/>.</summary>
    public sealed record GetServerAudit(long? Before, int Limit) : IServerControlMessage;

    /// <summary>A page of the server-wide audit, newest last; <paramref name="More"/>: older entries are kept.</summary>
    public sealed record ServerAudit(IReadOnlyList<ServerAuditEntry> Entries, bool More);

    public sealed record BanIssued(ServerBan Ban);

    public sealed record BanLifted(long Id);

    /// <summary>
    /// The bans in force, as of the entity's <paramref name="Revision"/> (its journal's sequence number:
    /// a gateway keeps the newest it has seen, so an answer overtaken by a change is not applied over it).
    /// </summary>
    public sealed record BansInForce(IReadOnlyList<ServerBan> Bans, long Revision = 0);

    public sealed record DisconnectIssued(string? UserId, string? SessionId, DateTimeOffset At);

    /// <summary>A request the control entity refused: <paramref name="Code"/> <c>invalid</c> or <c>not-found</c>, in words.</summary>
    public sealed record ControlRefused(string Code, string Message);

    /// <summary>Published to every gateway: the bans in force now (each node closes, and refuses the hello of, what they name).</summary>
    public sealed record BansChanged(IReadOnlyList<ServerBan> Bans, long Revision = 0);

    /// <summary>Published to every gateway: close these connections with 4005.</summary>
    public sealed record DisconnectOrder(string? UserId, string? SessionId, string? Reason);

    /// <summary>The control entity's stop message (hand-off, passivation).</summary>
    public sealed record StopControl
    {
        public static StopControl Instance { get; } = new();
    }

    /// <summary>What a connection is told by its gateway: the bans in force now (gateway → connection).</summary>
    public sealed record ConnectionBans(ServerBanList Bans) : INoSerializationVerificationNeeded;
}

/// <summary>Routes every <see cref="IServerControlMessage"/> to the one control entity.</summary>
public sealed class ServerControlExtractor(int shards) : EntityExtractor(shards)
{
    public override string? EntityId(object message) => message is IServerControlMessage ? ServerControlContract.EntityId : null;
}
