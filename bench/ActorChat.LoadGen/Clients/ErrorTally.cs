using System.Collections.Concurrent;

namespace ActorChat.LoadGen.Clients;

/// <summary>Counts the <c>chat-error</c> codes that clients received (e.g. <c>rate-limited</c>).</summary>
internal sealed class ErrorTally
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string code) => _counts.AddOrUpdate(code, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);
}
