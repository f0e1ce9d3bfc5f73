using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// Our page's rooms (actorchat.v1): several rooms with unread counts, history on join and older
/// pages, resume after a drop or a server restart with no line missing or doubled, renames,
/// and a session taken over by another tab.
/// </summary>
public sealed partial class RoomTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Two_pages_in_two_rooms_see_unread_counts_and_switch_rooms()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await Expect(alice.Room("lobby")).ToHaveAttributeAsync("data-state", "joined");

        // The page checks the room-name rule before asking the server.
        await alice.RoomInput.FillAsync("-bad");
        await alice.RoomInput.PressAsync("Enter");
        await Expect(alice.RoomError).ToContainTextAsync("starts with a letter or digit");
        await Expect(alice.RoomInput).ToHaveAttributeAsync("aria-invalid", "true");
        await alice.RoomInput.FillAsync(new string('d', 33));
        await alice.RoomInput.PressAsync("Enter");
        await Expect(alice.RoomError).ToContainTextAsync("at most 32");
        await Expect(alice.Page.Locator("#room-list > li")).ToHaveCountAsync(1);

        // "#Dev" means the room dev: lower case, no "#".
        await alice.RoomInput.FillAsync("#Dev");
        await alice.RoomInput.PressAsync("Enter");
        await alice.WaitInRoomAsync("dev");
        await Expect(alice.RoomError).ToBeEmptyAsync();
        await Expect(alice.MemberCount).ToHaveTextAsync("1");
        await bob.JoinRoomAsync("dev");
        await alice.WaitForLineAsync("bob has joined.");
        await Expect(alice.MemberCount).ToHaveTextAsync("2");
        await bob.SelectRoomAsync("lobby");

        // A message in a room not on screen counts as unread there, and only there.
        await alice.SayAsync("in dev");
        await Expect(bob.Unread("dev")).ToHaveTextAsync("1 unread");
        await Expect(bob.Unread("lobby")).ToHaveCountAsync(0);
        await Expect(bob.Page).ToHaveTitleAsync("(1) ActorChat");
        await Expect(bob.Line("alice: in dev")).ToHaveCountAsync(0);
        await bob.SayAsync("in lobby");
        await Expect(alice.Unread("lobby")).ToHaveTextAsync("1 unread");
        await alice.SayAsync("again in dev");
        await Expect(bob.Unread("dev")).ToHaveTextAsync("2 unread");

        await bob.SelectRoomAsync("dev");
        await Expect(bob.Unread("dev")).ToHaveCountAsync(0);
        await Expect(bob.Page).ToHaveTitleAsync("ActorChat");
        await bob.WaitForLineAsync("alice: again in dev");
        Assert.Equal(["alice: in dev", "alice: again in dev"], await MessagesAsync(bob));
        Assert.Equal(["bob: in lobby"], (await bob.Log("lobby").Locator(":scope > .line-message").AllTextContentsAsync()).Select(l => l.Trim()));
        await Expect(bob.User("alice")).ToBeVisibleAsync();

        // Alt+↑ and Alt+↓ go through the rooms from the keyboard.
        await bob.Page.Keyboard.PressAsync("Alt+ArrowUp");
        await bob.WaitInRoomAsync("lobby");
        await bob.Page.Keyboard.PressAsync("Alt+ArrowDown");
        await bob.WaitInRoomAsync("dev");

        // Leaving a room: it goes from the list, the others there see the leave at once.
        await alice.Room("dev").GetByRole(AriaRole.Button, new() { Name = "Leave dev" }).ClickAsync();
        await Expect(alice.Room("dev")).ToHaveCountAsync(0);
        await alice.WaitInRoomAsync("lobby");
        await bob.WaitForLineAsync("alice has left.");
        await Expect(bob.User("alice")).ToHaveCountAsync(0);
        await Expect(bob.MemberCount).ToHaveTextAsync("1");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_joining_page_gets_recent_history_and_older_pages_when_scrolling_up()
    {
        await using var server = await ChatServerInstance.StartAsync(null, V1Client.FastSettings);
        await using var seeder = await V1Client.ConnectAsync(server.Url, "seeder");
        await seeder.JoinAsync("lobby");
        await seeder.PostAsync("lobby", Enumerable.Range(1, 120).Select(i => $"m {i}"));

        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");

        // The last 50 on joining.
        await alice.WaitForLineAsync("seeder: m 120");
        await Expect(alice.CurrentLog.Locator(".line-message")).ToHaveCountAsync(50);
        Assert.Equal(Expected(71, 120), await alice.LinesAsync());
        var older = alice.CurrentLog.Locator(".load-older");
        await Expect(older).ToBeVisibleAsync();

        // Scrolling to the top loads one older page, and what was on screen stays in place.
        await alice.CurrentLog.EvaluateAsync("el => { el.scrollTop = 0; }");
        await Expect(alice.CurrentLog.Locator(".line-message")).ToHaveCountAsync(100);
        Assert.Equal(Expected(21, 120), await alice.LinesAsync());
        Assert.True(await alice.CurrentLog.EvaluateAsync<bool>("el => el.scrollTop > 0"), "The view jumped to the top after loading older messages.");

        // So does the button, until the start of the room. In a window tall enough for every
        // line the log cannot scroll, so the button alone loads the page.
        await alice.Page.SetViewportSizeAsync(1280, 6000);
        Assert.False(await alice.CurrentLog.EvaluateAsync<bool>("el => el.scrollHeight > el.clientHeight"), "The log still scrolls.");
        await older.ClickAsync();
        await Expect(alice.CurrentLog.Locator(".line-message")).ToHaveCountAsync(120);
        await Expect(alice.CurrentLog.Locator(".log-start")).ToBeVisibleAsync();
        await Expect(alice.CurrentLog.Locator(".log-start")).ToHaveTextAsync("This is the start of lobby.");
        await Expect(older).ToBeHiddenAsync();
        Assert.Equal(Expected(1, 120), await alice.LinesAsync());

        // New messages still go to the bottom.
        await seeder.PostAsync("lobby", ["m 121"]);
        await alice.WaitForLineAsync("seeder: m 121");
        Assert.Equal(Expected(1, 121), await alice.LinesAsync());
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();

        static string[] Expected(int first, int last) =>
            [.. Enumerable.Range(first, last - first + 1).Select(i => $"seeder: m {i}")];
    }

    /// <summary>
    /// Durable history (SQLite) across a server restart in the same file: a page that was away
    /// while another posted resumes with exactly that message, and what it typed while away is
    /// sent once. Bob's page is kept away by routing its socket nowhere until the test lets it go.
    /// </summary>
    [Fact]
    public async Task After_a_server_restart_a_page_gets_what_was_said_while_it_was_away_and_nothing_twice()
    {
        var folder = Directory.CreateTempSubdirectory("actorchat-browser-");
        try
        {
            string[] settings = [.. ChatServerInstance.Sqlite(Path.Combine(folder.FullName, "chat.db")), .. V1Client.FastSettings];
            var server = await ChatServerInstance.StartAsync(null, settings);
            var port = server.Port;
            var away = new AwaySwitch();
            ChatPage alice, bob;
            try
            {
                alice = await ChatPage.OpenAsync(browser.Context, server.Url);
                await alice.JoinAsync("alice");
                bob = await ChatPage.OpenAsync(browser.Context, server.Url, page => page.RouteWebSocketAsync(new Regex(".*"), away.Route));
                await bob.JoinAsync("bob");
                await alice.SayAsync("one");
                await bob.WaitForLineAsync("alice: one");
                await bob.SayAsync("two");
                await alice.WaitForLineAsync("bob: two");
                away.Hold();
            }
            finally
            {
                await server.DisposeAsync();
            }

            await alice.WaitForLineAsync("Disconnected: The server is shutting down (close 1001: “server shutting down”).");
            await bob.WaitForLineAsync("Disconnected: The server is shutting down (close 1001: “server shutting down”).");

            await using var restarted = await ChatServerInstance.RestartAsync(port, null, settings);
            await alice.WaitUntilJoinedAsync("alice");
            await alice.SayAsync("said while bob was away");
            await alice.WaitForAckedAsync("alice: said while bob was away");

            // More than a join without a position would show (50): only resuming from bob's
            // offset gets all of them.
            await using (var carol = await V1Client.ConnectAsync(restarted.Url, "carol"))
            {
                await carol.JoinAsync("lobby");
                await carol.PostAsync("lobby", Enumerable.Range(1, 60).Select(i => $"missed {i}"));
            }

            // Bob types while away: shown as pending until the server has it.
            await Expect(bob.Status).Not.ToHaveTextAsync("connected as bob");
            await bob.SayAsync("typed while away");
            await Expect(bob.MessageLine("bob: typed while away")).ToHaveClassAsync(new Regex(@"\bline-pending\b"));

            await away.ReleaseAsync();
            await bob.WaitUntilJoinedAsync("bob");
            await bob.WaitForLineAsync("carol: missed 60");
            await bob.WaitForAckedAsync("bob: typed while away");
            await alice.WaitForLineAsync("bob: typed while away");

            string[] expected =
            [
                "alice: one", "bob: two", "alice: said while bob was away",
                .. Enumerable.Range(1, 60).Select(i => $"carol: missed {i}"),
                "bob: typed while away",
            ];
            Assert.Equal(expected, await MessagesAsync(bob));
            Assert.Equal(expected, await MessagesAsync(alice));
            await Expect(bob.Page.Locator("#chat-output .line-gap")).ToHaveCountAsync(0);
            await Expect(alice.Page.Locator("#chat-output .line-gap")).ToHaveCountAsync(0);
            Assert.Empty(alice.Errors);
            Assert.Empty(bob.Errors);
            await alice.Page.CloseAsync();
            await bob.Page.CloseAsync();
        }
        finally
        {
            TryDelete(folder);
        }
    }

    [Fact]
    public async Task A_reload_resumes_the_session_with_what_was_missed_and_nothing_twice()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await bob.JoinRoomAsync("dev");
        await alice.JoinRoomAsync("dev");
        await bob.SayAsync("first");
        await alice.WaitForLineAsync("bob: first");

        // Away from the page (its socket drops, its session stays), then back in the same tab.
        await alice.Page.GotoAsync("about:blank");
        await bob.SayAsync("while alice was away");
        await bob.WaitForAckedAsync("bob: while alice was away");
        await alice.Page.GotoAsync(server.Url.ToString());
        await alice.WaitUntilReadyAsync();
        await alice.WaitUntilJoinedAsync("alice");

        // The same rooms, the same room on screen, what was missed and what came before it, once.
        await alice.WaitInRoomAsync("dev");
        await Expect(alice.Room("lobby")).ToHaveAttributeAsync("data-state", "joined");
        await alice.WaitForLineAsync("bob: while alice was away");
        await alice.WaitForLineAsync("bob: first");
        Assert.Equal(["bob: first", "bob: while alice was away"], await MessagesAsync(alice));
        await Expect(alice.CurrentLog.Locator(".line-gap")).ToHaveCountAsync(0);

        // Back within the presence grace: the others saw no leave.
        await alice.SayAsync("back");
        await bob.WaitForLineAsync("alice: back");
        Assert.DoesNotContain("alice has left.", await bob.LinesAsync());
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_rename_reaches_the_other_members_as_presence()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await alice.WaitForLineAsync("bob has joined.");

        await alice.Page.ClickAsync("#rename-open");
        await Expect(alice.Page.Locator("#rename-input")).ToBeFocusedAsync();
        await Expect(alice.Page.Locator("#rename-input")).ToHaveValueAsync("alice");
        await alice.Page.FillAsync("#rename-input", "alicia");
        await alice.Page.PressAsync("#rename-input", "Enter");

        await Expect(alice.Status).ToHaveTextAsync("connected as alicia");
        await Expect(alice.Page.Locator("#my-name")).ToHaveTextAsync("alicia");
        await Expect(alice.Page.Locator("#rename-form")).ToBeHiddenAsync();
        await Expect(alice.User("alicia")).ToHaveClassAsync(new Regex(@"\buser-self\b"));
        await bob.WaitForLineAsync("alice is now known as alicia.");
        await Expect(bob.User("alicia")).ToBeVisibleAsync();
        await Expect(bob.User("alice")).ToHaveCountAsync(0);
        await Expect(bob.MemberCount).ToHaveTextAsync("2");

        // A name in use is refused in the form, with the server's reason.
        await bob.Page.ClickAsync("#rename-open");
        await bob.Page.FillAsync("#rename-input", "ALICIA");
        await bob.Page.PressAsync("#rename-input", "Enter");
        await Expect(bob.Page.Locator("#rename-error")).ToContainTextAsync("taken");
        await Expect(bob.Status).ToHaveTextAsync("connected as bob");
        await bob.Page.PressAsync("#rename-input", "Escape");
        await Expect(bob.Page.Locator("#rename-form")).ToBeHiddenAsync();

        await alice.SayAsync("hi as alicia");
        await bob.WaitForLineAsync("alicia: hi as alicia");

        // The name stays with the session: a reload resumes as alicia.
        await alice.Page.ReloadAsync();
        await alice.WaitUntilReadyAsync();
        await alice.WaitUntilJoinedAsync("alicia");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    /// <summary>
    /// Another client presenting the page's session token takes the session over; the page is
    /// closed with 4001, says so, and does not reconnect by itself (it would take the session
    /// back, and the two would take turns forever).
    /// </summary>
    [Fact]
    public async Task A_session_taken_over_by_another_client_is_shown_and_not_reconnected()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var token = await alice.Page.EvaluateAsync<string>("() => JSON.parse(sessionStorage.getItem('actorchat.v1.state')).token");
        Assert.False(string.IsNullOrEmpty(token));

        await using var other = await V1Client.ConnectAsync(server.Url, "whatever", token);
        Assert.True(other.Welcome.GetProperty("resumed").GetBoolean());
        Assert.Equal("alice", other.Welcome.GetProperty("name").GetString());

        await Expect(alice.NoticeText).ToContainTextAsync("This session was taken over by another tab or window (close 4001");
        await Expect(alice.NoticeText).ToContainTextAsync("Not reconnecting automatically.");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-close-code", "4001");
        await Expect(alice.Page.Locator("#chat-output .line-error[data-code='close-4001']")).ToHaveCountAsync(1);
        await Expect(alice.Status).ToHaveTextAsync("disconnected");
        await Expect(alice.Countdown).ToBeEmptyAsync();
        await Expect(alice.ReconnectButton).ToHaveTextAsync("Reconnect");
        await Expect(alice.ReconnectButton).ToBeVisibleAsync();
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }

    /// <summary>
    /// A duplicated tab starts with a copy of the original's sessionStorage, token included. It
    /// asks the other tabs first and does not resume a session one of them holds, so the
    /// original is not taken over.
    /// </summary>
    [Fact]
    public async Task A_duplicated_tab_does_not_take_the_session_from_the_original()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var state = await alice.SessionStateAsync();
        Assert.NotNull(state);

        var copy = await ChatPage.OpenAsync(browser.Context, server.Url, page =>
            page.AddInitScriptAsync($"sessionStorage.setItem('actorchat.v1.state', {JsonSerializer.Serialize(state)});"));
        await Expect(copy.NameError).ToContainTextAsync("open in another tab");
        await Expect(copy.NameStep).ToBeVisibleAsync();
        await Expect(copy.NameInput).ToHaveValueAsync("alice");
        await copy.JoinAsync("alice-too");

        await alice.SayAsync("still here");
        await copy.WaitForLineAsync("alice: still here");
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-kind", "none");
        Assert.Empty(alice.Errors);
        Assert.Empty(copy.Errors);
        await copy.Page.CloseAsync();
        await alice.Page.CloseAsync();
    }

    [Fact]
    public async Task Errors_answering_a_request_are_shown_with_their_code()
    {
        await using var server = await ChatServerInstance.StartAsync(null, "--ActorChat:Limits:MaxRoomsPerConnection=2");
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        await alice.JoinRoomAsync("second");

        // A third room is over the limit: the server's refusal is shown by the room box and in
        // the log, with its code and the ref of the join it answers.
        await alice.RoomInput.FillAsync("third");
        await alice.RoomInput.PressAsync("Enter");
        await Expect(alice.RoomError).ToContainTextAsync("Could not join third");
        await Expect(alice.RoomInput).ToHaveValueAsync("third");
        await Expect(alice.Room("third")).ToHaveCountAsync(0);
        var error = alice.Page.Locator("#chat-output .line-error[data-code='too-many-rooms']");
        await Expect(error).ToHaveCountAsync(1);
        await Expect(error).ToHaveAttributeAsync("data-ref", new Regex("^join-"));
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }

    /// <summary>The message lines on screen, in order (the others: joins, disconnects, markers, left out).</summary>
    private static async Task<string[]> MessagesAsync(ChatPage page) =>
        [.. (await page.CurrentLog.Locator(":scope > .line-message").AllTextContentsAsync()).Select(l => l.Trim())];

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; it is in the temp folder.
        }
    }
}
