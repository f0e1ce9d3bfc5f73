using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// One browser tab on a chat page: ours (wwwroot, with its name step) or the original 2015 page,
/// by the element ids both share (#chat-output, #chat-username, #chat-input, #chat-send).
/// Every wait is on a condition, bounded by Playwright's default timeout (BrowserFixture).
/// </summary>
internal sealed class ChatPage
{
    private readonly List<string> _errors = [];

    private ChatPage(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => _errors.Add(error);
    }

    public IPage Page { get; }

    /// <summary>Uncaught script errors on the page (the original client throws on a packet it cannot read).</summary>
    public IReadOnlyList<string> Errors => _errors;

    public ILocator Output => Page.Locator("#chat-output");

    // Our page only.
    public ILocator NameStep => Page.Locator("#name-step");

    public ILocator NameInput => Page.Locator("#chat-username");

    public ILocator NameError => Page.Locator("#name-error");

    public ILocator JoinButton => Page.Locator("#chat-join");

    public ILocator ChatStep => Page.Locator("#chat-step");

    public ILocator Status => Page.Locator("#chat-status");

    public ILocator Notice => Page.Locator("#chat-notice");

    public ILocator NoticeText => Page.Locator("#chat-notice-text");

    public ILocator Countdown => Page.Locator("#chat-countdown");

    public ILocator ReconnectButton => Page.Locator("#chat-reconnect");

    public ILocator LeaveButton => Page.Locator("#chat-leave");

    /// <summary>Opens our page and waits until its script is running (it shows the name step).</summary>
    public static async Task<ChatPage> OpenAsync(IBrowserContext context, Uri url)
    {
        var page = new ChatPage(await context.NewPageAsync());
        await page.Page.GotoAsync(url.ToString());
        await page.Page.Locator("body[data-ready='true']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    /// <summary>Opens the original page, which connects and joins on load.</summary>
    public static async Task<ChatPage> OpenOriginalAsync(IBrowserContext context, Uri url)
    {
        var page = new ChatPage(await context.NewPageAsync());
        await page.Page.GotoAsync(url.ToString());
        await page.WaitForLineAsync("Connection opened.");
        return page;
    }

    /// <summary>Types a name in our name step and presses Enter.</summary>
    public async Task SubmitNameAsync(string name)
    {
        await NameInput.FillAsync(name);
        await NameInput.PressAsync("Enter");
    }

    /// <summary>Joins through our name step and waits until the server has accepted the name.</summary>
    public async Task JoinAsync(string name)
    {
        await SubmitNameAsync(name);
        await WaitUntilJoinedAsync(name);
    }

    public async Task WaitUntilJoinedAsync(string name)
    {
        await Expect(ChatStep).ToBeVisibleAsync();
        await Expect(Status).ToHaveAttributeAsync("data-state", "open");
        await Expect(Status).ToHaveTextAsync($"connected as {name}");
        await Expect(User(name)).ToBeVisibleAsync();
    }

    /// <summary>The entry for <paramref name="name"/> in our user list.</summary>
    public ILocator User(string name) =>
        Page.Locator("#chat-users li").Filter(new() { HasTextRegex = new Regex($"^{Escape(name)}$") });

    /// <summary>Log lines whose text is <paramref name="text"/> (surrounding white space aside).</summary>
    public ILocator Line(string text) =>
        Output.Locator(":scope > *").Filter(new() { HasTextRegex = new Regex($@"^\s*{Escape(text)}\s*$") });

    /// <summary>
    /// <paramref name="text"/> as a pattern that means the same in .NET and in JavaScript, where
    /// Playwright runs it as <c>/pattern/</c> inside a quoted selector: a bare slash would end the
    /// pattern, and Playwright leaves the second of two adjacent quotes unescaped, so slashes and
    /// quotes are written as hex escapes.
    /// </summary>
    private static string Escape(string text) => Regex.Escape(text)
        .Replace("/", @"\x2F", StringComparison.Ordinal)
        .Replace("\"", @"\x22", StringComparison.Ordinal)
        .Replace("'", @"\x27", StringComparison.Ordinal)
        .Replace("`", @"\x60", StringComparison.Ordinal);

    /// <summary>The text of every log line, as the page shows it (white space kept).</summary>
    public Task<IReadOnlyList<string>> RawLinesAsync() => Output.Locator(":scope > *").AllTextContentsAsync();

    /// <summary>The text of every log line, trimmed.</summary>
    public async Task<string[]> LinesAsync() => [.. (await RawLinesAsync()).Select(l => l.Trim())];

    /// <summary>Waits until the log holds at least <paramref name="count"/> lines reading <paramref name="text"/>.</summary>
    public async Task WaitForLineAsync(string text, int count = 1)
    {
        try
        {
            await Line(text).Nth(count - 1).WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"No line \"{text}\" (x{count}) in:\n{string.Join('\n', await LinesAsync())}", ex);
        }
    }

    public async Task SayAsync(string text, bool useButton = false)
    {
        await Page.FillAsync("#chat-input", text);
        if (useButton)
        {
            await Page.ClickAsync("#chat-send");
        }
        else
        {
            await Page.PressAsync("#chat-input", "Enter");
        }
    }

    public Task<string> NameAsync() => NameInput.InputValueAsync();
}
