using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using ActorChat.LoadGen.Clients;
using ActorChat.LoadGen.Reporting;

namespace ActorChat.LoadGen.Scenarios;

/// <summary>
/// Kill recovery (v1, a cluster of 3 or more nodes): rooms <c>kr0</c>, <c>kr1</c>, … each with a
/// sender on node 0, a member on node 1 and a member on the last node (the victim). The room's home
/// is found from the nodes' broadcast counters; rooms are opened in batches until one lives on the
/// last node. Every sender streams at a fixed rate (no window: a room that is down gets sends all
/// the same), then the last node is SIGKILLed. Measured from the kill: per room, the first ack of a
/// send made after it and the first such message delivered to the member on node 1 (rooms of the
/// killed node come back once the split-brain resolver has downed it and their shards are
/// allocated again; the others should not notice); per victim, the time until it has reconnected
/// to node 1 with <c>hello {name, session}</c> and <c>join {room, since}</c> (the position of its
/// first join) and read a <c>joined</c> — whether the session resumed, and whether the history
/// came back exactly (every offset after <c>since</c>, once, <c>recovered: true</c>). Everything is
/// bounded by <c>bound</c>; the observation ends 2 s after the last recovery.
/// A room that comes back on another node starts with no members, and connections on the
/// survivors are not told that its node died: the sender learns it from <c>not-in-room</c> errors
/// on its sends and then joins again, as a client would, and the member on node 1 joins again at
/// the same moment (it sends nothing, so it has no other way to learn it); the rejoins are counted.
/// </summary>
internal static partial class KillRecoveryScenario
{
    private const int MaxBatches = 4;
    private const string NotInRoom = "not-in-room";
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_joinResend = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_helloResend = TimeSpan.FromSeconds(5);

    private sealed record Victim(string Name, string Room, string Session, StreamPosition Since, BenchClient? Client);

    private sealed class Watch(Room room, Victim victim)
    {
        public Room Room { get; } = room;

        public Victim Victim { get; } = victim;

        public int? Home { get; set; }

        public long KillSeq { get; set; }

        public long AckAgain { get; set; }

        public long DeliveredAgain { get; set; }

        public long LongestGap { get; set; }

        public long LastAck { get; set; }

        public int Rejoins { get; set; }

        public long LastSeen { get; set; }

        public long AcksAtKill { get; set; }

        public long LastDelivery { get; set; }

        public long LongestDeliveryGap { get; set; }
    }

    public static async Task<KillRecoveryResult> RunAsync(ScenarioContext context, int roomsPerBatch, double ratePerRoom, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (context.Group is not { } group || context.Nodes < 3)
        {
            throw new ScenarioException("kill-recovery needs a started cluster of 3 or more nodes (actorchat-cluster3)");
        }

        var nodes = context.Nodes;
        var killed = nodes - 1;
        var profile = context.Profile;
        var connector = context.Connector();
        var watches = new List<Watch>();
        var problems = new List<string>();
        var reconnected = new List<BenchClient>();
        try
        {
            for (var batch = 0; batch < MaxBatches && !watches.Exists(w => w.Home == killed); batch++)
            {
                var opened = await OpenBatchAsync(connector, watches.Count, roomsPerBatch, killed, profile.TextLength, cancellationToken);
                watches.AddRange(opened);
                await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken); // presence of the joins settles
                foreach (var watch in opened)
                {
                    var before = await RelayMetrics.ReadAsync(context, cancellationToken);
                    await Phases.SyncAsync(watch.Room, cancellationToken);
                    await Task.Delay(RelayMetrics.ScrapeCache, cancellationToken);
                    watch.Home = RelayMetrics.Busiest(RelayMetrics.Difference(before, await RelayMetrics.ReadAsync(context, cancellationToken)));
                }

                context.Log($"kill-recovery: rooms {string.Join(", ", opened.Select(w => $"{w.Room.RoomName} on node {(w.Home is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")}"))}");
            }

            if (!watches.Exists(w => w.Home == killed))
            {
                problems.Add($"no room found on node {killed + 1} after {watches.Count} rooms: its rooms' recovery is not measured");
            }

            // the stream: every sender at the fixed rate, no window
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var streams = watches.Select(w => StreamAsync(w, ratePerRoom, stop.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

            foreach (var watch in watches)
            {
                watch.KillSeq = watch.Room.Senders[0].Sent;
                watch.AcksAtKill = watch.Room.Senders[0].Client.AckCount;
                watch.LastAck = watch.Room.Senders[0].Client.Acks!.LastAckAt;
                watch.LastSeen = watch.Room.Clients.First(c => c.Node == 1).NextSeq(watch.Room.Senders[0].Id);
            }

            var killedAt = Stopwatch.GetTimestamp();
            group.Kill(killed);
            context.Log($"kill-recovery: SIGKILL node {killed + 1} (pid {group.Nodes[killed].Pid}) with {watches.Count} rooms streaming at {ratePerRoom} msg/s each");

            var deadline = killedAt + Ticks(bound);
            var resumes = watches.Select(w => ResumeAsync(connector, w.Victim, killedAt, deadline, reconnected, cancellationToken)).ToList();

            // The killed node's rooms: a new client on node 2 joins and sends until it is acked
            // (its members elsewhere may be closed with 1012 meanwhile, so their stream is not the
            // measure); and those members, when closed, resume on node 2 like the victims.
            var lost = watches.Where(w => w.Home == killed).ToList();
            var probes = lost.ToDictionary(w => w, w => ProbeAsync(connector, w.Room.RoomName, $"{w.Room.RoomName}p", killedAt, deadline, reconnected, cancellationToken));
            var members = lost.SelectMany(w => new[] { w.Room.Senders[0].Client, w.Room.Clients.First(c => c.Node == 1) }.Select(c => (Watch: w, Client: c)))
                .Select(m => MemberAsync(connector, m.Client, m.Watch.Room.RoomName, probes[m.Watch], killedAt, deadline, reconnected, cancellationToken))
                .ToList();
            long settled = 0;
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var watch in watches)
                {
                    var sender = watch.Room.Senders[0];
                    var acks = sender.Client.Acks!;
                    var lastAck = acks.LastAckAt;
                    // The room is back when the longest silence since the kill ends (a message sent
                    // just after the kill call may still be served: SIGKILL takes a moment).
                    if (lastAck != watch.LastAck)
                    {
                        var gap = lastAck - Math.Max(watch.LastAck, killedAt);
                        if (gap > watch.LongestGap && acks.MaxAcked >= watch.KillSeq)
                        {
                            watch.LongestGap = gap;
                            watch.AckAgain = lastAck;
                        }

                        watch.LastAck = lastAck;
                    }

                    var seen = watch.Room.Clients.First(c => c.Node == 1).NextSeq(sender.Id);
                    if (seen != watch.LastSeen)
                    {
                        var gap = now - Math.Max(watch.LastDelivery, killedAt);
                        if (gap > watch.LongestDeliveryGap && seen > watch.KillSeq)
                        {
                            watch.LongestDeliveryGap = gap;
                            watch.DeliveredAgain = now;
                        }

                        watch.LastSeen = seen;
                        watch.LastDelivery = now;
                    }
                }

                // done: every room acked and delivered a post-kill message within the last 2 s
                var done = watches.Where(w => w.Home != killed).All(w => w.AckAgain != 0 && w.DeliveredAgain != 0 && now - w.LastAck < Ticks(TimeSpan.FromSeconds(1)) && now - w.LastDelivery < Ticks(TimeSpan.FromSeconds(1)))
                    && resumes.TrueForAll(r => r.IsCompleted) && probes.Values.All(p => p.IsCompleted) && members.TrueForAll(m => m.IsCompleted);
                if (done && settled == 0)
                {
                    settled = now;
                }
                else if (!done)
                {
                    settled = 0;
                }

                if ((settled != 0 && now - settled >= Ticks(TimeSpan.FromSeconds(2))) || now >= deadline)
                {
                    break;
                }

                await Task.Delay(5, cancellationToken);
            }

            await stop.CancelAsync();
            await Task.WhenAll(streams);
            var victims = await Task.WhenAll(resumes);
            var probed = new Dictionary<Watch, double?>();
            foreach (var (watch, probe) in probes)
            {
                probed[watch] = await probe;
            }

            var memberResults = await Task.WhenAll(members);
            var end = Stopwatch.GetTimestamp();
            foreach (var watch in watches)
            {
                // a room still silent at the end: its gap runs to the end
                var silent = end - Math.Max(watch.LastAck, killedAt);
                if (silent > watch.LongestGap)
                {
                    watch.LongestGap = silent;
                    watch.AckAgain = 0; // not back by the end
                }

                if (end - Math.Max(watch.LastDelivery, killedAt) > watch.LongestDeliveryGap)
                {
                    watch.DeliveredAgain = 0;
                }
            }

            var rooms = watches.Select(w => new KillRecoveryRoom(
                w.Room.RoomName,
                w.Home,
                probed.TryGetValue(w, out var first) ? first : w.AckAgain == 0 ? null : Ms(w.AckAgain - killedAt),
                w.DeliveredAgain == 0 ? null : Ms(w.DeliveredAgain - killedAt),
                Ms(w.LongestGap),
                w.Room.Senders[0].Sent - w.KillSeq,
                w.Room.Senders[0].Client.AckCount - w.AcksAtKill,
                w.Rejoins)).ToList();
            var onKilled = rooms.Where(r => r.HomeNode == killed).ToList();
            var survivors = rooms.Where(r => r.HomeNode != killed).ToList();
            var resumedTimes = victims.Where(v => v.ResumedMs is not null).Select(v => v.ResumedMs!.Value).ToList();
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (code, n) in watches.SelectMany(w => w.Room.Errors.Snapshot()))
            {
                errors[code] = errors.GetValueOrDefault(code) + n;
            }

            var result = new KillRecoveryResult(
                nodes,
                killed,
                rooms.Count,
                onKilled.Count,
                ratePerRoom,
                onKilled.Count == 0 || onKilled.Exists(r => r.AckAgainMs is null) ? null : onKilled.Max(r => r.AckAgainMs),
                onKilled.Count == 0 || onKilled.Exists(r => r.DeliveredAgainMs is null) ? null : onKilled.Max(r => r.DeliveredAgainMs),
                survivors.Count == 0 ? null : survivors.Max(r => r.LongestAckGapMs),
                victims.Length,
                victims.Count(v => v.SessionResumed),
                victims.Count(v => v.Recovered && v.Exact),
                resumedTimes.Count == 0 ? null : ResumeScenario.Percentile(resumedTimes, 0.5),
                resumedTimes.Count < victims.Length ? null : resumedTimes.Max(),
                bound.TotalSeconds,
                rooms,
                victims,
                errors,
                problems)
            {
                LostRoomMembers = memberResults,
            };
            context.Log(Describe(result));
            foreach (var m in memberResults)
            {
                context.Log(string.Create(CultureInfo.InvariantCulture, $"kill-recovery: {m.Name} in {m.Room} (its room was on the killed node): closed {(m.ClosedMs is { } c ? $"with {m.CloseCode} after {c:N0} ms" : "never")}, resumed after {Num(m.ResumedMs)} ms, session resumed {m.SessionResumed}, exact {m.Exact}; last problem: {m.LastProblem ?? "none"}"));
            }

            foreach (var v in victims.Where(v => v.ResumedMs is null || !v.SessionResumed || !v.Exact))
            {
                context.Log(string.Create(CultureInfo.InvariantCulture, $"kill-recovery: {v.Name} in {v.Room}: resumed after {Num(v.ResumedMs)} ms, {v.Attempts} attempt(s), session resumed {v.SessionResumed}, recovered {v.Recovered}, exact {v.Exact}; last problem: {v.LastProblem ?? "none"}"));
            }

            foreach (var room in rooms)
            {
                context.Log(string.Create(CultureInfo.InvariantCulture, $"kill-recovery: {room.Room} (node {(room.HomeNode is { } h ? (h + 1).ToString(CultureInfo.InvariantCulture) : "?")}): ack again {Num(room.AckAgainMs)} ms, delivered again {Num(room.DeliveredAgainMs)} ms, longest ack gap {room.LongestAckGapMs:N0} ms, {room.SentAfterKill} sent / {room.AckedAfterKill} acked after the kill, {room.Rejoins} rejoins"));
            }

            return result;
        }
        finally
        {
            await Task.WhenAll(watches.Select(w => w.Room.DisposeAsync().AsTask()).Concat(watches.Where(w => w.Victim.Client is not null).Select(w => w.Victim.Client!.DisposeAsync().AsTask())));
            await Task.WhenAll(reconnected.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    public static string Describe(KillRecoveryResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"kill-recovery: node {r.KilledNode + 1} of {r.Nodes} killed; its {r.RoomsOnKilledNode} of {r.Rooms} rooms ack a new client's send after {Num(r.RoomsAckAgainMaxMs)} ms, " +
        $"the other rooms' longest ack gap {Num(r.SurvivorRoomsLongestAckGapMs)} ms; " +
        $"its clients: {r.VictimsResumed}/{r.Victims} sessions resumed, {r.VictimsRecovered} with exact history, p50 {Num(r.VictimsResumedP50Ms)} ms, all after {Num(r.VictimsAllResumedMs)} ms{(r.Problems.Count > 0 ? "; " + string.Join("; ", r.Problems) : "")}");

    private static string Num(double? ms) => ms?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a (bound reached)";

    private static async Task<List<Watch>> OpenBatchAsync(LoopbackConnector connector, int first, int count, int killed, int textLength, CancellationToken cancellationToken)
    {
        var watches = new List<Watch>();
        try
        {
            for (var k = first; k < first + count; k++)
            {
                var name = $"kr{k}";
                var room = new Room(connector, WireProtocol.V1, name, $"k{k}") { SenderNode = 0 };
                try
                {
                    await room.AddListenersAsync(1, cancellationToken, new ConnectOptions(Node: 1));
                    await room.AddSendersAsync(1, textLength, cancellationToken);
                    var victim = await OpenVictimAsync(connector, room, $"k{k}v", killed, cancellationToken);
                    await Phases.SyncAsync(room, cancellationToken);
                    watches.Add(new Watch(room, victim));
                }
                catch
                {
                    await room.DisposeAsync();
                    throw;
                }
            }

            return watches;
        }
        catch
        {
            await Task.WhenAll(watches.Select(w => w.Room.DisposeAsync().AsTask()).Concat(watches.Where(w => w.Victim.Client is not null).Select(w => w.Victim.Client!.DisposeAsync().AsTask())));
            throw;
        }
    }

    /// <summary>The member on the node to be killed: its session and join position are kept for its resume.</summary>
    private static async Task<Victim> OpenVictimAsync(LoopbackConnector connector, Room room, string name, int node, CancellationToken cancellationToken)
    {
        var options = new ConnectOptions(Protocol: WireProtocol.V1, Node: node);
        var connection = await connector.ConnectAsync(options, cancellationToken);
        try
        {
            var reader = new FrameReader(options.ReceiveBuffer);
            var welcome = await V1Handshake.HelloAsync(connection.WebSocket, reader, name, null, cancellationToken);
            var joined = await V1Handshake.JoinAsync(connection.WebSocket, reader, room.RoomName, null, 1, cancellationToken);
            return new Victim(name, room.RoomName, welcome.Session, joined.Joined.Position, new BenchClient(connection, room.Errors, options.ReceiveBuffer, WireProtocol.V1));
        }
        catch
        {
            connection.WebSocket.Abort();
            connection.WebSocket.Dispose();
            throw;
        }
    }

    /// <summary>The room's sender at a fixed rate; on new <c>not-in-room</c> errors, the sender and the member on node 1 join again (this task is their sockets' only writer now).</summary>
    private static async Task StreamAsync(Watch watch, double perSecond, CancellationToken cancellationToken)
    {
        var sender = watch.Room.Senders[0];
        var listener = watch.Room.Clients.First(c => c.Node == 1);
        var start = Stopwatch.GetTimestamp();
        var first = sender.Sent;
        var refusals = watch.Room.Errors.Snapshot().GetValueOrDefault(NotInRoom);
        var rejoined = 0L;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = watch.Room.Errors.Snapshot().GetValueOrDefault(NotInRoom);
                // refusals of sends already in flight follow a rejoin: one rejoin a second at most
                if (now > refusals && (rejoined == 0 || Stopwatch.GetElapsedTime(rejoined) > TimeSpan.FromSeconds(1)))
                {
                    refusals = now;
                    rejoined = Stopwatch.GetTimestamp();
                    watch.Rejoins++;
                    var join = V1Format.Join(watch.Room.RoomName, null, 1, "rj");
                    await sender.Client.WebSocket.SendAsync(join, WebSocketMessageType.Text, true, cancellationToken);
                    await listener.WebSocket.SendAsync(join, WebSocketMessageType.Text, true, cancellationToken);
                }

                var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * perSecond) + 1;
                while (sender.Sent - first < due)
                {
                    await sender.SendNextAsync(cancellationToken);
                }

                await Task.Delay(5, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // stopped, or the sender's connection ended (counted by the room's checks)
        }
    }
}
