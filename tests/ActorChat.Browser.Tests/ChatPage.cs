using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// One browser tab on a chat page: ours (wwwroot, actorchat.v1, with its name step and one log
/// per room) or the original 2015 page, by the element ids both share (#chat-output,
/// #chat-username, #chat-input, #chat-send). Every wait is on a condition, bounded by
/// Playwright's default timeout (BrowserFixture).
/// </summary>
internal sealed class ChatPage
{
    private readonly List<string> _errors = [];
    private readonly bool _ours;

    private ChatPage(IPage page, bool ours)
    {
        Page = page;
        _ours = ours;
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

    // Our page only: rooms, members, renaming.
    public ILocator RoomInput => Page.Locator("#room-name");

    public ILocator RoomError => Page.Locator("#room-error");

    public ILocator RoomTitle => Page.Locator("#room-title");

    public ILocator MemberCount => Page.Locator("#chat-user-count");

    /// <summary>The entry of <paramref name="room"/> in the room list.</summary>
    public ILocator Room(string room) => Page.Locator($"#room-list > li[data-room='{room}']");

    /// <summary>The unread count shown beside <paramref name="room"/> (absent while nothing is unread).</summary>
    public ILocator Unread(string room) => Room(room).Locator(".room-unread");

    /// <summary>The log of <paramref name="room"/>, shown or not.</summary>
    public ILocator Log(string room) => Page.Locator($"#chat-output > .room-log[data-room='{room}']");

    /// <summary>The log on screen.</summary>
    public ILocator CurrentLog => Page.Locator("#chat-output > .room-log:not([hidden])");

    /// <summary>Opens our page and waits until its script is running (the name step, or the chat when it resumes).</summary>
    /// <param name="beforeLoad">Runs on the new tab before the page loads (e.g. to route its WebSocket).</param>
    public static async Task<ChatPage> OpenAsync(IBrowserContext context, Uri url, Func<IPage, Task>? beforeLoad = null)
    {
        var page = new ChatPage(await context.NewPageAsync(), ours: true);
        if (beforeLoad is not null)
        {
            await beforeLoad(page.Page);
        }

        await page.Page.GotoAsync(url.ToString());
        await page.WaitUntilReadyAsync();
        return page;
    }

    /// <summary>Waits until our page's script has started (after a load or a reload).</summary>
    public Task WaitUntilReadyAsync() =>
        Page.Locator("body[data-ready='true']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>Opens the original page, which connects and joins on load.</summary>
    public static async Task<ChatPage> OpenOriginalAsync(IBrowserContext context, Uri url)
    {
        var page = new ChatPage(await context.NewPageAsync(), ours: false);
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

    /// <summary>
    /// The lines of the log on screen: on our page those of the current room (not the button and
    /// the start-of-room note above them), on the original page every child of the output.
    /// </summary>
    public ILocator Lines => _ours ? CurrentLog.Locator(":scope > .line") : Output.Locator(":scope > *");

    /// <summary>Our page: the lines of <paramref name="room"/>'s log, shown or not.</summary>
    public ILocator LinesIn(string room) => Log(room).Locator(":scope > .line");

    /// <summary>Log lines on screen whose text is <paramref name="text"/> (surrounding white space aside).</summary>
    public ILocator Line(string text) => Lines.Filter(HasText(text));

    /// <summary>Our page: message lines (acked or not) on screen reading <paramref name="text"/>.</summary>
    public ILocator MessageLine(string text) => CurrentLog.Locator(":scope > .line-message").Filter(HasText(text));

    private static LocatorFilterOptions HasText(string text) => new() { HasTextRegex = new Regex($@"^\s*{Escape(text)}\s*$") };

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

    /// <summary>The text of every log line on screen, as the page shows it (white space kept).</summary>
    public Task<IReadOnlyList<string>> RawLinesAsync() => Lines.AllTextContentsAsync();

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

    /// <summary>Our page: joins or creates <paramref name="room"/> through the room box and waits until it is on screen.</summary>
    public async Task JoinRoomAsync(string room)
    {
        await RoomInput.FillAsync(room);
        await RoomInput.PressAsync("Enter");
        await WaitInRoomAsync(room);
    }

    /// <summary>Our page: waits until <paramref name="room"/> is joined and on screen.</summary>
    public async Task WaitInRoomAsync(string room)
    {
        await Expect(Room(room)).ToHaveAttributeAsync("data-state", "joined");
        await Expect(RoomTitle).ToHaveTextAsync(room);
        await Expect(Log(room)).ToBeVisibleAsync();
    }

    /// <summary>Our page: shows <paramref name="room"/> by its button in the room list.</summary>
    public async Task SelectRoomAsync(string room)
    {
        await Room(room).Locator(".room-button").ClickAsync();
        await WaitInRoomAsync(room);
    }

    /// <summary>Our page: waits until the message <paramref name="text"/> is shown, acked, exactly once.</summary>
    public async Task WaitForAckedAsync(string text)
    {
        await Expect(MessageLine(text)).ToHaveCountAsync(1);
        await Expect(MessageLine(text)).Not.ToHaveClassAsync(new Regex("line-pending"));
        await Expect(MessageLine(text)).ToHaveAttributeAsync("data-offset", new Regex(@"^\d+$"));
    }

    /// <summary>Our page: the session state this tab keeps in sessionStorage (its token and rooms), as JSON.</summary>
    public Task<string?> SessionStateAsync() => Page.EvaluateAsync<string?>("() => sessionStorage.getItem('actorchat.v1.state')");
}
