namespace ActorChat.Actors.Sessions;

/// <summary>
/// A session without its connection: since when, and how long it may wait for a resume or a
/// reattach before it ends. Pure; the clock is passed in.
/// </summary>
public sealed record SessionAbsence(DateTimeOffset Since, TimeSpan Limit)
{
    /// <summary>
    /// After a recovery without the connection: a resumable session waits the time-to-live, counted
    /// from now (the connection's end was not persisted); one that cannot be resumed waits the
    /// reattach grace for its connection.
    /// </summary>
    public static SessionAbsence AfterRecovery(bool resumable, SessionEntitySettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(now, resumable ? settings.Ttl : settings.ReattachGrace);
    }

    /// <summary>After the connection died: a resumable session waits the time-to-live; null when the session cannot be resumed and ends now.</summary>
    public static SessionAbsence? AfterConnectionLost(bool resumable, SessionEntitySettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return resumable ? new(now, settings.Ttl) : null;
    }

    /// <summary>How long is left at <paramref name="now"/>; zero or less: the session ends.</summary>
    public TimeSpan LeftAt(DateTimeOffset now) => Since + Limit - now;
}
