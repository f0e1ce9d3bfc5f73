using System.Net;
using System.Net.Sockets;
using ActorChat.Protocol;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// A room's roles, settings, bans, mutes and audit: the pure rules of PROTOCOL-V1.1 Part B, decided
/// and applied like <see cref="RoomState"/> (a <c>Decide…</c> yields the <see cref="GovernanceEvent"/>
/// to persist or a <see cref="GovernanceRefused"/>; <see cref="Apply"/> is what recovery replays).
/// Owned by its <see cref="RoomState"/>, which persists its events in the room's journal and keeps it
/// in the room's snapshot: retention and an epoch reset never touch it.
/// </summary>
/// <remarks>
/// <para>
/// Decisions read the applied state only. That is enough because the room persists each governance
/// event with a blocking <c>Persist</c>: no command is handled until it is applied, so two
/// decisions never race on the same state.
/// </para>
/// <para>
/// Roles: <c>owner</c> &gt; <c>moderator</c> &gt; <c>member</c>; a server admin is above the owner of
/// every room; an anonymous member is always a member. A user's role is the larger of its grant
/// (from <c>grant</c>) and its token's grant for the room. The lobby has no owner and is always
/// public with <c>posting: everyone</c>. The slow-mode clock (when each member last sent) is the
/// one part not persisted: a restart of the room forgives at most one message per member.
/// </para>
/// </remarks>
public sealed partial class RoomGovernance
{
    /// <summary>The most audit entries a room keeps; older ones are dropped.</summary>
    public const int MaxAuditEntries = 10_000;

    private readonly Dictionary<string, RoomRole> _grants = new(StringComparer.Ordinal);
    private readonly List<RoomBan> _bans = [];
    private readonly Dictionary<string, RoomMute> _mutes = new(StringComparer.Ordinal);
    private readonly Queue<AuditEntry> _audit = new();
    private readonly Dictionary<string, DateTimeOffset> _lastSend = new(StringComparer.Ordinal);
    private long _nextBanId = 1;
    private long _nextAuditSeq = 1;

    public RoomGovernance(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        Room = room;
        IsLobby = string.Equals(room, RoomNames.Lobby, StringComparison.Ordinal);
    }

    public string Room { get; }

    /// <summary>The lobby: no owner, always public, posting everyone.</summary>
    public bool IsLobby { get; }

    /// <summary>The owner's user id; null when the room has none (now).</summary>
    public string? Owner { get; private set; }

    /// <summary>The room has or had an owner: no join makes one again.</summary>
    public bool HadOwner { get; private set; }

    public RoomRules Rules { get; private set; } = RoomRules.Default;

    /// <summary>The grants (user → moderator or member), the owner's not among them.</summary>
    public IReadOnlyDictionary<string, RoomRole> Grants => _grants;

    public IReadOnlyCollection<AuditEntry> Audit => _audit;

    /// <summary>True when nothing was ever decided (a snapshot need not carry it).</summary>
    public bool IsPristine => _nextAuditSeq == 1;

    /// <summary>The role of <paramref name="identity"/> in this room.</summary>
    public RoomRole RoleOf(RoomIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.IsAdmin)
        {
            return RoomRole.Admin;
        }

        if (identity.UserId is not { } user)
        {
            return RoomRole.Member;
        }

        if (string.Equals(user, Owner, StringComparison.Ordinal))
        {
            return RoomRole.Owner;
        }

        var granted = _grants.GetValueOrDefault(user, RoomRole.None);
        var token = identity.TokenGrant is RoomRole.Member or RoomRole.Moderator ? identity.TokenGrant : RoomRole.None;
        var role = granted > token ? granted : token;
        return role > RoomRole.Member ? role : RoomRole.Member;
    }

    /// <summary>The ban in force against <paramref name="principal"/> at <paramref name="now"/>, if any.</summary>
    public RoomBan? BanOf(RoomPrincipal principal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var identity = principal.Identity;
        var address = identity.UserId is null ? AddressKey(identity.Address) : null;
        foreach (var ban in _bans)
        {
            if (!InForce(ban.Until, now))
            {
                continue;
            }

            var subject = ban.Subject;
            var matches = identity.UserId is { } user
                ? string.Equals(subject.UserId, user, StringComparison.Ordinal)
                : subject.UserId is null
                    && (string.Equals(subject.SessionId, principal.SessionId, StringComparison.Ordinal)
                        || (address is not null && string.Equals(AddressKey(subject.Address), address, StringComparison.Ordinal)));
            if (matches)
            {
                return ban;
            }
        }

        return null;
    }

    /// <summary>The mute in force on <paramref name="principal"/> at <paramref name="now"/>, if any.</summary>
    public RoomMute? MuteOf(RoomPrincipal principal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return _mutes.TryGetValue(principal.Key, out var mute) && InForce(mute.Until, now) ? mute : null;
    }

    /// <summary>The bans in force at <paramref name="now"/>, oldest first.</summary>
    public IReadOnlyList<BanView> BansInForce(DateTimeOffset now) =>
        [.. _bans.Where(b => InForce(b.Until, now)).Select(b => new BanView(b.Id, b.Subject.UserId, b.Subject.Name, b.Until, b.Reason))];

    /// <summary>
    /// Up to <paramref name="limit"/> audit entries with a <c>seq</c> below <paramref name="before"/>
    /// (null: the newest), oldest first; <c>More</c> when older ones are kept.
    /// </summary>
    public (IReadOnlyList<AuditEntry> Entries, bool More) AuditPage(long? before, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var below = _audit.Where(e => before is not { } b || e.Seq < b).ToList();
        var page = below.Count > limit ? below.GetRange(below.Count - limit, limit) : below;
        return (page, below.Count > page.Count);
    }

    // ---- evolution ----

    /// <summary>Applies a persisted governance event (live or replayed); each makes one audit entry.</summary>
    public void Apply(GovernanceEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case OwnerClaimed claimed:
                Owner = claimed.By;
                HadOwner = true;
                _grants.Remove(claimed.By);
                Record(e, "claim", new ModerationTarget(claimed.By, null));
                break;
            case RoomConfigured configured:
                Rules = configured.Rules;
                foreach (var user in configured.Granted)
                {
                    if (!_grants.ContainsKey(user) && !string.Equals(user, Owner, StringComparison.Ordinal))
                    {
                        _grants[user] = RoomRole.Member;
                    }
                }

                if (Rules.SlowMode == 0)
                {
                    _lastSend.Clear();
                }

                Record(e, "configure", null);
                break;
            case RoleGranted granted:
                ApplyGrant(granted);
                Record(e, "grant", new ModerationTarget(granted.UserId, null), role: granted.Role);
                break;
            case MemberKicked kicked:
                Record(e, "kick", kicked.Target.ToTarget(), reason: kicked.Reason);
                break;
            case MemberBanned banned:
                _bans.RemoveAll(b => b.Subject.Key == banned.Ban.Subject.Key || !InForce(b.Until, banned.At));
                _bans.Add(banned.Ban);
                _nextBanId = Math.Max(_nextBanId, banned.Ban.Id + 1);
                Record(e, "ban", banned.Ban.Subject.ToTarget(), reason: banned.Ban.Reason, until: banned.Ban.Until);
                break;
            case MemberUnbanned unbanned:
                var ban = _bans.Find(b => b.Id == unbanned.BanId);
                _bans.RemoveAll(b => b.Id == unbanned.BanId || !InForce(b.Until, unbanned.At));
                Record(e, "unban", ban?.Subject.ToTarget());
                break;
            case MemberMuted muted:
                foreach (var stale in _mutes.Where(m => !InForce(m.Value.Until, muted.At)).Select(m => m.Key).ToList())
                {
                    _mutes.Remove(stale);
                }

                _mutes[muted.Mute.Subject.Key] = muted.Mute;
                Record(e, "mute", muted.Mute.Subject.ToTarget(), reason: muted.Mute.Reason, until: muted.Mute.Until);
                break;
            case MemberUnmuted unmuted:
                _mutes.Remove(unmuted.Target.Key);
                Record(e, "unmute", unmuted.Target.ToTarget());
                break;
            case MessageDeleted deleted:
                Record(e, "delete", null, reason: deleted.Reason, offset: deleted.Offset);
                break;
            default:
                throw new ArgumentException($"Unknown governance event {e.GetType().Name}.", nameof(e));
        }
    }

    private void ApplyGrant(RoleGranted granted)
    {
        var user = granted.UserId;
        if (granted.Role == RoomRole.Owner)
        {
            // A hand-over: the old owner stays as a moderator.
            if (Owner is { } old && !string.Equals(old, user, StringComparison.Ordinal))
            {
                _grants[old] = RoomRole.Moderator;
            }

            Owner = user;
            HadOwner = true;
            _grants.Remove(user);
            return;
        }

        if (string.Equals(user, Owner, StringComparison.Ordinal))
        {
            // An admin took the room from its owner.
            Owner = null;
        }

        if (granted.Role == RoomRole.None)
        {
            _grants.Remove(user);
        }
        else
        {
            _grants[user] = granted.Role;
        }
    }

    private void Record(GovernanceEvent e, string action, ModerationTarget? target, string? reason = null, DateTimeOffset? until = null, RoomRole? role = null, long? offset = null)
    {
        _audit.Enqueue(new AuditEntry(_nextAuditSeq++, e.At, e.By, action, target, offset, reason, until, role));
        while (_audit.Count > MaxAuditEntries)
        {
            _audit.Dequeue();
        }
    }

    // ---- snapshots ----

    public GovernanceSnapshot ToSnapshot() => new(
        Owner, HadOwner, [.. _grants], Rules, [.. _bans], _nextBanId, [.. _mutes.Values], [.. _audit], _nextAuditSeq);

    /// <summary>Restores what <see cref="ToSnapshot"/> kept (the slow-mode clock starts afresh).</summary>
    public void Restore(GovernanceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Owner = snapshot.Owner;
        HadOwner = snapshot.HadOwner;
        Rules = snapshot.Rules;
        _grants.Clear();
        foreach (var (user, role) in snapshot.Grants)
        {
            _grants[user] = role;
        }

        _bans.Clear();
        _bans.AddRange(snapshot.Bans);
        _nextBanId = snapshot.NextBanId;
        _mutes.Clear();
        foreach (var mute in snapshot.Mutes)
        {
            _mutes[mute.Subject.Key] = mute;
        }

        _audit.Clear();
        foreach (var entry in snapshot.Audit)
        {
            _audit.Enqueue(entry);
        }

        _nextAuditSeq = snapshot.NextAuditSeq;
    }

    // ---- helpers ----

    private static bool InForce(DateTimeOffset? until, DateTimeOffset now) => until is not { } end || end > now;

    /// <summary>What an anonymous ban by address compares: an IPv4 address, or an IPv6 address's /64 prefix.</summary>
    public static string? AddressKey(string? address)
    {
        if (address is null || !IPAddress.TryParse(address, out var ip))
        {
            return null;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.ToString();
        }

        var bytes = ip.GetAddressBytes();
        return Convert.ToHexStringLower(bytes, 0, 8) + "/64";
    }
}
