using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// Applies retention by age to rooms that are asleep. An awake room applies it on every write, on
/// waking and every <see cref="RoomSettings.RetentionInterval"/>; a room nobody enters would keep its
/// old messages for ever. So every <see cref="RoomSettings.RetentionInterval"/> this actor lists the
/// store's persistence ids (the journal's <c>CurrentPersistenceIds</c> query, given as
/// <c>listIds</c>) and tells each room <see cref="RoomContract.ApplyRetention"/> through the room
/// routing point, at most <see cref="RoomSettings.RetentionWakesPerSecond"/> a second: the woken
/// room applies retention as every wake does and, empty, passivates at once.
/// </summary>
/// <remarks>
/// One per cluster is enough (every room is reached through the region); one per node only wakes
/// each room once per node and interval. The sweep is bounded: a new one starts only when the last
/// has woken every room it listed, and the rooms woken per second are capped, so a store of many
/// rooms is swept slowly rather than woken at once.
/// </remarks>
public sealed class RoomRetentionSweeper : ReceiveActor, IWithTimers
{
    private const string SweepTimer = "sweep";
    private const string WakeTimer = "wake";

    private readonly IActorRef _rooms;
    private readonly Func<CancellationToken, Task<IReadOnlyList<string>>> _listIds;
    private readonly RoomSettings _settings;
    private readonly ILogger _logger;
    private readonly RetentionSweep _sweep = new();

    public RoomRetentionSweeper(IActorRef rooms, Func<CancellationToken, Task<IReadOnlyList<string>>> listIds, RoomSettings settings, ILogger logger)
    {
        _rooms = rooms;
        _listIds = listIds;
        _settings = settings;
        _logger = logger;
        Receive<Sweep>(_ => StartSweep());
        Receive<Listed>(OnListed);
        Receive<ListFailed>(f =>
        {
            _sweep.Abandon();
            _logger.RetentionSweepFailed(f.Reason);
        });
        Receive<Wake>(_ => WakeNext());

        // The rooms' answers are not needed: the rate is the bound.
        Receive<RoomContract.Status>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef rooms, Func<CancellationToken, Task<IReadOnlyList<string>>> listIds, RoomSettings settings, ILogger logger) =>
        Akka.Actor.Props.Create(() => new RoomRetentionSweeper(rooms, listIds, settings, logger));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(SweepTimer, Sweep.Instance, _settings.RetentionInterval);

    private void StartSweep()
    {
        if (!_sweep.TryStart())
        {
            return;
        }

        // A listing that takes longer than an interval is given up; the next sweep lists again.
        var cts = new CancellationTokenSource(_settings.RetentionInterval);
        _listIds(cts.Token).ContinueWith(
            t =>
            {
                cts.Dispose();
                return t.IsCompletedSuccessfully ? new Listed(t.Result) : (object)new ListFailed(t.Exception?.GetBaseException().Message ?? "cancelled");
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnListed(Listed listed)
    {
        var rooms = _sweep.Listed(listed.PersistenceIds);
        _logger.RetentionSweepStarted(rooms);
        WakeNext();
    }

    private void WakeNext()
    {
        foreach (var room in _sweep.Next(_settings.RetentionWakesPerSecond))
        {
            _rooms.Tell(new RoomContract.ApplyRetention(room));
        }

        if (_sweep.IsSweeping)
        {
            Timers.StartSingleTimer(WakeTimer, Wake.Instance, TimeSpan.FromSeconds(1));
        }
    }

    private sealed record Sweep : INoSerializationVerificationNeeded, INotInfluenceReceiveTimeout
    {
        public static readonly Sweep Instance = new();
    }

    private sealed record Wake : INoSerializationVerificationNeeded, INotInfluenceReceiveTimeout
    {
        public static readonly Wake Instance = new();
    }

    private sealed record Listed(IReadOnlyList<string> PersistenceIds) : INoSerializationVerificationNeeded;

    private sealed record ListFailed(string Reason) : INoSerializationVerificationNeeded;
}

/// <summary>
/// The state of a <see cref="RoomRetentionSweeper"/>'s sweep, without the actor: which rooms of the
/// last listing are still to wake. Pure.
/// </summary>
public sealed class RetentionSweep
{
    /// <summary>The prefix of a room's persistence id (<see cref="RoomActor.PersistenceId"/>).</summary>
    public const string PersistenceIdPrefix = "room-";

    private readonly Queue<string> _due = new();
    private bool _listing;

    /// <summary>A sweep is listing ids or waking rooms.</summary>
    public bool IsSweeping => _listing || _due.Count > 0;

    /// <summary>True when a new sweep may list the ids now (none is under way).</summary>
    public bool TryStart()
    {
        if (IsSweeping)
        {
            return false;
        }

        _listing = true;
        return true;
    }

    /// <summary>The listing failed: the next interval tries again.</summary>
    public void Abandon() => _listing = false;

    /// <summary>Queues the rooms among <paramref name="persistenceIds"/> (sessions and names have ids of their own); how many.</summary>
    public int Listed(IEnumerable<string> persistenceIds)
    {
        ArgumentNullException.ThrowIfNull(persistenceIds);
        _listing = false;
        foreach (var id in persistenceIds)
        {
            if (id.StartsWith(PersistenceIdPrefix, StringComparison.Ordinal) && RoomNames.IsValid(id[PersistenceIdPrefix.Length..]))
            {
                _due.Enqueue(id[PersistenceIdPrefix.Length..]);
            }
        }

        return _due.Count;
    }

    /// <summary>Up to <paramref name="count"/> rooms to wake now.</summary>
    public IReadOnlyList<string> Next(int count)
    {
        var next = new List<string>(Math.Min(count, _due.Count));
        while (next.Count < count && _due.TryDequeue(out var room))
        {
            next.Add(room);
        }

        return next;
    }
}
