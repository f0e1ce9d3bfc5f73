using System.Diagnostics;
using System.Text.Json;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// An <c>actorchat.v1</c> client that does what the protocol asks of one after a lost connection
/// (a node killed, or a 1012 "service restart"): it connects again — to its own node while that
/// runs, else to another — says <c>hello</c> with its session token, and joins each of its rooms
/// with <c>since</c> = the last offset it holds. Its view of a room is every connection's, in
/// order: what each live connection got, and what each rejoin recovered.
/// </summary>
public sealed class ResumingClient : IAsyncDisposable
{
    private readonly ThreeNodeCluster _cluster;
    private readonly ClusterNode _home;
    private readonly TimeSpan _resumeBound;
    private readonly List<Connection> _connections = [];
    private readonly Dictionary<string, string> _epochs = [];
    private readonly List<string> _problems = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _watching;
    private string? _session;

    private ResumingClient(ThreeNodeCluster cluster, ClusterNode home, string name, TimeSpan resumeBound)
    {
        _cluster = cluster;
        _home = home;
        Name = name;
        _resumeBound = resumeBound;
    }

    public string Name { get; }

    /// <summary>The connection in use (the latest).</summary>
    public V1Client Current
    {
        get
        {
            lock (_connections)
            {
                return _connections[^1].Client;
            }
        }
    }

    /// <summary>Every connection so far, the first one first.</summary>
    public IReadOnlyList<V1Client> Connections
    {
        get
        {
            lock (_connections)
            {
                return [.. _connections.Select(c => c.Client)];
            }
        }
    }

    /// <summary>How often it resumed.</summary>
    public int Resumes => Connections.Count - 1;

    /// <summary>Each resume's steps: when the connection ended (on the cluster's clock) and how (close code), where it went, when it was welcomed and had each room back.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>Nodes not to connect to (a node about to be stopped).</summary>
    public HashSet<ClusterNode> Avoid { get; } = [];

    /// <summary>Connects to <paramref name="node"/> and starts a new session as <paramref name="name"/>.</summary>
    public static async Task<ResumingClient> StartAsync(ThreeNodeCluster cluster, ClusterNode node, string name, TimeSpan resumeBound)
    {
        var client = new ResumingClient(cluster, node, name, resumeBound);
        var first = await V1Client.HelloAsync(node.WebSocket, name);
        client._connections.Add(new Connection(first, node, []));
        client._session = first.Session;
        client._ready.SetResult();
        client._watching = Task.Run(client.WatchAsync);
        return client;
    }

    /// <summary>Joins <paramref name="room"/> (new to this client) on the current connection.</summary>
    public async Task<JsonElement> JoinAsync(string room)
    {
        var joined = await Current.JoinAsync(room);
        lock (_connections)
        {
            _epochs[room] = joined.Position().Epoch;
        }

        return joined;
    }

    /// <summary>The epoch of <paramref name="room"/> as first joined.</summary>
    public string Epoch(string room)
    {
        lock (_connections)
        {
            return _epochs[room];
        }
    }

    /// <summary>Waits until a connection is up with every room rejoined (at once when nothing was lost).</summary>
    public async Task WhenReadyAsync(TimeSpan bound)
    {
        Task ready;
        lock (_connections)
        {
            ready = _ready.Task;
        }

        try
        {
            await ready.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            var current = Current;
            Assert.Fail($"{Name} did not resume within {bound}: {string.Join("; ", Problems)}. Its last connection received:\n{string.Join('\n', current.Received.TakeLast(5).Select(f => f.GetRawText()))}");
        }
    }

    /// <summary>
    /// The messages of <paramref name="room"/> the client was given after its first join of it,
    /// over all its connections: each one's live messages (and those of a <c>joined</c> with no ref),
    /// after what its rejoin with <c>since</c> recovered.
    /// </summary>
    public List<JsonElement> Timeline(string room)
    {
        // Copied under the lock, read outside it: a client's frames have a lock of their own.
        List<(V1Client Client, List<JsonElement>? Recovered)> parts;
        lock (_connections)
        {
            parts = [.. _connections.Select(c => (c.Client, c.Recovered.TryGetValue(room, out var r) ? r : null))];
        }

        var messages = new List<JsonElement>();
        foreach (var (client, recovered) in parts)
        {
            if (recovered is not null)
            {
                messages.AddRange(recovered);
            }

            messages.AddRange(Tests.Timeline.Of(client, room));
        }

        return messages;
    }

    /// <summary>The last offset of <paramref name="room"/> the client holds.</summary>
    public long LastOffset(string room)
    {
        var timeline = Timeline(room);
        return timeline.Count > 0 ? timeline.Max(m => m.Offset()) : Tests.Timeline.LastOffset(Connections[0], room);
    }

    /// <summary>Waits until the client's view of <paramref name="room"/> reaches <paramref name="offset"/>.</summary>
    public async Task WaitForOffsetAsync(string room, long offset, TimeSpan bound)
    {
        // Polled: the view spans connections, each with a lock of its own.
        var deadline = Stopwatch.StartNew();
        while (LastOffset(room) < offset)
        {
            Assert.True(deadline.Elapsed < bound, $"{Name}: offset {offset} of {room} not seen within {bound} (last {LastOffset(room)}; resumes: {string.Join("; ", Problems)}).");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var connection in Connections)
        {
            await connection.DisposeAsync();
        }

        if (_watching is not null)
        {
            try
            {
                await _watching.WaitAsync(TestTime.Timeout);
            }
            catch (TimeoutException)
            {
                // A resume still waiting on a reply; its connection is gone now.
            }
        }

        _stop.Dispose();
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var current = Current;
            await Task.WhenAny(current.Completion, Task.Delay(Timeout.Infinite, _stop.Token));
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            lock (_connections)
            {
                _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var endedAt = _cluster.Clock.Elapsed;
            try
            {
                await ResumeAsync(current, endedAt);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Note($"{endedAt.TotalSeconds:F3}s: resume failed: {e.Message}");
                lock (_connections)
                {
                    _ready.TrySetException(e);
                }

                return;
            }
        }
    }

    private async Task ResumeAsync(V1Client lost, TimeSpan endedAt)
    {
        Note($"{endedAt.TotalSeconds:F3}s: connection ended ({(lost.CloseStatus is { } code ? $"close {code} {lost.CloseReason}" : "no close frame")})");
        List<string> rooms;
        lock (_connections)
        {
            rooms = [.. _epochs.Keys];
        }

        // Its view so far is fixed now: the lost connection receives nothing more.
        var since = rooms.ToDictionary(room => room, LastOffset);
        var deadline = Stopwatch.StartNew();

        // hello with the token on a new connection, never twice on one: a late answer to the first
        // would rotate the token a second one carries. A hello sent to a node as it died is lost;
        // the server then gives up on it (1012 after Limits:AnswerTimeout) and the client connects
        // again, as after any 1012.
        ClusterNode node;
        V1Client again;
        JsonElement welcome;
        while (true)
        {
            node = !_home.HasExited && !Avoid.Contains(_home)
                ? _home
                : _cluster.Nodes.First(n => n != _home && !n.HasExited && !Avoid.Contains(n));
            again = await V1Client.ConnectAsync(node.WebSocket, $"{Name} (resumed on {node.Name})");
            var hello = await again.PostAsync("hello", V1Client.Payload(("name", Name), ("session", _session)));
            var left = _resumeBound - deadline.Elapsed;
            if (left > TimeSpan.Zero && await again.TryReplyAsync(hello, left) is { } reply)
            {
                welcome = reply;
                break;
            }

            var ended = again.Ended;
            var closed = again.CloseStatus;
            await again.DisposeAsync();
            Assert.True(
                ended && deadline.Elapsed < _resumeBound,
                $"{Name}: no answer to hello with its token on {node.Name} within {_resumeBound}.");
            Note($"{_cluster.Clock.Elapsed.TotalSeconds:F3}s: hello on {node.Name} unanswered, the server closed ({closed}); connecting again");
        }

        Assert.True(welcome.Type() == "welcome", $"{Name}'s hello with its token: {welcome.GetRawText()}");
        var payload = welcome.Payload();
        Note($"{_cluster.Clock.Elapsed.TotalSeconds:F3}s: welcomed on {node.Name} (resumed: {payload.GetProperty("resumed").GetBoolean()})");
        Assert.True(payload.GetProperty("resumed").GetBoolean(), $"{Name}'s session resumes on {node.Name}: {welcome.GetRawText()}");
        Assert.Equal(Name, payload.Str("name"));
        _session = payload.Str("session");
        var recovered = new Dictionary<string, List<JsonElement>>();
        lock (_connections)
        {
            _connections.Add(new Connection(again, node, recovered));
        }

        var held = payload.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()).ToList();
        foreach (var room in rooms)
        {
            Assert.True(held.Contains(room), $"{Name}'s resumed session lists {room}: {welcome.GetRawText()}");

            // A join left unanswered (sent to a room whose node is unreachable and not yet downed)
            // is sent again: joining a room again answers joined again.
            JsonElement joined;
            while (true)
            {
                var join = await again.PostAsync("join", V1Client.JoinPayload(room, (Epoch(room), since[room])));
                if (await again.TryReplyAsync(join, RoomSender.RetryAfterDefault) is { } reply)
                {
                    joined = reply;
                    break;
                }

                Assert.False(again.Ended, $"{Name}: the resumed connection ended while rejoining {room}.");
                Note($"{_cluster.Clock.Elapsed.TotalSeconds:F3}s: no answer to join {room} within {RoomSender.RetryAfterDefault.TotalSeconds} s; joining again");
                Assert.True(deadline.Elapsed < _resumeBound, $"{Name}: {room} not rejoined within {_resumeBound}.");
            }

            Assert.True(joined.Type() == "joined", $"{Name}: join {room} with since {since[room]}: {joined.GetRawText()}");
            Assert.True(joined.Payload().GetProperty("recovered").GetBoolean(), $"{Name}: {room} recovers after {since[room]}: {joined.GetRawText()}");
            Assert.Equal(Epoch(room), joined.Position().Epoch);
            lock (_connections)
            {
                recovered[room] = joined.MessageList();
            }

            Note($"{_cluster.Clock.Elapsed.TotalSeconds:F3}s: rejoined {room} after offset {since[room]}");
        }

        Note($"resumed on {node.Name} with its rooms {(_cluster.Clock.Elapsed - endedAt).TotalSeconds:F3} s after the connection ended");
        lock (_connections)
        {
            _ready.TrySetResult();
        }
    }

    private void Note(string text)
    {
        lock (_problems)
        {
            _problems.Add(text);
        }
    }

    private sealed record Connection(V1Client Client, ClusterNode Node, Dictionary<string, List<JsonElement>> Recovered);
}
