using ActorChat.Actors.Sessions;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>A session's name claim, its release when it ends, and how long it waits detached, without actors.</summary>
public sealed class SessionNamePartsTests
{
    private static NameClaim Claim() => new(7, "Alice", "c:alice", "k:Alice");

    [Fact]
    public void A_claim_asks_for_the_cased_key_once_the_caseless_one_is_granted_then_is_granted()
    {
        var claim = Claim();

        Assert.Equal(NameClaimStep.Ignore, claim.Granted("k:Alice", 7));
        Assert.Equal(NameClaimStep.ClaimCased, claim.Granted("c:alice", 7));
        Assert.True(claim.FirstGranted);
        Assert.Equal(NameClaimStep.Ignore, claim.Granted("c:alice", 7));
        Assert.Equal(NameClaimStep.Granted, claim.Granted("k:Alice", 7));
    }

    [Fact]
    public void Answers_of_another_attempt_are_ignored()
    {
        var claim = Claim();

        Assert.Equal(NameClaimStep.Ignore, claim.Granted("c:alice", 6));
        Assert.Null(claim.Held(6));
        Assert.Null(claim.TimedOut(8));
        Assert.False(claim.FirstGranted);
    }

    [Fact]
    public void A_refusal_releases_the_first_key_only_when_it_was_granted()
    {
        Assert.Empty(Claim().Held(7)!);

        var claim = Claim();
        claim.Granted("c:alice", 7);
        Assert.Equal(["c:alice"], claim.Held(7));
    }

    [Fact]
    public void A_claim_that_timed_out_releases_both_keys_and_covers_both_while_out()
    {
        var claim = Claim();

        Assert.Equal(["c:alice", "k:Alice"], claim.TimedOut(7));
        Assert.True(claim.Covers("c:alice"));
        Assert.True(claim.Covers("k:Alice"));
        Assert.False(claim.Covers("k:alice"));
    }

    [Fact]
    public void A_release_is_done_when_the_last_key_is_confirmed_and_not_before()
    {
        var release = new NameRelease(["c:alice", "k:Alice"], maxTries: 3);

        Assert.False(release.Confirm("c:alice"));
        Assert.False(release.Confirm("c:alice"));
        Assert.True(release.Holds("k:Alice"));
        Assert.False(release.Holds("c:alice"));
        Assert.True(release.Confirm("k:Alice"));
        Assert.True(release.IsDone);
        Assert.False(release.Confirm("k:Alice"));
    }

    [Fact]
    public void A_release_is_asked_for_at_most_its_tries()
    {
        var release = new NameRelease(["c:alice"], maxTries: 3);

        Assert.True(release.TryAgain());
        Assert.True(release.TryAgain());
        Assert.True(release.TryAgain());
        Assert.False(release.TryAgain());
        Assert.Equal(3, release.Tries);
        Assert.Equal(["c:alice"], release.Unreleased);
    }

    [Fact]
    public void A_detached_session_waits_its_ttl_or_after_a_recovery_the_grace_when_it_cannot_be_resumed()
    {
        var settings = new SessionEntitySettings(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromMinutes(2), SessionAbsence.AfterRecovery(true, settings, now).Limit);
        Assert.Equal(TimeSpan.FromSeconds(10), SessionAbsence.AfterRecovery(false, settings, now).Limit);
        Assert.Null(SessionAbsence.AfterConnectionLost(false, settings, now));

        var absence = SessionAbsence.AfterConnectionLost(true, settings, now)!;
        Assert.Equal(TimeSpan.FromMinutes(2), absence.LeftAt(now));
        Assert.Equal(TimeSpan.FromSeconds(30), absence.LeftAt(now.AddSeconds(90)));
        Assert.True(absence.LeftAt(now.AddMinutes(2)) <= TimeSpan.Zero);
    }
}
