using System.Text;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.History;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Benchmarks;

/// <summary>
/// The lobby fanning messages out to N <c>beej-chat-protocol</c> members, in process and without
/// sockets: the server's actors (a <see cref="ChatGateway"/>, the <see cref="RoomRegion"/> with the
/// lobby's persistent <see cref="RoomActor"/> on the in-memory journal, the
/// <see cref="SessionRegistry"/>) on its own HOCON, each member's connection writing to an in-memory
/// socket. One operation is one chat message, from the sender's frame through decode, the lobby's
/// post and journal write, and its broadcast (encoded once) through every member's outbound queue
/// to its socket.
/// </summary>
[MemoryDiagnoser]
public class RoomFanOutBenchmarks : IDisposable
{
    private const int MessagesPerInvoke = 100;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly FanOutLatch _latch = new();
    private readonly List<CountingSocket> _sockets = [];
    private readonly List<IActorRef> _connections = [];
    private readonly ConnectionActor.FrameReceived _message = new(Frames.Message);
    private ActorSystem? _system;
    private ChatMetrics? _metrics;

    [Params(10, 100, 1000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "actorchat.hocon");
        var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING")
            .WithFallback(OneNode.Config)
            .WithFallback(File.Exists(hocon) ? ConfigurationFactory.ParseString(File.ReadAllText(hocon)) : Config.Empty)
            .WithFallback(ChatHistory.Config(ChatHistory.Open(new HistoryOptions { Provider = HistoryOptions.Memory })));
        _system = ActorSystem.Create("bench", config);
        var settings = new ChatSettings { PacketsPerSecond = 1e9, PacketBurst = int.MaxValue, FloodTolerance = int.MaxValue, NameChangesPerSecond = 1e9, NameChangeBurst = int.MaxValue };
        _metrics = new ChatMetrics();
        var (limits, roomSettings) = (new RoomLimits(), new RoomSettings());
        OneNode.Join(_system);
        var gateway = ChatNode.Start(_system, new ChatNodeSettings(100, limits, roomSettings, settings, TimeSpan.FromMinutes(2)), NullLoggerFactory.Instance, _metrics).Gateway;

        // accepted as the host's bridge does: answered once the lobby delivers to the connection
        for (var i = 0; i < Members; i++)
        {
            var socket = new CountingSocket(_latch);
            _sockets.Add(socket);
            var connect = new ChatGateway.Connect(i, "127.0.0.1", socket, Subprotocols.Beej);
            _connections.Add(gateway.Ask<ChatGateway.Connected>(connect, s_timeout).GetAwaiter().GetResult().Connection);
        }

        // each joins in turn as s{i}: everyone gets its chat-join, the joiner its chat-users too
        for (var i = 0; i < Members; i++)
        {
            var join = Encoding.UTF8.GetBytes($"{{\"type\":\"chat-join\",\"payload\":{{\"username\":\"s{i}\"}}}}");
            Broadcast(i, new ConnectionActor.FrameReceived(join), 1, senderExtra: 1);
        }
    }

    /// <summary>Member 0 (s0, the name in <see cref="Frames.Message"/>) posts; every member, the sender too, gets each message.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public void FanOut() => Broadcast(0, _message, MessagesPerInvoke, senderExtra: 0);

    [GlobalCleanup]
    public void Dispose()
    {
        _system?.Terminate().Wait(s_timeout);
        _system?.Dispose();
        _system = null;
        _metrics?.Dispose();
        _metrics = null;
        GC.SuppressFinalize(this);
    }

    private void Broadcast(int sender, ConnectionActor.FrameReceived frame, int count, int senderExtra)
    {
        var done = _latch.Reset(_sockets.Count);
        for (var i = 0; i < _sockets.Count; i++)
        {
            _sockets[i].Expect(count + (i == sender ? senderExtra : 0));
        }

        for (var i = 0; i < count; i++)
        {
            _connections[sender].Tell(frame, ActorRefs.NoSender);
        }

        if (!done.Wait(s_timeout))
        {
            throw new TimeoutException($"the fan-out to {Members} members did not complete");
        }
    }
}
