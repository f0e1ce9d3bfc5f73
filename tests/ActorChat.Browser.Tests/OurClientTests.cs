using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// Headless Chromium tabs chat through ActorChat's own client (wwwroot, actorchat.v1): the name
/// step, the session, and what the page shows about its connection. Rooms, history and resume
/// are in <see cref="RoomTests"/>.
/// </summary>
public sealed partial class OurClientTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [GeneratedRegex(@"^Reconnecting in \d+ s$")]
    private static partial Regex CountdownText();

    [Fact]
    public async Task Pages_ask_for_a_name_first_and_join_once_with_it()
    {
        await using var server = await ChatServerInstance.StartAsync(null, ChatServerInstance.ShortPresenceGrace);
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await Expect(alice.NameStep).ToBeVisibleAsync();
        await Expect(alice.ChatStep).ToBeHiddenAsync();
        await Expect(alice.NameInput).ToBeFocusedAsync();
        await Expect(alice.Status).ToHaveAttributeAsync("data-state", "idle");
        await alice.JoinAsync("alice");
        await Expect(alice.NameStep).ToBeHiddenAsync();
        await Expect(alice.Page.Locator("#chat-input")).ToBeFocusedAsync();

        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await alice.WaitForLineAsync("bob has joined.");
        await Expect(bob.User("alice")).ToBeVisibleAsync();
        await Expect(alice.User("bob")).ToBeVisibleAsync();
        await Expect(alice.MemberCount).ToHaveTextAsync("2");
        await Expect(alice.RoomTitle).ToHaveTextAsync("lobby");

        await alice.SayAsync("  hello bob  ");
        await bob.WaitForLineAsync("alice: hello bob");
        await alice.WaitForLineAsync("alice: hello bob");
        Assert.Equal("", await alice.Page.InputValueAsync("#chat-input"));
        await bob.SayAsync("hi alice", useButton: true);
        await alice.WaitForLineAsync("bob: hi alice");

        // Each page joined once, under the name it was given: no placeholder name, no rename, and
        // no line for a page's own arrival.
        Assert.Equal(["bob has joined.", "alice: hello bob", "bob: hi alice"], await alice.LinesAsync());
        Assert.Equal(["alice: hello bob", "bob: hi alice"], await bob.LinesAsync());

        // A closed tab drops its socket: the member is shown as gone once the grace has passed.
        await alice.Page.CloseAsync();
        await bob.WaitForLineAsync("alice has left.");
        await Expect(bob.User("alice")).ToHaveCountAsync(0);
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task The_accepted_name_is_remembered_across_a_reload_and_a_refused_one_is_not()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var carol = await ChatPage.OpenAsync(browser.Context, server.Url);
        await carol.JoinAsync("carol");

        // A reload of the tab resumes its session: straight back into the chat.
        await carol.Page.ReloadAsync();
        await carol.WaitUntilReadyAsync();
        await carol.WaitUntilJoinedAsync("carol");
        await Expect(carol.NameStep).ToBeHiddenAsync();

        // After leaving, a reload starts from the name step with the name filled in.
        await carol.LeaveButton.ClickAsync();
        await carol.Page.ReloadAsync();
        await carol.WaitUntilReadyAsync();
        await Expect(carol.NameStep).ToBeVisibleAsync();
        await Expect(carol.NameInput).ToHaveValueAsync("carol");
        await Expect(carol.NameInput).ToBeFocusedAsync();
        await carol.NameInput.PressAsync("Enter");
        await carol.WaitUntilJoinedAsync("carol");

        // Another tab of the same site starts from the same name. A name the server refuses is
        // not remembered.
        var other = await ChatPage.OpenAsync(browser.Context, server.Url);
        await Expect(other.NameInput).ToHaveValueAsync("carol");
        await other.SubmitNameAsync(new string('c', 33));
        await Expect(other.NameError).ToContainTextAsync("32");
        await other.Page.ReloadAsync();
        await Expect(other.NameInput).ToHaveValueAsync("carol");
        await other.Page.CloseAsync();
        await carol.Page.CloseAsync();
    }

    [Fact]
    public async Task A_refused_name_keeps_the_name_step_with_the_server_error()
    {
        await using var server = await ChatServerInstance.StartAsync();
        // Opened first, so it does not start from alice's name (which it would retry, below).
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");

        await bob.SubmitNameAsync("ALICE");
        await Expect(bob.NameError).ToHaveTextAsync(new Regex("^The name \"ALICE\" .*taken"));
        await Expect(bob.NameStep).ToBeVisibleAsync();
        await Expect(bob.ChatStep).ToBeHiddenAsync();
        await Expect(bob.NameInput).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(bob.NameInput).ToHaveValueAsync("ALICE");
        await Expect(bob.JoinButton).ToBeEnabledAsync();

        await bob.SubmitNameAsync(new string('b', 33));
        await Expect(bob.NameError).ToContainTextAsync("32");
        await Expect(bob.NameStep).ToBeVisibleAsync();

        // An empty name is not sent at all.
        await bob.SubmitNameAsync("   ");
        await Expect(bob.NameError).ToHaveTextAsync("Enter a name.");

        // Typing clears the error; the next name is joined on the same connection.
        await bob.NameInput.FillAsync("bob");
        await Expect(bob.NameError).ToBeEmptyAsync();
        await Expect(bob.NameInput).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await bob.JoinAsync("bob");
        await alice.WaitForLineAsync("bob has joined.");
        Assert.Equal(["bob has joined."], await alice.LinesAsync());
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_rate_limited_hello_keeps_the_name_step_with_the_server_error()
    {
        // One packet per connection, then a long wait for the next.
        await using var server = await ChatServerInstance.StartAsync(null,
            "--ActorChat:Limits:PacketBurst=1", "--ActorChat:Limits:PacketsPerSecond=0.05");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.SubmitNameAsync("alice");
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        await bob.SubmitNameAsync("alice");
        await Expect(bob.NameError).ToContainTextAsync("taken");

        await bob.SubmitNameAsync("bob");
        await Expect(bob.NameError).ToContainTextAsync("Too many packets");
        await Expect(bob.NameStep).ToBeVisibleAsync();
        await Expect(bob.ChatStep).ToBeHiddenAsync();
        await Expect(bob.JoinButton).ToBeEnabledAsync();
        Assert.Empty(await alice.LinesAsync());
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_name_still_held_by_the_previous_visit_is_joined_as_soon_as_it_is_free()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var before = await ChatPage.OpenAsync(browser.Context, server.Url);
        await before.JoinAsync("alice");

        // As after a reload: the page starts from the name the last visit used, which the old
        // connection still holds. The refusal is retried, not shown as final...
        var now = await ChatPage.OpenAsync(browser.Context, server.Url);
        await Expect(now.NameInput).ToHaveValueAsync("alice");
        await now.NameInput.PressAsync("Enter");
        await Expect(now.NameError).ToContainTextAsync("trying again");
        await Expect(now.NameInput).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(now.NameStep).ToBeVisibleAsync();

        // ...and the name is taken as soon as the old connection leaves.
        await before.LeaveButton.ClickAsync();
        await now.WaitUntilJoinedAsync("alice");
        await Expect(now.NameError).ToBeEmptyAsync();
        Assert.Empty(now.Errors);
        await before.Page.CloseAsync();
        await now.Page.CloseAsync();
    }

    [Fact]
    public async Task Markup_in_messages_and_names_is_shown_as_text()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        var mallory = await ChatPage.OpenAsync(browser.Context, server.Url);
        await mallory.JoinAsync("<i>m</i>");
        await bob.WaitForLineAsync("<i>m</i> has joined.");

        const string Payload = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>";
        await mallory.SayAsync(Payload);
        await bob.WaitForLineAsync($"<i>m</i>: {Payload}");

        Assert.Equal(0, await bob.Output.Locator("img, b, i").CountAsync());
        Assert.Equal(0, await bob.Page.Locator("#chat-users i, #room-list i").CountAsync());
        await Expect(mallory.Status).ToHaveTextAsync("connected as <i>m</i>");
        Assert.NotEqual("pwned", await bob.Page.TitleAsync());
        await mallory.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task When_the_server_stops_the_page_shows_why_and_when_it_reconnects()
    {
        var server = await ChatServerInstance.StartAsync();
        ChatPage alice;
        try
        {
            alice = await ChatPage.OpenAsync(browser.Context, server.Url);
            await alice.JoinAsync("alice");
        }
        finally
        {
            await server.DisposeAsync(); // drains: every client gets 1001 "server shutting down"
        }

        await alice.WaitForLineAsync("Disconnected: The server is shutting down (close 1001: “server shutting down”).");
        await Expect(alice.NoticeText).ToContainTextAsync("The server is shutting down (close 1001: “server shutting down”).");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-close-code", "1001");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-close-reason", "server shutting down");
        await Expect(alice.Notice).ToBeVisibleAsync();
        // A retry that cannot connect (1006) keeps naming the close that ended the connection.
        await alice.ReconnectButton.ClickAsync();
        await Expect(alice.NoticeText).ToContainTextAsync("The server cannot be reached yet.");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-close-code", "1001");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-close-reason", "server shutting down");
        // The server stays down: the page keeps counting down to its next attempt.
        await Expect(alice.Countdown).ToHaveTextAsync(CountdownText());
        await Expect(alice.Countdown).ToBeVisibleAsync();
        await Expect(alice.Status).ToHaveAttributeAsync("data-state", "closed");
        await Expect(alice.Status).ToHaveTextAsync("reconnecting");
        await Expect(alice.ReconnectButton).ToBeVisibleAsync();
        await Expect(alice.ChatStep).ToBeVisibleAsync(); // still in the chat, not sent back to the name step
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }

    /// <summary>
    /// With history in memory a restart loses it: the page resumes under its name and says that
    /// messages may be missing (a new epoch), keeping what it showed above the marker.
    /// </summary>
    [Fact]
    public async Task Reconnects_under_the_same_name_after_a_restart_and_marks_lost_history()
    {
        var server = await ChatServerInstance.StartAsync();
        var port = server.Port;
        ChatPage alice, bob;
        try
        {
            alice = await ChatPage.OpenAsync(browser.Context, server.Url);
            await alice.JoinAsync("alice");
            bob = await ChatPage.OpenAsync(browser.Context, server.Url);
            await bob.JoinAsync("bob");
            await alice.WaitForLineAsync("bob has joined.");
            await bob.SayAsync("before the restart");
            await alice.WaitForLineAsync("bob: before the restart");
        }
        finally
        {
            await server.DisposeAsync();
        }

        await alice.WaitForLineAsync("Disconnected: The server is shutting down (close 1001: “server shutting down”).");
        await Expect(alice.Status).ToHaveAttributeAsync("data-state", "closed");

        // The pages reconnect to the address they were loaded from: the port the first server bound.
        await using var restarted = await ChatServerInstance.RestartAsync(port);
        await alice.WaitUntilJoinedAsync("alice");
        await bob.WaitUntilJoinedAsync("bob");
        await Expect(alice.NoticeText).ToBeEmptyAsync();
        await Expect(alice.Countdown).ToBeEmptyAsync();

        // Whichever page reconnected first, each sees the other in its member list again.
        await Expect(alice.User("bob")).ToBeVisibleAsync();
        await Expect(bob.User("alice")).ToBeVisibleAsync();

        var marker = alice.CurrentLog.Locator(".line-gap[data-reason='epoch']");
        await Expect(marker).ToHaveCountAsync(1);
        await Expect(marker).ToBeVisibleAsync();
        await bob.SayAsync("back again");
        await alice.WaitForLineAsync("bob: back again");
        var lines = await alice.LinesAsync();
        Assert.True(
            Array.IndexOf(lines, "bob: before the restart") < Array.FindIndex(lines, l => l.Contains("reset", StringComparison.Ordinal)),
            "The lines from before the restart stay above the marker:\n" + string.Join('\n', lines));
        Assert.Single(lines, "bob: before the restart");
        Assert.Equal("alice", await alice.NameAsync());
        Assert.DoesNotContain(lines, l => l.Contains("known as", StringComparison.Ordinal));
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task Leave_closes_the_connection_and_returns_to_the_name_step_without_reconnecting()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await alice.WaitForLineAsync("bob has joined.");

        // Leaving closes the socket cleanly, which ends the session at once: no grace.
        await Expect(alice.LeaveButton).ToHaveTextAsync("Leave");
        await alice.LeaveButton.ClickAsync();
        await bob.WaitForLineAsync("alice has left.");
        await Expect(bob.User("alice")).ToHaveCountAsync(0);

        await Expect(alice.NameStep).ToBeVisibleAsync();
        await Expect(alice.NameInput).ToHaveValueAsync("alice");
        await Expect(alice.NameInput).ToBeFocusedAsync();
        await Expect(alice.Status).ToHaveAttributeAsync("data-state", "idle");
        await Expect(alice.Status).ToHaveTextAsync("not connected");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-kind", "none");
        await Expect(alice.Countdown).ToBeEmptyAsync();
        await Expect(alice.ReconnectButton).ToBeHiddenAsync();
        await Expect(alice.LeaveButton).ToBeHiddenAsync();

        // Coming back is one key press; bob sees exactly one leave and one join. Alice's page
        // kept its position in the lobby and shows what was said while she was away, once.
        await bob.SayAsync("while alice was out");
        await bob.WaitForAckedAsync("bob: while alice was out");
        await alice.NameInput.PressAsync("Enter");
        await alice.WaitUntilJoinedAsync("alice");
        await bob.WaitForLineAsync("alice has joined.");
        await alice.WaitForLineAsync("bob: while alice was out");
        Assert.Equal(
            ["alice has left.", "alice has joined."],
            (await bob.LinesAsync()).Where(l => l.Contains(" has ", StringComparison.Ordinal)));
        var lines = await alice.LinesAsync();
        Assert.Contains("You left the chat.", lines);
        Assert.Single(lines, "bob: while alice was out");
        await Expect(alice.CurrentLog.Locator(".line-gap")).ToHaveCountAsync(0);
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    /// <summary>
    /// The page paces what it sends below the server's rate limit, so typing faster than it
    /// allows delays messages instead of losing them or getting the connection closed.
    /// </summary>
    [Fact]
    public async Task Messages_sent_faster_than_the_rate_limit_all_arrive_in_order()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");

        // Three times the server's burst (20), in one go.
        await alice.Page.EvaluateAsync("""
            () => {
              const input = document.getElementById('chat-input');
              const send = document.getElementById('chat-send');
              for (let i = 1; i <= 60; i++) { input.value = 'burst ' + i; send.click(); }
            }
            """);

        await bob.WaitForLineAsync("alice: burst 60");
        Assert.Equal(
            Enumerable.Range(1, 60).Select(i => $"alice: burst {i}"),
            (await bob.LinesAsync()).Where(l => l.StartsWith("alice: burst ", StringComparison.Ordinal)));
        await alice.WaitForAckedAsync("alice: burst 60");
        await Expect(alice.Page.Locator("#chat-output .line-pending, #chat-output .line-error")).ToHaveCountAsync(0);
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    /// <summary>
    /// A server stricter than the page's pace drops some of its sends, with errors that cannot
    /// say which (the packet is dropped unread): the page sends each unanswered one again with
    /// its cid, so every message arrives exactly once.
    /// </summary>
    [Fact]
    public async Task Sends_dropped_by_a_stricter_rate_limit_are_sent_again_and_arrive_once()
    {
        await using var server = await ChatServerInstance.StartAsync(null,
            "--ActorChat:Limits:PacketBurst=4", "--ActorChat:Limits:PacketsPerSecond=2");
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");

        await alice.Page.EvaluateAsync("""
            () => {
              const input = document.getElementById('chat-input');
              const send = document.getElementById('chat-send');
              for (let i = 1; i <= 10; i++) { input.value = 'strict ' + i; send.click(); }
            }
            """);

        for (var i = 1; i <= 10; i++)
        {
            await alice.WaitForAckedAsync($"alice: strict {i}");
        }

        await Expect(alice.Page.Locator("#chat-output .line-pending, #chat-output .line-failed")).ToHaveCountAsync(0);
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }
}
