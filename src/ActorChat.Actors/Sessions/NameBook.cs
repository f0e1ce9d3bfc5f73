using System.Diagnostics.CodeAnalysis;
using ActorChat.Actors.Protocol;

namespace ActorChat.Actors.Sessions;

/// <summary>
/// Who holds which name, by <see cref="NameKey"/>: a name is taken when either of its keys is held
/// by another owner (NameKey says why two). Each owner holds at most one name. Pure; one instance
/// lives inside one actor (a room today, the session registry with <c>actorchat.v1</c>).
/// </summary>
public sealed class NameBook<TOwner>
    where TOwner : notnull
{
    private readonly Dictionary<string, TOwner> _caseless = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TOwner> _cased = new(StringComparer.Ordinal);
    private readonly Dictionary<TOwner, (string Name, NameKey Key)> _held = [];

    /// <summary>How many owners hold a name.</summary>
    public int Count => _held.Count;

    /// <summary>Every held name, as shown.</summary>
    public IEnumerable<string> Names => _held.Values.Select(h => h.Name);

    /// <summary>The name <paramref name="owner"/> holds, if any.</summary>
    public bool TryGetName(TOwner owner, [NotNullWhen(true)] out string? name)
    {
        var found = _held.TryGetValue(owner, out var held);
        name = found ? held.Name : null;
        return found;
    }

    /// <summary>
    /// Gives <paramref name="name"/> (key <paramref name="key"/>) to <paramref name="owner"/>,
    /// releasing the name it held before; false, with the name shown for the other holder, when
    /// another owner holds either key. An owner may switch between spellings of its own key.
    /// </summary>
    public bool TryClaim(TOwner owner, string name, NameKey key, [NotNullWhen(false)] out string? heldBy)
    {
        if (HolderOf(key, owner) is { } other)
        {
            heldBy = _held[other.Owner].Name;
            return false;
        }

        Release(owner, out _);
        _held[owner] = (name, key);
        _caseless[key.Caseless] = owner;
        _cased[key.Cased] = owner;
        heldBy = null;
        return true;
    }

    /// <summary>Frees the name <paramref name="owner"/> holds; false when it held none.</summary>
    public bool Release(TOwner owner, [NotNullWhen(true)] out string? name)
    {
        if (!_held.Remove(owner, out var held))
        {
            name = null;
            return false;
        }

        _caseless.Remove(held.Key.Caseless);
        _cased.Remove(held.Key.Cased);
        name = held.Name;
        return true;
    }

    private Holder? HolderOf(NameKey key, TOwner claimant)
    {
        var comparer = EqualityComparer<TOwner>.Default;
        if (_caseless.TryGetValue(key.Caseless, out var owner) && !comparer.Equals(owner, claimant))
        {
            return new Holder(owner);
        }

        return _cased.TryGetValue(key.Cased, out var lookalike) && !comparer.Equals(lookalike, claimant) ? new Holder(lookalike) : null;
    }

    private sealed record Holder(TOwner Owner);
}
