using Akka.Actor;
using Akka.Persistence;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// One key of the cluster's one namespace of names (sharded by the key, persistent): which session
/// holds it, and the name as that session shows it. A session takes a name by claiming its
/// <see cref="Protocol.NameKey.Caseless"/> key's entity, then its <see cref="Protocol.NameKey.Cased"/>
/// key's (<see cref="SessionEntity"/>), so of two sessions claiming one name, or two lookalikes, at
/// the same moment on two nodes exactly one gets both. Every grant and release is persisted before
/// it is answered, so a name survives its entity moving to another node.
/// </summary>
/// <remarks>
/// <para>
/// A holder is asked before a conflicting claim is refused (<see cref="HoldsName"/>, at most every
/// <see cref="VerifiedFor"/>): a session whose node died after the key was granted but before it
/// stored its start, or whose release never arrived, does not keep the name forever. No answer
/// within <see cref="VerifyTimeout"/> counts as "held".
/// </para>
/// Entity id: <see cref="SessionSharding.CaselessKey"/> or <see cref="SessionSharding.CasedKey"/>
/// (<c>c:</c> or <c>k:</c> and the key); persistence id <c>name-</c> and the entity id. Each event
/// is the whole state, so only the last one matters: every <see cref="TrimEvery"/> events the older
/// ones are deleted, and a name claimed and released all day keeps a short journal.
/// </remarks>
public sealed class NameEntity : ReceivePersistentActor, IWithTimers
{
    /// <summary>How long a holder's answer that it holds the key stands before a new conflicting claim asks again.</summary>
    internal static readonly TimeSpan VerifiedFor = TimeSpan.FromSeconds(10);

    /// <summary>How long the holder's session may take to answer whether it holds the key (then it is taken to hold it).</summary>
    internal static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(5);

    private const string VerifyTimer = "verify";

    /// <summary>How long a name entity stays in memory with nothing asked of it, by default.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(30);

    /// <summary>How many events a name keeps at most before the older ones are deleted.</summary>
    internal const int TrimEvery = 16;

    private readonly string _key;
    private readonly TimeSpan _idleAfter;
    private readonly ILogger _logger;
    private string? _holder;
    private string _shown = "";
    private string? _verifiedHolder;
    private long _verifiedAt;
    private long _verification;

    public NameEntity(string key, ILogger logger, TimeSpan idleAfter)
    {
        _key = key;
        _idleAfter = idleAfter;
        _logger = logger;

        Recover<NameHeld>(Apply);
        Recover<NameFreed>(Apply);

        Active();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "name-" + _key;

    /// <summary>The props of the entity for <paramref name="key"/> (an entity id of the names' region).</summary>
    /// <param name="idleAfter">How long it stays in memory with nothing asked of it (null: <see cref="IdleAfter"/>).</param>
    public static Props Props(string key, ILogger logger, TimeSpan? idleAfter = null) =>
        Akka.Actor.Props.Create(() => new NameEntity(key, logger, idleAfter ?? IdleAfter));

    private void Active()
    {
        Command<Claim>(OnClaim);
        Command<Release>(OnRelease);
        Command<WhoHolds>(who => Sender.Tell(new UserHolder(
            who.Key,
            _holder is { } holder && SessionSharding.IsUserHolder(holder) ? holder[SessionSharding.UserHolderPrefix.Length..] : null)));
        Command<HoldsNameReply>(_ => { });
        Command<VerifyTimedOut>(_ => { });

        // Nothing asked for a while: out of memory until the next claim or release recovers it
        // from its short journal (otherwise every name ever claimed would stay in memory).
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(StopName.Instance)));
        Common();
    }

    protected override void PreStart()
    {
        SetReceiveTimeout(_idleAfter);
        base.PreStart();
    }

    /// <summary>Asking the holder's session whether it still holds the key: claims and releases wait.</summary>
    private void Verifying()
    {
        Command<HoldsNameReply>(reply =>
        {
            if (reply.Verification != _verification)
            {
                return;
            }

            if (reply.Holds)
            {
                Verified();
            }
            else
            {
                // A claim whose session never stored it (its node died between the grant and the
                // session's write), or a release that never arrived: the key is free.
                _logger.NameFreedForGoneHolder(_key, _holder ?? "", _shown);
                Persist(NameFreed.Instance, freed =>
                {
                    Apply(freed);
                    Trim();
                    Verified();
                });
            }
        });
        Command<VerifyTimedOut>(t =>
        {
            if (t.Verification == _verification)
            {
                // No answer: the holder is taken to hold it (a name is never given twice on a guess).
                Verified();
            }
        });
        Command<ReceiveTimeout>(_ => { });
        Common();
        CommandAny(_ => Stash.Stash());
    }

    private void Verified()
    {
        Timers.Cancel(VerifyTimer);
        _verifiedHolder = _holder;
        _verifiedAt = Environment.TickCount64;
        Become(Active);
        Stash.UnstashAll();
    }

    private void Common()
    {
        Command<StopName>(_ => Context.Stop(Self));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _logger.NameTrimFailed(_key, f.Cause.Message));
    }

    private void OnClaim(Claim claim)
    {
        if (_holder is not null && _holder != claim.SessionId)
        {
            // A user's name is reserved for the user, online or not: nobody to ask.
            if (SessionSharding.IsUserHolder(_holder)
                || (_verifiedHolder == _holder && Environment.TickCount64 - _verifiedAt < (long)VerifiedFor.TotalMilliseconds))
            {
                Sender.Tell(new Held(claim.Key, claim.Attempt, _shown));
                return;
            }

            // Before refusing, ask the holder's session whether it still holds this key; the claim
            // is handled again with the answer.
            Stash.Stash();
            _verification++;
            Context.ActorSelection("/system/sharding/" + SessionSharding.SessionRegionName).Tell(new HoldsName(_holder, _key, _verification));
            Timers.StartSingleTimer(VerifyTimer, new VerifyTimedOut(_verification), VerifyTimeout);
            Become(Verifying);
            return;
        }

        var replyTo = Sender;
        if (_holder == claim.SessionId && _shown == claim.Name)
        {
            // Asked again (a retry, or a rename between spellings that map here): nothing to write.
            replyTo.Tell(new Granted(claim.Key, claim.Attempt));
            return;
        }

        Persist(new NameHeld(claim.SessionId, claim.Name), held =>
        {
            Apply(held);
            replyTo.Tell(new Granted(claim.Key, claim.Attempt));
            Trim();
        });
    }

    private void OnRelease(Release release)
    {
        var replyTo = Sender;
        if (_holder != release.SessionId)
        {
            // Not held by that session (released already, or never granted): done.
            replyTo.Tell(new Released(release.Key, release.SessionId));
            return;
        }

        Persist(NameFreed.Instance, freed =>
        {
            Apply(freed);
            replyTo.Tell(new Released(release.Key, release.SessionId));
            Trim();
        });
    }

    private void Apply(NameHeld held) => (_holder, _shown) = (held.SessionId, held.Name);

    private void Apply(NameFreed freed) => (_holder, _shown) = (null, "");

    private void Trim()
    {
        if (LastSequenceNr % TrimEvery == 0)
        {
            DeleteMessages(LastSequenceNr - 1);
        }
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.NamePersistFailed(_key, @event.GetType().Name, sequenceNr, cause.Message);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _logger.NamePersistFailed(_key, @event.GetType().Name, sequenceNr, cause.Message);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>A name key's entity messages (routed by <see cref="Key"/>, the entity id).</summary>
    public interface INameMessage
    {
        string Key { get; }
    }

    /// <summary>
    /// Give <paramref name="Key"/> to <paramref name="SessionId"/>, shown as <paramref name="Name"/>
    /// (session → name): <see cref="Granted"/> when free or held by that session already, otherwise
    /// <see cref="Held"/>. <paramref name="Attempt"/> is echoed, so a late answer is told apart.
    /// </summary>
    public sealed record Claim(string Key, string SessionId, string Name, long Attempt) : INameMessage;

    /// <summary>The key is the claimant's (name → session).</summary>
    public sealed record Granted(string Key, long Attempt);

    /// <summary>Another session holds the key, shown as <paramref name="HolderName"/> (name → session).</summary>
    public sealed record Held(string Key, long Attempt, string HolderName);

    /// <summary>Free the key if <paramref name="SessionId"/> holds it (session → name); answered with <see cref="Released"/>.</summary>
    public sealed record Release(string Key, string SessionId) : INameMessage;

    /// <summary>The key is not held by the session any more (name → session).</summary>
    public sealed record Released(string Key, string SessionId);

    /// <summary>
    /// Does <paramref name="SessionId"/> hold <paramref name="Key"/> (name → session)? Asked when another
    /// session claims a held key; answered with <see cref="HoldsNameReply"/>.
    /// </summary>
    public sealed record HoldsName(string SessionId, string Key, long Verification) : ISessionMessage;

    /// <summary>Whether the session holds the key, or is claiming it, or is about to release it (session → name).</summary>
    public sealed record HoldsNameReply(string Key, long Verification, bool Holds);

    /// <summary>Which user holds <paramref name="Key"/>, if a user does (the server API → name); answered with <see cref="UserHolder"/>.</summary>
    public sealed record WhoHolds(string Key) : INameMessage;

    /// <summary>The user who holds <paramref name="Key"/> (null: nobody, or an anonymous session) (name → asker).</summary>
    public sealed record UserHolder(string Key, string? UserId);

    private sealed record VerifyTimedOut(long Verification) : INoSerializationVerificationNeeded;

    /// <summary>Persisted: the key is held by <paramref name="SessionId"/>, shown as <paramref name="Name"/>.</summary>
    public sealed record NameHeld(string SessionId, string Name) : ISessionEvent;

    /// <summary>Persisted: the key is free.</summary>
    public sealed record NameFreed : ISessionEvent
    {
        public static readonly NameFreed Instance = new();
    }

    /// <summary>Stops the entity (the passivation and hand-off message of the names' region).</summary>
    public sealed record StopName : INoSerializationVerificationNeeded
    {
        public static readonly StopName Instance = new();
    }
}
