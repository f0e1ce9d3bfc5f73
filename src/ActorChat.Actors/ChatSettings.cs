using System.ComponentModel.DataAnnotations;

namespace ActorChat.Actors;

/// <summary>
/// The limits the actors enforce. The host binds these from configuration and refuses to start
/// with a value outside a <see cref="RangeAttribute"/> (a token bucket needs a capacity of at least 1).
/// </summary>
public sealed record ChatSettings
{
    /// <summary>Longest name, in UTF-16 code units, after trimming.</summary>
    [Range(1, 1000)]
    public int MaxNameLength { get; init; } = 32;

    /// <summary>Longest message, in UTF-16 code units, after trimming.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxMessageLength { get; init; } = 4000;

    /// <summary>Bytes a connection may have queued for sending before it is closed as a slow consumer (3008); at least the host's MaxFrameBytes.</summary>
    [Range(typeof(long), "1024", "1073741824")]
    public long MaxOutboundBytes { get; init; } = 1024 * 1024;

    /// <summary>Packets per second a connection may send, sustained.</summary>
    [Range(0d, 1_000_000_000d)]
    public double PacketsPerSecond { get; init; } = 10;

    /// <summary>Packets a connection may send in a burst above the sustained rate.</summary>
    [Range(1, 1_000_000_000)]
    public int PacketBurst { get; init; } = 20;

    /// <summary>Joins and renames per second a connection may make, sustained.</summary>
    [Range(0d, 1_000_000_000d)]
    public double NameChangesPerSecond { get; init; } = 0.5;

    /// <summary>Joins and renames a connection may make in a burst.</summary>
    [Range(1, 1_000_000_000)]
    public int NameChangeBurst { get; init; } = 5;

    /// <summary>Rooms one <c>actorchat.v1</c> connection may be in at once (<c>too-many-rooms</c> past it).</summary>
    [Range(1, 100_000)]
    public int MaxRoomsPerConnection { get; init; } = 50;

    /// <summary>Rate-limited packets a connection may send (refilled at <see cref="PacketsPerSecond"/>/2) before it is closed with 1008.</summary>
    [Range(1, 1_000_000_000)]
    public int FloodTolerance { get; init; } = 50;

    /// <summary>
    /// How long an <c>actorchat.v1</c> connection waits for its session's answer to <c>hello</c>, or a
    /// room's to <c>join</c>, before closing with 1012 so the client resumes; and a
    /// <c>beej-chat-protocol</c> connection for the answer to its <c>chat-join</c> or rename, before
    /// closing with 1012 so the client joins again. One node always
    /// answers; in a cluster a request sent to a node that has just died is lost, and one routed
    /// while its shard moves is held until the shard is back: at most the recovery bound from the
    /// node's death (15 s at the default <c>Cluster:StableAfter</c>, README "Recovery bound"). 20 s
    /// lies beyond that with a third to spare for a loaded machine: a resume answered after the
    /// connection gave up would rotate the session's token where nobody reads it, while a request
    /// that was lost costs its client this long before it resumes. Raise it with StableAfter.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
