using System.ComponentModel.DataAnnotations;

namespace ActorChat.Actors.Rooms;

/// <summary>
/// The bounds of one room: its in-memory tail, its kept history, what a join may recover and how
/// long a member list may be. Defaults are those of <c>actorchat.v1</c> where the contract names one.
/// The host binds these from configuration and refuses to start with a value outside a
/// <see cref="RangeAttribute"/> or with <see cref="DefaultHistoryLimit"/> above <see cref="MaxHistoryLimit"/>.
/// </summary>
public sealed record RoomLimits : IValidatableObject
{
    /// <summary>
    /// Messages the room keeps in memory to answer joins, resumes and history without reading the
    /// journal. At least <see cref="RecoveryLimit"/> by default, so that every resume the contract
    /// allows is answered from memory while the messages are small.
    /// </summary>
    [Range(0, 1_000_000)]
    public int TailMessages { get; init; } = 1000;

    /// <summary>
    /// Approximate memory the in-memory tail may hold (<see cref="RoomState.CostOf"/> per message):
    /// a room of long messages keeps fewer of them in memory rather than more memory.
    /// </summary>
    [Range(typeof(long), "0", "1073741824")]
    public long TailBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most messages a join with <c>since</c> recovers; a client further behind gets <c>recovered: false</c>.</summary>
    [Range(0, 1_000_000)]
    public int RecoveryLimit { get; init; } = 1000;

    /// <summary>Messages kept per room (<c>History:MaxMessagesPerRoom</c>); older ones are trimmed.</summary>
    [Range(1, 100_000_000)]
    public int MaxMessagesPerRoom { get; init; } = 10_000;

    /// <summary>Age after which a message is trimmed (<c>History:MaxAge</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "36500.00:00:00")]
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Most names in <c>joined.members</c>; <c>memberCount</c> is always exact.</summary>
    [Range(0, 1_000_000)]
    public int MaxPresenceList { get; init; } = 1000;

    /// <summary>How often a room sends its coalesced presence diff (<see cref="PresenceBuffer"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PresenceInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Messages a join without <c>since</c> (or one that cannot recover) and a <c>history</c> request get when they give no <c>limit</c>.</summary>
    [Range(0, 10_000)]
    public int DefaultHistoryLimit { get; init; } = 50;

    /// <summary>Most messages one <c>history</c> page or non-recovering join carries; a larger <c>limit</c> is capped to this.</summary>
    [Range(0, 10_000)]
    public int MaxHistoryLimit { get; init; } = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultHistoryLimit > MaxHistoryLimit)
        {
            yield return new ValidationResult(
                $"{nameof(DefaultHistoryLimit)} ({DefaultHistoryLimit}) must not exceed {nameof(MaxHistoryLimit)} ({MaxHistoryLimit}).",
                [nameof(DefaultHistoryLimit), nameof(MaxHistoryLimit)]);
        }
    }
}
