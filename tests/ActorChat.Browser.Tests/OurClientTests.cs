namespace ActorChat.Browser.Tests;

/// <summary>Two headless Chromium tabs chat through ActorChat's own client (wwwroot).</summary>
public sealed class OurClientTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Two_pages_join_chat_and_see_each_other_leave()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.RenameAsync("alice");

        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        var bobGuest = await bob.RenameAsync("bob");
        await alice.WaitForLineAsync($"{bobGuest} has joined the chat.");
        await alice.WaitForLineAsync($"{bobGuest} is now known as bob.");
        await bob.Page.Locator("#chat-users li", new() { HasTextString = "alice" }).WaitForAsync();
        await alice.Page.Locator("#chat-users li", new() { HasTextString = "bob" }).WaitForAsync();

        await alice.SayAsync("  hello bob  ");
        await bob.WaitForLineAsync("alice: hello bob");
        await alice.WaitForLineAsync("alice: hello bob");
        Assert.Equal("", await alice.Page.InputValueAsync("#chat-input"));

        await bob.SayAsync("hi alice", useButton: true);
        await alice.WaitForLineAsync("bob: hi alice");

        await alice.Page.CloseAsync();
        await bob.WaitForLineAsync("alice has left the chat.");
        await bob.Page.Locator("#chat-users li", new() { HasTextString = "alice" }).WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.Empty(bob.Errors);
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task Markup_in_messages_and_names_is_shown_as_text()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var mallory = await ChatPage.OpenAsync(browser.Context, server.Url);
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        var guest = await mallory.RenameAsync("<i>m</i>");
        await bob.WaitForLineAsync($"{guest} is now known as <i>m</i>.");

        const string Payload = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>";
        await mallory.SayAsync(Payload);
        await bob.WaitForLineAsync($"<i>m</i>: {Payload}");

        Assert.Equal(0, await bob.Output.Locator("img, b, i").CountAsync());
        Assert.NotEqual("pwned", await bob.Page.TitleAsync());
        await mallory.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_taken_name_is_shown_as_an_error()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.RenameAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        var bobName = await bob.NameAsync();
        await bob.WaitForLineAsync($"{bobName} has joined the chat.");
        await bob.SetNameAsync("ALICE");

        await bob.Page.Locator("#chat-output .line-error[data-code='name-taken']").WaitForAsync();
        await bob.SayAsync("who am I");
        await alice.WaitForLineAsync($"{bobName}: who am I");
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task Reconnects_and_rejoins_under_the_same_name_after_the_server_restarts()
    {
        var port = ChatServerInstance.FreePort();
        var server = await ChatServerInstance.StartAsync(port);
        ChatPage alice, bob;
        try
        {
            alice = await ChatPage.OpenAsync(browser.Context, server.Url);
            await alice.RenameAsync("alice");
            bob = await ChatPage.OpenAsync(browser.Context, server.Url);
            var bobGuest = await bob.RenameAsync("bob");
            await alice.WaitForLineAsync($"{bobGuest} is now known as bob.");
        }
        finally
        {
            await server.DisposeAsync();
        }

        await alice.WaitForLineAsync("Connection closed.");
        Assert.Equal("closed", await alice.Page.GetAttributeAsync("#chat-status", "data-state"));

        await using var restarted = await ChatServerInstance.StartAsync(port);
        await alice.WaitForLineAsync("Connection opened.", count: 2);
        await bob.WaitForLineAsync("Connection opened.", count: 2);
        await alice.Page.Locator("#chat-status[data-state='open']").WaitForAsync();

        // Whichever page reconnected first, each sees the other in its user list again.
        await alice.Page.Locator("#chat-users li", new() { HasTextString = "bob" }).WaitForAsync();
        await bob.Page.Locator("#chat-users li", new() { HasTextString = "alice" }).WaitForAsync();

        await bob.SayAsync("back again");
        await alice.WaitForLineAsync("bob: back again");
        Assert.Equal("alice", await alice.NameAsync());
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }
}
