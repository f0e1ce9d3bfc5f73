using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>The kill scenario's measurements after the kill: the victims' resume, a new user's probe, the survivors' members, and their hello and join.</summary>
internal static partial class KillRecoveryScenario
{
    /// <summary>
    /// Reconnects a victim to node 1 and resumes: <c>hello {name, session}</c> on a new connection,
    /// and one more connection with its own hello every <see cref="s_helloResend"/> while none is
    /// answered (a hello routed to a session entity on the dead node is lost). Earlier connections
    /// stay open and are read: a hello that was only delayed (buffered until its shard is back) may
    /// still win, and its welcome carries the token that counts now (a resume rotates it). The
    /// first welcome wins; then <c>join {room, since}</c> on that connection, resent until answered.
    /// </summary>
    private static async Task<KillRecoveryVictim> ResumeAsync(LoopbackConnector connector, Victim victim, long killedAt, long deadline, List<BenchClient> opened, CancellationToken cancellationToken)
    {
        var options = new ConnectOptions(Protocol: WireProtocol.V1, Node: 1);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (deadline - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
        var attempts = new List<(Task<ClientConnection> Connection, FrameReader Reader, Task<Welcome> Hello)>();
        string? problem = null;
        (ClientConnection Connection, FrameReader Reader, Welcome Welcome)? winner = null;
        try
        {
            var lastStart = 0L;
            try
            {
                while (winner is null && !bound.IsCancellationRequested)
                {
                    var pending = attempts.Where(a => !a.Hello.IsCompleted).ToList();
                    if (pending.Count == 0 || Stopwatch.GetElapsedTime(lastStart) >= s_helloResend)
                    {
                        if (attempts.Count > 0 && pending.Count == 0)
                        {
                            await Task.Delay(s_retryPause, bound.Token); // the last hello failed outright
                        }

                        var reader = new FrameReader(64 * 1024);
                        var connecting = connector.ConnectAsync(options, bound.Token);
                        var attempt = (connecting, reader, HelloOnAsync(connecting, reader, victim, bound.Token));
                        attempts.Add(attempt);
                        pending.Add(attempt);
                        lastStart = Stopwatch.GetTimestamp();
                    }

                    var wait = s_helloResend - Stopwatch.GetElapsedTime(lastStart);
                    await Task.WhenAny(pending.Select(a => (Task)a.Hello).Append(Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, bound.Token)));
                    foreach (var (connecting, reader, hello) in attempts.Where(a => a.Hello.IsCompleted))
                    {
                        if (hello.IsCompletedSuccessfully)
                        {
                            winner ??= (connecting.Result, reader, hello.Result);
                        }
                        else if (hello.Exception?.GetBaseException() is { } ex)
                        {
                            problem = $"hello: {ex.Message}";
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the bound
            }

            if (winner is not { } won)
            {
                return new KillRecoveryVictim(victim.Name, victim.Room, null, attempts.Count, false, false, false, problem ?? "hello: no answer within the bound");
            }

            try
            {
                var join = await JoinResendingAsync(won.Connection.WebSocket, won.Reader, victim.Room, victim.Since, bound.Token);
                var joined = join.Joined;
                var exact = joined.Position.Epoch == victim.Since.Epoch && joined.IsExactlyAfter(victim.Since.Offset);
                lock (opened)
                {
                    opened.Add(new BenchClient(won.Connection, new ErrorTally(), options.ReceiveBuffer, WireProtocol.V1));
                }

                return new KillRecoveryVictim(victim.Name, victim.Room, Ms(join.Received - killedAt), attempts.Count, won.Welcome.Resumed, joined.Recovered == true, exact, problem);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                won.Connection.WebSocket.Abort();
                return new KillRecoveryVictim(victim.Name, victim.Room, null, attempts.Count, won.Welcome.Resumed, false, false, $"join (session {(won.Welcome.Resumed ? "resumed" : "new")}): {(ex is OperationCanceledException ? "no answer within the bound" : ex.Message)}");
            }
        }
        finally
        {
            // every connection but the winner's
            foreach (var (connecting, _, hello) in attempts)
            {
                if (connecting.IsCompletedSuccessfully && (winner is null || !ReferenceEquals(connecting.Result, winner.Value.Connection)))
                {
                    connecting.Result.WebSocket.Abort();
                    connecting.Result.WebSocket.Dispose();
                }
            }

            await Task.WhenAll(attempts.Select(a => a.Hello.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>
    /// A new client on node 2 (fresh session, name <paramref name="name"/>) joins
    /// <paramref name="room"/> and sends one message at a time, each resent after 3 s unanswered,
    /// until one is acked: milliseconds from the kill to that ack; null if none within the bound.
    /// </summary>
    private static async Task<double?> ProbeAsync(LoopbackConnector connector, string room, string name, long killedAt, long deadline, List<BenchClient> opened, CancellationToken cancellationToken)
    {
        var options = new ConnectOptions(Protocol: WireProtocol.V1, Node: 1);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (deadline - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
        var attempt = 0;
        while (!bound.IsCancellationRequested)
        {
            // a name per attempt: an abandoned hello answered late holds its name for a while
            var attemptName = $"{name}{attempt++}";
            ClientConnection? connection = null;
            try
            {
                connection = await connector.ConnectAsync(options, bound.Token);
                var reader = new FrameReader(64 * 1024);
                using var hello = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
                hello.CancelAfter(s_helloResend);
                await V1Handshake.HelloAsync(connection.WebSocket, reader, attemptName, null, hello.Token);
                var acked = Task.Run(
                    async () =>
                    {
                        while (true)
                        {
                            var frame = await reader.NextAsync(connection.WebSocket, bound.Token);
                            if (V1Format.KindOf(frame.Span) == V1Format.Kind.Ack)
                            {
                                return Stopwatch.GetTimestamp();
                            }
                        }
                    },
                    bound.Token);
                var join = V1Format.Join(room, null, 1);
                var send = System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"send\",\"ref\":\"p\",\"payload\":{{\"room\":\"{room}\",\"text\":\"probe\"}}}}");
                while (!acked.IsCompleted)
                {
                    await connection.WebSocket.SendAsync(join, WebSocketMessageType.Text, true, bound.Token);
                    await Task.Delay(100, bound.Token);
                    await connection.WebSocket.SendAsync(send, WebSocketMessageType.Text, true, bound.Token);
                    await Task.WhenAny(acked, Task.Delay(s_joinResend, bound.Token));
                }

                var at = await acked;
                lock (opened)
                {
                    opened.Add(new BenchClient(connection, new ErrorTally(), options.ReceiveBuffer, WireProtocol.V1));
                }

                return Ms(at - killedAt);
            }
            catch (Exception ex) when (ex is V1ErrorException or WebSocketException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // hello unanswered (its name's entity on the dead node) or refused: a new connection
                connection?.WebSocket.Abort();
                connection?.WebSocket.Dispose();
                if (!bound.IsCancellationRequested)
                {
                    await Task.Delay(s_retryPause, cancellationToken);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A member (on a surviving node) of a room that was on the killed node: when its connection
    /// is closed (the server closes such connections with 1012 once the room's node is gone), it
    /// resumes on node 2 like a victim. If it is still open 5 s after the room served the probe
    /// again, it was not closed.
    /// </summary>
    private static async Task<KillRecoveryVictim> MemberAsync(LoopbackConnector connector, BenchClient client, string room, Task<double?> probe, long killedAt, long deadline, List<BenchClient> opened, CancellationToken cancellationToken)
    {
        long probeDone = 0;
        while (client.ClosedAt == 0 && Stopwatch.GetTimestamp() < deadline)
        {
            if (probe.IsCompleted)
            {
                probeDone = probeDone == 0 ? Stopwatch.GetTimestamp() : probeDone;
                if (Stopwatch.GetElapsedTime(probeDone) > TimeSpan.FromSeconds(5))
                {
                    break;
                }
            }

            await Task.Delay(10, cancellationToken);
        }

        var name = client.Name ?? "?";
        if (client.ClosedAt == 0 || client.Session is null || client.JoinedAt is null)
        {
            return new KillRecoveryVictim(name, room, null, 0, false, false, false, client.ClosedAt == 0 ? "not closed: still connected" : "no session to resume");
        }

        var closedMs = Ms(client.ClosedAt - killedAt);
        var code = client.Ending;
        var resumed = await ResumeAsync(connector, new Victim(name, room, client.Session, client.JoinedAt.Value, null), killedAt, deadline, opened, cancellationToken);
        return resumed with { ClosedMs = closedMs, CloseCode = code };
    }

    private static async Task<Welcome> HelloOnAsync(Task<ClientConnection> connecting, FrameReader reader, Victim victim, CancellationToken cancellationToken)
    {
        var connection = await connecting;
        return await V1Handshake.HelloAsync(connection.WebSocket, reader, victim.Name, victim.Session, cancellationToken);
    }

    /// <summary>
    /// <c>join {room, since}</c>, sent again every <see cref="s_joinResend"/> until its <c>joined</c>
    /// arrives: a request routed to a room whose node just died (before the resolver has downed it)
    /// is lost, not buffered, so a client that waits for it waits for ever. Only this task reads.
    /// </summary>
    private static async Task<JoinOutcome> JoinResendingAsync(WebSocket socket, FrameReader reader, string room, StreamPosition since, CancellationToken cancellationToken)
    {
        var joined = Task.Run(
            async () =>
            {
                while (true)
                {
                    var frame = await reader.NextAsync(socket, cancellationToken);
                    if (V1Format.KindOf(frame.Span) == V1Format.Kind.Joined && frame.Span.IndexOf("\"ref\":\"j\""u8) >= 0)
                    {
                        return new JoinOutcome(V1Format.ParseJoined(frame.Span), 0, Stopwatch.GetTimestamp());
                    }
                }
            },
            cancellationToken);
        var request = V1Format.Join(room, since);
        while (!joined.IsCompleted)
        {
            await socket.SendAsync(request, WebSocketMessageType.Text, true, cancellationToken);
            await Task.WhenAny(joined, Task.Delay(s_joinResend, cancellationToken));
        }

        return await joined;
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 1);
}
