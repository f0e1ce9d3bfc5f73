namespace ActorChat.Actors.Sessions;

/// <summary>
/// One session's claim of a name, in flight: the <c>Caseless</c> key's entity first, then the
/// <c>Cased</c> key's, each answered with the claim's <see cref="Attempt"/>. Pure: it says what
/// the owner (<see cref="SessionEntity"/>) is to do with each answer, which tells the name
/// entities and keeps the timer; answers of other attempts, or out of order, are ignored.
/// </summary>
public sealed class NameClaim
{
    public NameClaim(long attempt, string name, string caselessKey, string casedKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(caselessKey);
        ArgumentException.ThrowIfNullOrEmpty(casedKey);
        (Attempt, Name, CaselessKey, CasedKey) = (attempt, name, caselessKey, casedKey);
    }

    public long Attempt { get; }

    public string Name { get; }

    /// <summary>The key claimed first.</summary>
    public string CaselessKey { get; }

    /// <summary>The key claimed once the first is granted.</summary>
    public string CasedKey { get; }

    /// <summary>The first key is granted; the second is asked for.</summary>
    public bool FirstGranted { get; private set; }

    /// <summary>
    /// <paramref name="key"/> was granted in <paramref name="attempt"/>: claim the second key next,
    /// or the name is the session's, or (another attempt's, a repeat) nothing.
    /// </summary>
    public NameClaimStep Granted(string key, long attempt)
    {
        if (attempt != Attempt)
        {
            return NameClaimStep.Ignore;
        }

        if (key == CaselessKey && !FirstGranted)
        {
            FirstGranted = true;
            return NameClaimStep.ClaimCased;
        }

        return key == CasedKey && FirstGranted ? NameClaimStep.Granted : NameClaimStep.Ignore;
    }

    /// <summary>
    /// A key was held by another session in <paramref name="attempt"/>: the claim is refused, and
    /// these keys are to be released (the first, when it was granted); null for another attempt's answer.
    /// </summary>
    public IReadOnlyList<string>? Held(long attempt) =>
        attempt != Attempt ? null : FirstGranted ? [CaselessKey] : [];

    /// <summary>
    /// The claim of <paramref name="attempt"/> went unanswered: refused, and both keys are to be
    /// released (either may have been granted with its answer lost); null for another attempt's timer.
    /// </summary>
    public IReadOnlyList<string>? TimedOut(long attempt) => attempt != Attempt ? null : [CaselessKey, CasedKey];

    /// <summary>True for either key: a name entity asking whether the session holds it is told yes while the claim is out.</summary>
    public bool Covers(string key) => key == CaselessKey || key == CasedKey;
}

/// <summary>What a <see cref="NameClaim"/> answer asks of its owner.</summary>
public enum NameClaimStep
{
    /// <summary>Not this attempt's answer, or a repeat: nothing.</summary>
    Ignore,

    /// <summary>The first key is granted: claim <see cref="NameClaim.CasedKey"/>.</summary>
    ClaimCased,

    /// <summary>Both keys are granted: the name is the session's.</summary>
    Granted,
}
