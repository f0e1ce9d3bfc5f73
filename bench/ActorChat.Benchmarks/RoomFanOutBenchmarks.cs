using ActorChat.Actors;
using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Benchmarks;

/// <summary>
/// A room fanning messages out to N members, in process and without sockets or TestProbes: real
/// ConnectionActors and a RoomActor on the server's own HOCON, each member writing to an
/// in-memory socket. One operation is one chat message, from the sender's frame through decode,
/// the room's broadcast (encoded once) and every member's outbound queue to its socket.
/// </summary>
[MemoryDiagnoser]
public class RoomFanOutBenchmarks : IDisposable
{
    private const int MessagesPerInvoke = 100;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly FanOutLatch _latch = new();
    private readonly List<CountingSocket> _sockets = [];
    private ActorSystem? _system;
    private IActorRef _sender = ActorRefs.Nobody;
    private ConnectionActor.FrameReceived _message = new(Frames.Message);

    [Params(10, 100, 1000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "actorchat.hocon");
        var config = File.Exists(hocon) ? ConfigurationFactory.ParseString(File.ReadAllText(hocon)) : Config.Empty;
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(config));
        var settings = new ChatSettings { PacketsPerSecond = 1e9, PacketBurst = int.MaxValue, FloodTolerance = int.MaxValue };
        var metrics = new ChatMetrics();
        var room = _system.ActorOf(RoomActor.Props("lobby", settings, metrics, NullLogger.Instance), "lobby");
        for (var i = 0; i < Members; i++)
        {
            var socket = new CountingSocket(_latch);
            _sockets.Add(socket);
            var member = _system.ActorOf(ConnectionActor.Props(i, "127.0.0.1", socket, room, settings, metrics, NullLogger.Instance), $"c{i}");
            room.Tell(new RoomActor.Attach(member), ActorRefs.NoSender);
            if (i == 0)
            {
                _sender = member;
            }
        }

        // attached as the host's bridge does; wait until the room has them all
        var deadline = DateTime.UtcNow + s_timeout;
        while (room.Ask<RoomActor.Members>(RoomActor.GetMembers.Instance, s_timeout).GetAwaiter().GetResult().Connections < Members)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not all {Members} members attached");
            }

            Thread.Sleep(10);
        }

        // the sender joins; everyone gets its chat-join (the sender its chat-users too)
        Broadcast(new ConnectionActor.FrameReceived(Frames.Join), 1, senderExtra: 1);
        _message = new ConnectionActor.FrameReceived(Frames.Message);
    }

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public void FanOut() => Broadcast(_message, MessagesPerInvoke, senderExtra: 0);

    [GlobalCleanup]
    public void Dispose()
    {
        _system?.Terminate().Wait(s_timeout);
        _system?.Dispose();
        _system = null;
        GC.SuppressFinalize(this);
    }

    private void Broadcast(ConnectionActor.FrameReceived frame, int count, int senderExtra)
    {
        var done = _latch.Reset(_sockets.Count);
        for (var i = 0; i < _sockets.Count; i++)
        {
            _sockets[i].Expect(count + (i == 0 ? senderExtra : 0));
        }

        for (var i = 0; i < count; i++)
        {
            _sender.Tell(frame, ActorRefs.NoSender);
        }

        if (!done.Wait(s_timeout))
        {
            throw new TimeoutException($"the fan-out to {Members} members did not complete");
        }
    }
}
