using ActorChat.Actors.Rooms;
using static ActorChat.Actors.Server.ServerControlContract;

namespace ActorChat.Actors.Server;

/// <summary>
/// The bans in force, as a connection checks itself against them: immutable, handed to every
/// connection by its gateway and replaced whole when they change.
/// </summary>
public sealed class ServerBanList
{
    private readonly IReadOnlyList<ServerBan> _bans;

    public ServerBanList(IReadOnlyList<ServerBan> bans) => _bans = bans;

    public static ServerBanList Empty { get; } = new([]);

    public IReadOnlyList<ServerBan> Bans => _bans;

    /// <summary>The ban in force at <paramref name="now"/> that names the user <paramref name="userId"/> or the client address <paramref name="address"/>; null when none.</summary>
    public ServerBan? Match(string? userId, string? address, DateTimeOffset now)
    {
        if (_bans.Count == 0)
        {
            return null;
        }

        var key = RoomGovernance.AddressKey(address);
        foreach (var ban in _bans)
        {
            if (ban.Until is { } until && until <= now)
            {
                continue;
            }

            if ((userId is not null && string.Equals(ban.UserId, userId, StringComparison.Ordinal))
                || (key is not null && ban.Address is not null && string.Equals(ban.Address, key, StringComparison.Ordinal)))
            {
                return ban;
            }
        }

        return null;
    }
}

/// <summary>A server-wide act as the control entity persists it.</summary>
public abstract record ServerControlEvent(DateTimeOffset At, string By);

public sealed record ServerBanned(ServerBan Ban) : ServerControlEvent(Ban.At, Ban.By);

public sealed record ServerUnbanned(long Id, DateTimeOffset At, string By) : ServerControlEvent(At, By);

public sealed record ServerDisconnected(string? UserId, string? SessionId, string? Reason, DateTimeOffset At, string By) : ServerControlEvent(At, By);

/// <summary>An entry of the server-wide audit: every ban, unban and disconnect, newest last.</summary>
public sealed record ServerAuditEntry(long Seq, DateTimeOffset At, string By, string Action, string? UserId, string? Address, string? SessionId, long? BanId, string? Reason, DateTimeOffset? Until);

/// <summary>
/// The control entity's rules: pure decisions (request → event or refusal) and their application,
/// which recovery replays. Bans past their end are dropped when the next event is applied; the
/// audit keeps the last <see cref="MaxAudit"/> entries; at most <see cref="MaxBans"/> bans are in force.
/// </summary>
public sealed class ServerControlState
{
    public const int MaxBans = 10_000;

    public const int MaxAudit = 10_000;

    public const int MaxReasonLength = 200;

    public const long MaxDuration = 315_360_000;

    private readonly List<ServerBan> _bans = [];
    private readonly Queue<ServerAuditEntry> _audit = new();
    private long _nextBanId = 1;
    private long _nextSeq = 1;

    public IReadOnlyList<ServerAuditEntry> Audit => [.. _audit];

    /// <summary>
    /// A page of the audit, newest last: at most <paramref name="limit"/> entries whose <c>Seq</c> is
    /// below <paramref name="before"/> (null: the newest), and whether older ones are kept.
    /// </summary>
    public (IReadOnlyList<ServerAuditEntry> Entries, bool More) AuditPage(long? before, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var older = _audit.Where(e => before is not { } b || e.Seq < b).ToList();
        var page = older.Skip(Math.Max(0, older.Count - limit)).ToArray();
        return (page, older.Count > page.Length);
    }

    /// <summary>The bans in force at <paramref name="now"/>.</summary>
    public IReadOnlyList<ServerBan> InForce(DateTimeOffset now) => [.. _bans.Where(b => b.Until is not { } until || until > now)];

    /// <summary>A ban of exactly one of a user or an address.</summary>
    public object DecideBan(BanServerWide ban, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ban);
        if ((ban.UserId is null) == (ban.Address is null))
        {
            return new ControlRefused("invalid", "A server-wide ban names exactly one of \"user\" (a user's id) or \"address\" (an IPv4 or IPv6 address).");
        }

        var address = ban.Address is null ? null : RoomGovernance.AddressKey(ban.Address);
        if (ban.Address is not null && address is null)
        {
            return new ControlRefused("invalid", $"\"{ban.Address}\" is not an IPv4 or IPv6 address.");
        }

        if (ban.UserId is { Length: 0 or > 128 })
        {
            return new ControlRefused("invalid", "\"user\" must be a user's id of 1–128 characters.");
        }

        if (ban.DurationSeconds is < 1 or > MaxDuration)
        {
            return new ControlRefused("invalid", $"\"duration\" must be a whole number of seconds from 1 to {MaxDuration} (absent: until lifted).");
        }

        if (ban.Reason is { Length: > MaxReasonLength })
        {
            return new ControlRefused("invalid", $"\"reason\" can have at most {MaxReasonLength} characters.");
        }

        if (InForce(now).Count >= MaxBans)
        {
            return new ControlRefused("full", $"At most {MaxBans} server-wide bans are in force; lift some first.");
        }

        var until = ban.DurationSeconds is { } seconds ? now.AddSeconds(seconds) : (DateTimeOffset?)null;
        return new ServerBanned(new ServerBan(_nextBanId, ban.UserId, address, now, until, string.IsNullOrEmpty(ban.Reason) ? null : ban.Reason, ban.By));
    }

    public object DecideLift(LiftServerBan lift, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lift);
        return InForce(now).Any(b => b.Id == lift.Id)
            ? new ServerUnbanned(lift.Id, now, lift.By)
            : new ControlRefused("not-found", $"No server-wide ban {lift.Id} is in force.");
    }

    public static object DecideDisconnect(DisconnectServerWide disconnect, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(disconnect);
        if ((disconnect.UserId is null) == (disconnect.SessionId is null) || disconnect.UserId is { Length: 0 } || disconnect.SessionId is { Length: 0 })
        {
            return new ControlRefused("invalid", "A disconnect names exactly one of \"user\" (a user's id) or \"sessionId\".");
        }

        if (disconnect.Reason is { Length: > MaxReasonLength })
        {
            return new ControlRefused("invalid", $"\"reason\" can have at most {MaxReasonLength} characters.");
        }

        return new ServerDisconnected(disconnect.UserId, disconnect.SessionId, string.IsNullOrEmpty(disconnect.Reason) ? null : disconnect.Reason, now, disconnect.By);
    }

    public void Apply(ServerControlEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _bans.RemoveAll(b => b.Until is { } until && until <= e.At);
        switch (e)
        {
            case ServerBanned banned:
                _bans.Add(banned.Ban);
                _nextBanId = Math.Max(_nextBanId, banned.Ban.Id + 1);
                Record(e, "ban", banned.Ban.UserId, banned.Ban.Address, null, banned.Ban.Id, banned.Ban.Reason, banned.Ban.Until);
                break;
            case ServerUnbanned unbanned:
                var lifted = _bans.Find(b => b.Id == unbanned.Id);
                _bans.RemoveAll(b => b.Id == unbanned.Id);
                Record(e, "unban", lifted?.UserId, lifted?.Address, null, unbanned.Id, null, null);
                break;
            case ServerDisconnected disconnected:
                Record(e, "disconnect", disconnected.UserId, null, disconnected.SessionId, null, disconnected.Reason, null);
                break;
            default:
                throw new ArgumentException($"Unknown server control event {e.GetType().Name}.", nameof(e));
        }
    }

    private void Record(ServerControlEvent e, string action, string? user, string? address, string? session, long? banId, string? reason, DateTimeOffset? until)
    {
        _audit.Enqueue(new ServerAuditEntry(_nextSeq++, e.At, e.By, action, user, address, session, banId, reason, until));
        while (_audit.Count > MaxAudit)
        {
            _audit.Dequeue();
        }
    }
}
