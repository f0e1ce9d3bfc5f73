namespace ActorChat.Actors.Connections;

/// <summary>
/// Requests of one connection in flight, each under the connection's own number, with the client's
/// <c>ref</c> to echo in its answer. Answers may come in any order (a rename refused by the node's
/// front at once overtakes one that waits for a remote entity), so they are matched by number, not
/// first-in-first-out. Pure: the connection sends the number and takes the ref back with the answer.
/// </summary>
internal sealed class RequestRefs
{
    private readonly Dictionary<long, string?> _refs = [];
    private long _last;

    /// <summary>Requests not answered yet.</summary>
    public int Count => _refs.Count;

    /// <summary>Numbers a new request (1, 2, 3…) and keeps its <paramref name="requestRef"/>.</summary>
    public long Add(string? requestRef)
    {
        _refs[++_last] = requestRef;
        return _last;
    }

    /// <summary>The ref of the request numbered <paramref name="number"/>, now answered; null when it had none or is not in flight (0, a repeat).</summary>
    public string? Take(long number) => _refs.Remove(number, out var requestRef) ? requestRef : null;
}
