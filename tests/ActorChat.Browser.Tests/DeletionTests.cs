using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>
/// Our page's message menu (docs/PROTOCOL.md "Deleting a message"): an author deletes their own
/// message after a confirmation and every page shows it deleted, also after a reload; a room's
/// owner deletes another's message from the keyboard; a refusal is said in words; the menu on a
/// phone-width screen.
/// </summary>
public sealed class DeletionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private readonly TokenIssuer _issuer = new();

    [Fact]
    public async Task The_author_deletes_their_message_after_confirming_and_both_pages_show_it_deleted_also_after_a_reload()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.JoinAsync("bob");
        await alice.SayAsync("a secret by mistake");
        await alice.WaitForAckedAsync("alice: a secret by mistake");
        await bob.SayAsync("hello alice");
        await bob.WaitForAckedAsync("bob: hello alice");
        await Expect(alice.MessageLine("bob: hello alice")).ToHaveCountAsync(1);
        await Expect(bob.MessageLine("alice: a secret by mistake")).ToHaveCountAsync(1);

        // A member has the menu on their own lines only.
        var mine = alice.MessageLine("alice: a secret by mistake");
        await Expect(mine.Locator(".line-menu")).ToBeVisibleAsync();
        await Expect(alice.MessageLine("bob: hello alice").Locator(".line-menu")).ToBeHiddenAsync();
        await Expect(bob.MessageLine("alice: a secret by mistake").Locator(".line-menu")).ToBeHiddenAsync();

        // Delete asks first; Cancel keeps the message.
        await mine.GetByRole(AriaRole.Button, new() { NameRegex = new("^Message actions for alice") }).ClickAsync();
        var menu = alice.Page.Locator("#message-menu");
        await Expect(menu).ToBeVisibleAsync();
        await Expect(alice.Page.Locator("#message-menu-quote")).ToHaveTextAsync("a secret by mistake");
        await Expect(alice.Page.Locator("#message-delete")).ToBeFocusedAsync();
        await alice.Page.Locator("#message-delete").ClickAsync();
        await Expect(alice.Page.Locator("#message-confirm")).ToContainTextAsync("Delete this message for everyone?");
        await Expect(alice.Page.Locator("#message-reason")).ToBeHiddenAsync(); // a reason is for moderators
        await alice.Page.Locator("#message-delete-cancel").ClickAsync();
        await Expect(menu).ToBeHiddenAsync();
        await Expect(mine).ToHaveCountAsync(1);

        await mine.Locator(".line-menu").ClickAsync();
        await alice.Page.Locator("#message-delete").ClickAsync();
        await alice.Page.Locator("#message-delete-confirm").ClickAsync();
        await Expect(menu).ToBeHiddenAsync();
        await ExpectDeletedAsync(alice, "alice", "a secret by mistake");
        await ExpectDeletedAsync(bob, "alice", "a secret by mistake");
        await Expect(bob.MessageLine("bob: hello alice")).ToHaveCountAsync(1);

        // A reload joins again and loads the history: the message is still a tombstone there.
        await bob.Page.ReloadAsync();
        await bob.WaitUntilReadyAsync();
        await bob.WaitUntilJoinedAsync("bob");
        await Expect(bob.MessageLine("bob: hello alice")).ToHaveCountAsync(1);
        await ExpectDeletedAsync(bob, "alice", "a secret by mistake");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task The_rooms_owner_deletes_a_members_message_from_the_keyboard_with_a_reason()
    {
        await using var server = await ChatServerInstance.StartAsync(null, _issuer.Settings());
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInTests.SignInAsync(alice, _issuer.Mint("alice", "Alice"), "Alice");
        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await SignInTests.SignInAsync(bob, _issuer.Mint("bob", "Bob"), "Bob");
        await alice.JoinRoomAsync("den");
        await Expect(alice.Page.Locator("#room-role")).ToHaveTextAsync("owner");
        await bob.JoinRoomAsync("den");
        await bob.SayAsync("buy cheap watches");
        await bob.WaitForAckedAsync("Bob: buy cheap watches");

        // The owner has the menu on everyone's lines; Enter opens it, then confirms.
        var spam = alice.MessageLine("Bob: buy cheap watches");
        await Expect(spam).ToHaveCountAsync(1);
        var open = spam.Locator(".line-menu");
        await Expect(open).ToHaveAttributeAsync("aria-label", new Regex("^Message actions for Bob"));
        await open.FocusAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.Locator("#message-delete")).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.Locator("#message-reason")).ToBeFocusedAsync();
        await alice.Page.Keyboard.TypeAsync("spam");
        await alice.Page.Keyboard.PressAsync("Enter");

        await Expect(alice.Page.Locator("#message-menu")).ToBeHiddenAsync();
        await ExpectDeletedAsync(alice, "Bob", "buy cheap watches");
        await ExpectDeletedAsync(bob, "Bob", "buy cheap watches");

        // Escape closes the menu and gives the focus back to the line's button.
        await alice.SayAsync("welcome");
        await alice.WaitForAckedAsync("Alice: welcome");
        var button = alice.MessageLine("Alice: welcome").Locator(".line-menu");
        await button.FocusAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.Locator("#message-menu")).ToBeVisibleAsync();
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(alice.Page.Locator("#message-menu")).ToBeHiddenAsync();
        await Expect(button).ToBeFocusedAsync();
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }

    [Fact]
    public async Task A_refused_delete_is_said_in_words_and_the_message_stays()
    {
        // An anonymous author deletes only from the session that posted: after leaving and coming
        // back under the same name, the page offers the menu on the old line (same name) and the
        // server refuses.
        await using var server = await ChatServerInstance.StartAsync();
        var carol = await ChatPage.OpenAsync(browser.Context, server.Url);
        await carol.JoinAsync("carol");
        await carol.SayAsync("from my first visit");
        await carol.WaitForAckedAsync("carol: from my first visit");
        await carol.LeaveButton.ClickAsync();
        await Expect(carol.NameStep).ToBeVisibleAsync();
        await carol.JoinAsync("carol");

        var old = carol.MessageLine("carol: from my first visit");
        await Expect(old).ToHaveCountAsync(1);
        await old.Locator(".line-menu").ClickAsync();
        await carol.Page.Locator("#message-delete").ClickAsync();
        await carol.Page.Locator("#message-delete-confirm").ClickAsync();

        await Expect(carol.Page.Locator("#message-menu-error")).ToHaveTextAsync("You can only delete your own messages.");
        await Expect(carol.CurrentLog.Locator(".line-error[data-code='forbidden']")).ToContainTextAsync("You can only delete your own messages.");
        await Expect(old).ToHaveCountAsync(1);
        await Expect(old).Not.ToHaveClassAsync(new Regex("line-deleted"));
        Assert.Empty(carol.Errors);
        await carol.Page.CloseAsync();
    }

    [Fact]
    public async Task On_a_phone_width_the_menu_button_is_always_shown_and_the_menu_fits_the_screen()
    {
        await using var server = await ChatServerInstance.StartAsync();
        var dora = await ChatPage.OpenAsync(browser.Context, server.Url);
        await dora.Page.SetViewportSizeAsync(390, 800);
        await dora.JoinAsync("dora");
        await dora.SayAsync("typed on the bus");
        await dora.WaitForAckedAsync("dora: typed on the bus");

        // No hover on a phone: the button does not wait for one.
        var open = dora.MessageLine("dora: typed on the bus").Locator(".line-menu");
        await Expect(open).ToHaveCSSAsync("opacity", "1");
        await open.ClickAsync();
        var menu = dora.Page.Locator("#message-menu");
        await Expect(menu).ToBeVisibleAsync();
        var box = await menu.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.InRange(box.X, 0, 390);
        Assert.InRange(box.X + box.Width, 0, 390);
        await dora.Page.Locator("#message-delete").ClickAsync();
        await dora.Page.Locator("#message-delete-confirm").ClickAsync();
        await ExpectDeletedAsync(dora, "dora", "typed on the bus");
        Assert.Empty(dora.Errors);
        await dora.Page.CloseAsync();
    }

    /// <summary>The message of <paramref name="from"/> that read <paramref name="text"/> shows as deleted, its text gone from the page.</summary>
    private static async Task ExpectDeletedAsync(ChatPage page, string from, string text)
    {
        var tombstone = page.MessageLine($"{from}: message deleted");
        await Expect(tombstone).ToHaveCountAsync(1);
        await Expect(tombstone).ToHaveClassAsync(new Regex("line-deleted"));
        await Expect(tombstone.Locator(".line-menu")).ToHaveCountAsync(0);
        await Expect(page.CurrentLog).Not.ToContainTextAsync(text);
    }
}
