using System.Globalization;

namespace ActorChat.Tests;

/// <summary>
/// The one scale for every deadline in the test suites. Deadlines are bounds on waits for a
/// condition, never the expected duration of anything, so a slow or busy machine only needs a
/// larger factor: set <c>ACTORCHAT_TEST_TIMEFACTOR</c> (default 1). Akka TestKit's
/// <c>akka.test.timefactor</c> is set from the same value.
/// </summary>
public static class TestTime
{
    public const string Variable = "ACTORCHAT_TEST_TIMEFACTOR";

    /// <summary>The factor every test deadline is multiplied by (at least 1).</summary>
    public static double Factor { get; } = Read();

    /// <summary>
    /// The default bound on one await of the socket clients in tests/Shared (a reply, a close, a
    /// condition): 10 s scaled. Generous, since machines are shared and slow; nothing is expected
    /// to take this long.
    /// </summary>
    public static TimeSpan Timeout { get; } = Seconds(TimeoutSeconds);

    /// <summary><see cref="Timeout"/> before scaling, in seconds.</summary>
    public const double TimeoutSeconds = 10;

    /// <summary><paramref name="deadline"/> scaled by <see cref="Factor"/>.</summary>
    public static TimeSpan Scale(TimeSpan deadline) => deadline * Factor;

    /// <summary>A deadline of <paramref name="seconds"/>, scaled by <see cref="Factor"/>.</summary>
    public static TimeSpan Seconds(double seconds) => Scale(TimeSpan.FromSeconds(seconds));

    private static double Read() => Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>
    /// The factor a value of <c>ACTORCHAT_TEST_TIMEFACTOR</c> gives: 1 when it is unset or blank,
    /// else a number from 1 to 100 (README's range), read with a '.' for decimals.
    /// </summary>
    /// <exception cref="InvalidOperationException">Anything else; the message names the variable, the value and the range.</exception>
    public static double Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || !(factor >= 1) || factor > 100)
        {
            throw new InvalidOperationException($"{Variable}={text}: expected a number from 1 to 100.");
        }

        return factor;
    }
}
