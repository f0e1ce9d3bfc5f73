using Microsoft.Playwright;

namespace ActorChat.Browser.Tests;

/// <summary>
/// One headless Debian Chromium for the test class, driven by Playwright through a persistent
/// context with a fresh user data directory. Fails (never skips) when Chromium is missing.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _userData = Directory.CreateTempSubdirectory("actorchat-chromium-").FullName;
    private IPlaywright? _playwright;
    private IBrowserContext? _context;

    /// <summary>The bound on any one wait in a browser test.</summary>
    public static TimeSpan Timeout { get; } = TestTime.Seconds(15);

    public IBrowserContext Context => _context ?? throw new InvalidOperationException("The browser did not start.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}. Install it with `bash scripts/install-chromium.sh` " +
                "(or `apt-get update && apt-get install -y chromium`), then run the tests again.");
        }

        _playwright = await Playwright.CreateAsync();
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(_userData, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        // Every Playwright wait (actions, navigations, Expect) is a bound on a condition, scaled by
        // the suite's one factor so a busy machine only needs ACTORCHAT_TEST_TIMEFACTOR.
        var timeout = (float)Timeout.TotalMilliseconds;
        _context.SetDefaultTimeout(timeout);
        _context.SetDefaultNavigationTimeout(timeout);
        Assertions.SetDefaultExpectTimeout(timeout);
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        _playwright?.Dispose();
        try
        {
            Directory.Delete(_userData, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a file for a moment; the directory is in the temp folder.
        }
    }
}
