namespace ActorChat.Actors.Sessions;

/// <summary>
/// An ended session freeing its name's keys: which are not yet confirmed released, and how many
/// times it has asked. Pure; the owner (<see cref="SessionEntity"/>) tells the name entities and
/// keeps the timer between tries.
/// </summary>
public sealed class NameRelease
{
    private readonly HashSet<string> _unreleased;

    /// <param name="keys">The keys to free.</param>
    /// <param name="maxTries">How many times to ask before giving up.</param>
    public NameRelease(IEnumerable<string> keys, int maxTries)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTries, 1);
        _unreleased = new HashSet<string>(keys, StringComparer.Ordinal);
        MaxTries = maxTries;
    }

    public int MaxTries { get; }

    /// <summary>How many times the release was asked for.</summary>
    public int Tries { get; private set; }

    /// <summary>The keys whose release is not confirmed yet.</summary>
    public IReadOnlyCollection<string> Unreleased => _unreleased;

    /// <summary>Every key is confirmed released.</summary>
    public bool IsDone => _unreleased.Count == 0;

    /// <summary>Counts one more try (ask for every key in <see cref="Unreleased"/>); false when the tries are used up (give up).</summary>
    public bool TryAgain()
    {
        if (Tries >= MaxTries)
        {
            return false;
        }

        Tries++;
        return true;
    }

    /// <summary>The name entity confirmed <paramref name="key"/>: true when that was the last one (done now, not before).</summary>
    public bool Confirm(string key) => _unreleased.Remove(key) && _unreleased.Count == 0;

    /// <summary>True while <paramref name="key"/> is not confirmed released: the session still holds it.</summary>
    public bool Holds(string key) => _unreleased.Contains(key);
}
