using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorChat.Actors.Connections;

/// <summary>What a <see cref="ConnectionActor"/> is created with; never leaves this node (it holds the socket).</summary>
internal sealed record ConnectionContext(
    long Id,
    string Address,
    IChatSocket Socket,
    IActorRef Rooms,
    IActorRef Sessions,
    ChatSettings Settings,
    ChatMetrics Metrics,
    ILogger Logger,
    TimeProvider Time);
