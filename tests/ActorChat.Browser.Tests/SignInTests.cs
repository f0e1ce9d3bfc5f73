using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// Our page with tokens (the server in <c>Auth:Mode</c> optional): signing in from the field and
/// from a <c>#token=</c> link, a room owner banning a member in another tab, slow mode on the Send
/// button, and an expired token that asks to sign in again without losing the draft or the rooms.
/// </summary>
public sealed partial class SignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private readonly TokenIssuer _issuer = new();

    [GeneratedRegex(@"^Send \(\d+\)$")]
    private static partial Regex SendCountdown();

    [Fact]
    public async Task A_token_signs_in_from_the_field_and_from_a_link_whose_fragment_is_then_removed()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings());

        // The field: no name needed, the token's name claim is the name.
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(alice, _issuer.Mint("alice", "Alice"), "Alice");
        await Expect(alice.Page.Locator("#me-user")).ToHaveTextAsync("signed in as Alice (alice)");
        await Expect(alice.Page.Locator("#sign-out")).ToBeVisibleAsync();

        // The link: signed in at once, and the token is no longer in the address.
        var bobToken = _issuer.Mint("bob", "Bob");
        var bob = await ChatPage.OpenAsync(browser.Context, new Uri(server.Url, "#token=" + Uri.EscapeDataString(bobToken)));
        await bob.WaitUntilJoinedAsync("Bob");
        await Expect(bob.Page.Locator("#me-user")).ToHaveTextAsync("signed in as Bob (bob)");
        Assert.DoesNotContain("token", bob.Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(bobToken, await bob.Page.EvaluateAsync<string>("() => location.href"), StringComparison.Ordinal);
        Assert.Equal(bobToken, await bob.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('actorchat.token')"));

        // A reload resumes as the same user (the token is kept for the tab).
        await bob.Page.ReloadAsync();
        await bob.WaitUntilReadyAsync();
        await bob.WaitUntilJoinedAsync("Bob");
        await Expect(bob.Page.Locator("#me-user")).ToHaveTextAsync("signed in as Bob (bob)");

        // Signing out forgets the token.
        await bob.Page.Locator("#sign-out").ClickAsync();
        await Expect(bob.NameStep).ToBeVisibleAsync();
        Assert.Null(await bob.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('actorchat.token')"));
        await Expect(bob.Page.Locator("#chat-token")).ToHaveValueAsync("");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task The_users_rooms_open_on_another_page_signed_in_as_the_same_user_and_a_leave_there_leaves_here()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings());
        var phone = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(phone, _issuer.Mint("alice", "Alice"), "Alice");
        await phone.JoinRoomAsync("garden");
        await phone.JoinRoomAsync("kitchen");

        // A new tab keeps nothing of the first (its rooms and session token are per tab): what it
        // shows, the server's welcome listed as the user's.
        var laptop = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(laptop, _issuer.Mint("alice", "Alice"), "Alice");
        await Expect(laptop.Room("garden")).ToBeVisibleAsync();
        await Expect(laptop.Room("kitchen")).ToBeVisibleAsync();
        await Expect(laptop.Room("lobby")).ToBeVisibleAsync();

        // Leaving on one page leaves on the other.
        await laptop.Room("garden").GetByRole(AriaRole.Button, new() { Name = "Leave garden" }).ClickAsync();
        await Expect(laptop.Room("garden")).ToHaveCountAsync(0);
        await Expect(phone.Room("garden")).ToHaveCountAsync(0);
        await Expect(phone.Room("kitchen")).ToBeVisibleAsync();
        Assert.Empty(phone.Errors);
        Assert.Empty(laptop.Errors);
        await phone.Page.CloseAsync();
        await laptop.Page.CloseAsync();
    }

    [Fact]
    public async Task The_owner_bans_a_member_in_another_page_which_says_so_and_is_refused_on_rejoining()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings());
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(alice, _issuer.Mint("alice", "Alice"), "Alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(bob, _issuer.Mint("bob", "Bob"), "Bob");

        // The first signed-in joiner of a new room owns it; the next is a member.
        await alice.JoinRoomAsync("den");
        await Expect(alice.Page.Locator("#room-role")).ToHaveTextAsync("owner");
        await bob.JoinRoomAsync("den");
        await Expect(bob.Page.Locator("#room-role")).ToHaveTextAsync("member");
        await Expect(alice.User("Bob")).ToBeVisibleAsync();

        // A member has no member menu; the owner has one on everyone else.
        await Expect(bob.Page.GetByRole(AriaRole.Button, new() { Name = "Moderate Alice" })).ToHaveCountAsync(0);
        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Moderate Bob" }).ClickAsync();
        var menu = alice.Page.Locator("#member-menu");
        await Expect(menu).ToBeVisibleAsync();
        await Expect(alice.Page.Locator("#mod-reason")).ToBeFocusedAsync();
        await alice.Page.Locator("#mod-reason").FillAsync("spam");
        await alice.Page.Locator("#mod-duration").SelectOptionAsync("3600");
        await menu.Locator("button[data-action='ban']").ClickAsync();

        await Expect(menu).ToBeHiddenAsync();
        await Expect(alice.Log("den")).ToContainTextAsync("You banned Bob in #den.");
        var removed = bob.Log("den").Locator(".line[data-removed='ban']");
        await Expect(removed).ToContainTextAsync("banned you from #den until");
        await Expect(removed).ToContainTextAsync("spam");
        await Expect(bob.Room("den")).ToHaveAttributeAsync("data-state", "removed");
        await Expect(alice.User("Bob")).ToHaveCountAsync(0);

        // Joining again is refused, in words.
        await bob.RoomInput.FillAsync("den");
        await bob.RoomInput.PressAsync("Enter");
        var refusal = bob.Log("den").Locator(".line-error[data-code='banned']");
        await Expect(refusal).ToContainTextAsync(new Regex(@"You are banned from #den until .+ \(spam\)\."));
        await Expect(bob.Room("den")).ToHaveAttributeAsync("data-state", "removed");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task Under_slow_mode_the_send_button_counts_down_for_a_member_and_keeps_the_draft()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings());
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(alice, _issuer.Mint("alice", "Alice"), "Alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(bob, _issuer.Mint("bob", "Bob"), "Bob");
        await alice.JoinRoomAsync("calm");
        await bob.JoinRoomAsync("calm");

        // The owner turns slow mode on and sets a topic; the member's page hears of both.
        await alice.Page.Locator("#room-settings-open").ClickAsync();
        await alice.Page.Locator("#set-slowmode").FillAsync("60");
        await alice.Page.Locator("#set-topic").FillAsync("one thought a minute");
        await alice.Page.Locator("#room-settings button[type='submit']").ClickAsync();
        await Expect(alice.Page.Locator("#room-settings")).ToBeHiddenAsync();
        await Expect(bob.Log("calm")).ToContainTextAsync("slow mode: one message every 60 s");
        await Expect(bob.Page.Locator("#room-topic")).ToHaveTextAsync("one thought a minute");
        await Expect(bob.Page.Locator("#room-settings-open")).ToBeHiddenAsync();

        await bob.SayAsync("first");
        await bob.WaitForAckedAsync("Bob: first");
        var send = bob.Page.Locator("#chat-send");
        await Expect(send).ToHaveTextAsync(SendCountdown());
        await Expect(send).ToBeDisabledAsync();

        // Enter does not send either: the draft stays in the box.
        await bob.SayAsync("second");
        await Expect(bob.Page.Locator("#chat-input")).ToHaveValueAsync("second");
        await Expect(bob.MessageLine("Bob: second")).ToHaveCountAsync(0);

        // The owner is exempt.
        await alice.SayAsync("owner speaks");
        await alice.WaitForAckedAsync("Alice: owner speaks");
        await Expect(alice.Page.Locator("#chat-send")).ToHaveTextAsync("Send");
        await Expect(alice.Page.Locator("#chat-send")).ToBeEnabledAsync();
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task An_expired_token_without_a_refresh_url_asks_to_sign_in_again_keeping_the_draft_and_the_rooms()
    {
        // No leeway: the connection is closed (4002) as soon as the token expires.
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings(
            "--ActorChat:Auth:ClockSkew=00:00:00", "--ActorChat:Auth:ExpiryGrace=00:00:00"));
        var carol = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInAsync(carol, _issuer.Mint("carol", "Carol", TestTime.Seconds(4)), "Carol");
        await carol.JoinRoomAsync("notes");
        await carol.Page.Locator("#chat-input").FillAsync("half a thought");

        var reauth = carol.Page.Locator("#reauth-form");
        await Expect(reauth).ToBeVisibleAsync();
        await Expect(reauth).ToContainTextAsync("Your sign-in expired — sign in again.");
        await Expect(carol.Notice).ToHaveAttributeAsync("data-close-code", "4002");
        await Expect(carol.ChatStep).ToBeVisibleAsync();
        await Expect(carol.Page.Locator("#chat-input")).ToHaveValueAsync("half a thought");
        await Expect(carol.Page.Locator("#room-list > li")).ToHaveCountAsync(2);

        // A new token resumes the session: the same rooms, the draft still there.
        await carol.Page.Locator("#reauth-token").FillAsync(_issuer.Mint("carol", "Carol"));
        await carol.Page.Locator("#reauth-token").PressAsync("Enter");
        await Expect(reauth).ToBeHiddenAsync();
        await carol.WaitUntilJoinedAsync("Carol");
        await carol.WaitInRoomAsync("notes");
        await Expect(carol.Room("lobby")).ToHaveAttributeAsync("data-state", "joined");
        await Expect(carol.Page.Locator("#chat-input")).ToHaveValueAsync("half a thought");
        Assert.Empty(carol.Errors);
        await carol.Page.CloseAsync();
    }

    [Fact]
    public async Task With_a_refresh_url_the_page_gets_a_new_token_before_expiry_and_sends_it_as_refresh()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings(
            "--ActorChat:Client:TokenRefreshUrl=/auth/refresh", "--ActorChat:Auth:ClockSkew=00:00:00", "--ActorChat:Auth:ExpiryGrace=00:00:00"));
        var fresh = _issuer.Mint("dave", "Dave");
        var asked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dave = await ChatPage.OpenAsync(browser.Context, server.Url, page => page.RouteAsync("**/auth/refresh", async route =>
        {
            // The site's backend: a POST with the page's cookies gets a newer token.
            asked.TrySetResult(route.Request.Method);
            await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = $"{{\"token\":\"{fresh}\"}}" });
        }));
        await SignInAsync(dave, _issuer.Mint("dave", "Dave", TestTime.Seconds(4)), "Dave");
        var me = dave.Page.Locator("#me-user");
        var first = await me.GetAttributeAsync("data-expires-at");

        Assert.Equal("POST", await asked.Task.WaitAsync(BrowserFixture.Timeout));
        // The server took the refresh: its expiry is the new token's, and the connection stays.
        await Expect(me).Not.ToHaveAttributeAsync("data-expires-at", first ?? "");
        await Expect(dave.Status).ToHaveAttributeAsync("data-state", "open");
        Assert.Equal(fresh, await dave.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('actorchat.token')"));
        await Expect(dave.Page.Locator("#reauth-form")).ToBeHiddenAsync();
        Assert.Empty(dave.Errors);
        await dave.Page.CloseAsync();
    }

    /// <summary>Signs in on the name step with <paramref name="token"/> and no name, and waits until the chat shows <paramref name="name"/>.</summary>
    internal static async Task SignInAsync(ChatPage page, string token, string name)
    {
        await page.NameInput.FillAsync("");
        var field = page.Page.Locator("#chat-token");
        await field.FillAsync(token);
        await field.PressAsync("Enter");
        await page.WaitUntilJoinedAsync(name);
    }
}
