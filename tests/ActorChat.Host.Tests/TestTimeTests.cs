using System.Globalization;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>ACTORCHAT_TEST_TIMEFACTOR</c> (README: 1–100, default 1): every value in the range is taken,
/// anything else is refused with the variable, the value and the range, and at every factor in the
/// range the settings test servers get are ones the server starts with.
/// </summary>
public sealed class TestTimeTests
{
    [Theory]
    [InlineData(null, 1)]
    [InlineData("", 1)]
    [InlineData("  ", 1)]
    [InlineData("1", 1)]
    [InlineData("2.5", 2.5)]
    [InlineData("5", 5)]
    [InlineData("1e2", 100)]
    [InlineData("100", 100)]
    public void A_factor_from_1_to_100_is_taken(string? text, double factor) =>
        Assert.Equal(factor, TestTime.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("0.5")]
    [InlineData("-5")]
    [InlineData("100.5")]
    [InlineData("1000")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("2,5")]
    [InlineData("fast")]
    public void Anything_else_is_refused_naming_the_variable_the_value_and_the_range(string text)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => TestTime.Parse(text));
        Assert.Equal($"ACTORCHAT_TEST_TIMEFACTOR={text}: expected a number from 1 to 100.", refused.Message);
    }

    /// <summary>
    /// The timers tests push out of the way (<see cref="TestServer.LongTimerFor(string)"/>) stay
    /// within what validation allows: unclamped, a factor above 2 gave a presence interval over its
    /// 1 min cap and one above 20 a keepalive over its 10 min cap, and the server refused to start.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2.5)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(21)]
    [InlineData(100)]
    public async Task At_every_factor_in_the_range_a_server_starts_with_the_long_timers_tests_give_it(double factor)
    {
        string[] settings = ["CloseTimeout", "KeepAliveInterval", "KeepAliveTimeout", "Rooms:PresenceGrace", "Rooms:PresenceInterval"];
        var builder = ChatServer.CreateBuilder(
        [
            "--urls", "http://127.0.0.1:0",
            TestServer.MemoryHistory,
            .. settings.Select(s => TestServer.LongTimerSetting(s, factor)),
        ]);
        await using var app = builder.Build();

        foreach (var setting in settings)
        {
            var timer = TestServer.LongTimerFor(setting, factor);
            var (_, maximum) = TestServer.SettingRange(setting);

            // Long: at least a minute (or the whole cap), never less than a test waits at factor 1.
            Assert.True(timer >= TimeSpan.FromMinutes(1) || timer == maximum, $"ActorChat:{setting} at factor {factor.ToString(CultureInfo.InvariantCulture)}: {timer} is not long");
            Assert.True(timer <= maximum, $"ActorChat:{setting} at factor {factor.ToString(CultureInfo.InvariantCulture)}: {timer} is over its cap {maximum}");
        }
    }
}
