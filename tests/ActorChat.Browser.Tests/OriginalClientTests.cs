namespace ActorChat.Browser.Tests;

/// <summary>
/// The unmodified 2015 client (re-created in OriginalClient/ from its description) served by
/// ActorChat through the web-root setting: two tabs must chat, and no packet may make it throw.
/// </summary>
public sealed class OriginalClientTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string WebRoot = Path.Combine(AppContext.BaseDirectory, "OriginalClient");

    [Fact]
    public async Task Two_original_pages_chat_rename_and_leave()
    {
        await using var server = await ChatServerInstance.StartAsync(webRoot: WebRoot);
        var first = await ChatPage.OpenOriginalAsync(browser.Context, server.Url);
        var firstGuest = await first.NameAsync();
        Assert.Matches("^Guest [0-9a-f]+$", firstGuest);
        await first.WaitForLineAsync($"{firstGuest} has joined the chat.");

        var second = await ChatPage.OpenOriginalAsync(browser.Context, server.Url);
        var secondGuest = await second.NameAsync();
        await first.WaitForLineAsync($"{secondGuest} has joined the chat.");

        await first.SayAsync("hello from the guest", useButton: true);
        await second.WaitForLineAsync($"{firstGuest}: hello from the guest");
        await first.WaitForLineAsync($"{firstGuest}: hello from the guest");

        // The original page lets a user type a new name: the server takes it as a rename.
        await first.Page.FillAsync("#chat-username", "alice");
        await first.SayAsync("now I am alice");
        await second.WaitForLineAsync("alice: now I am alice");

        // Taking a name in use is refused (the original page ignores chat-error); the message
        // still goes out under the bound name.
        await second.Page.FillAsync("#chat-username", "Alice");
        await second.SayAsync("am I alice?");
        await first.WaitForLineAsync($"{secondGuest}: am I alice?");

        // Whitespace-only messages are dropped; the next one still arrives. The server keeps the
        // order of one sender's messages, so once "after blank" is shown a blank message would be
        // shown above it: the original page renders it as "{name}: " with nothing after the colon.
        await second.SayAsync("   ");
        await second.SayAsync("after blank");
        await first.WaitForLineAsync($"{secondGuest}: after blank");
        Assert.Equal(
            [$"{secondGuest}: am I alice?", $"{secondGuest}: after blank"],
            MessagesFrom(secondGuest, await first.RawLinesAsync()));

        await first.Page.CloseAsync();
        await second.WaitForLineAsync("alice has left the chat.");
        await second.Page.CloseAsync();
        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
    }

    /// <summary>
    /// The message lines <paramref name="name"/> posted, as shown, so an empty message (a line that
    /// is only "name:" once white space is ignored) is counted as a line of its own.
    /// </summary>
    private static string[] MessagesFrom(string name, IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))];

    [Fact]
    public async Task The_original_page_is_served_with_its_content_types()
    {
        await using var server = await ChatServerInstance.StartAsync(webRoot: WebRoot);
        var page = await browser.Context.NewPageAsync();
        var response = await page.GotoAsync(server.Url.ToString());
        Assert.NotNull(response);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        var script = await page.APIRequest.GetAsync(new Uri(server.Url, "client.js").ToString());
        Assert.Contains("javascript", script.Headers["content-type"], StringComparison.Ordinal);
        await page.CloseAsync();
    }
}
