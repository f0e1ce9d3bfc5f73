using Microsoft.Playwright;

namespace ActorChat.Browser.Tests;

/// <summary>One browser tab on a chat page (ours or the original), by the element ids both share.</summary>
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

    public static async Task<ChatPage> OpenAsync(IBrowserContext context, Uri url)
    {
        var page = new ChatPage(await context.NewPageAsync());
        await page.Page.GotoAsync(url.ToString());
        await page.WaitForLineAsync("Connection opened.");
        return page;
    }

    public Task<string[]> LinesAsync() => Output.Locator(":scope > *").AllTextContentsAsync().ContinueWith(t => t.Result.Select(l => l.Trim()).ToArray(), TaskScheduler.Default);

    public async Task WaitForLineAsync(string text, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var lines = await LinesAsync();
            if (lines.Count(l => l == text) >= count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No line \"{text}\" (x{count}) in:\n{string.Join('\n', lines)}");
            }

            await Task.Delay(50);
        }
    }

    public async Task SetNameAsync(string name)
    {
        await Page.FillAsync("#chat-username", name);
        await Page.DispatchEventAsync("#chat-username", "change");
    }

    /// <summary>Our page joins as a guest on load; renames to <paramref name="name"/> and returns the guest name.</summary>
    public async Task<string> RenameAsync(string name)
    {
        var guest = await NameAsync();
        await WaitForLineAsync($"{guest} has joined the chat.");
        await SetNameAsync(name);
        await WaitForLineAsync($"{guest} is now known as {name}.");
        return guest;
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

    public Task<string> NameAsync() => Page.InputValueAsync("#chat-username");
}
