namespace ActorChat.Host;

/// <summary>
/// Turns the documented keepalive settings into the values given to ASP.NET Core's WebSocket
/// keepalive, so that a dead peer is dropped within <c>KeepAliveInterval + KeepAliveTimeout</c>
/// of the last frame received from it.
/// </summary>
/// <remarks>
/// The framework checks on a heartbeat of a quarter of the smaller of its two values: it pings at
/// the first heartbeat after <c>interval</c> of silence and gives up at the first heartbeat after
/// <c>timeout</c> more, so it detects a dead peer up to two heartbeats late (measured: 37.5 s with
/// 15 s + 15 s). Scaling both values down by <c>k</c> puts the worst case at
/// <c>k · (I + T + min(I, T) / 2)</c>; <c>k</c> is chosen so that this is <see cref="Budget"/> of
/// <c>I + T</c>, leaving the rest for a late timer on a busy machine.
/// </remarks>
public static class KeepAlive
{
    /// <summary>The share of <c>KeepAliveInterval + KeepAliveTimeout</c> the worst-case detection may use.</summary>
    public const double Budget = 0.8;

    /// <summary>The interval and timeout to give the framework for the documented <paramref name="interval"/> and <paramref name="timeout"/>.</summary>
    public static (TimeSpan Interval, TimeSpan Timeout) Effective(TimeSpan interval, TimeSpan timeout)
    {
        var total = interval + timeout;
        var worstCase = total + (TimeSpan.FromTicks(Math.Min(interval.Ticks, timeout.Ticks)) / 2);
        var k = Budget * (total / worstCase);
        return (interval * k, timeout * k);
    }
}
