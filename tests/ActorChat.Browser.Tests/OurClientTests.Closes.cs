using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorChat.Browser.Tests;

/// <summary>Closes the page must explain and pace: 1008, 1009, 1013.</summary>
public sealed partial class OurClientTests
{
    /// <summary>
    /// A close the page must not retry by itself (here 1008, as a flooding client gets; the page
    /// paces itself and cannot flood, so the test's route closes the socket with that code).
    /// </summary>
    [Fact]
    public async Task A_1008_close_is_shown_and_not_retried_until_asked()
    {
        await using var server = await ChatServerInstance.StartAsync();
        IWebSocketRoute? route = null;
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url, page => page.RouteWebSocketAsync(new Regex(".*"), ws =>
        {
            route = ws;
            ws.ConnectToServer();
        }));
        await alice.JoinAsync("alice");

        await route!.CloseAsync(new() { Code = 1008, Reason = "rate limit exceeded" });

        await Expect(alice.NoticeText).ToContainTextAsync("close 1008: “rate limit exceeded”");
        await Expect(alice.NoticeText).ToContainTextAsync("Not reconnecting automatically.");
        await Expect(alice.Page.Locator("#chat-output .line-error[data-code='close-1008']")).ToHaveCountAsync(1);
        await Expect(alice.Status).ToHaveTextAsync("disconnected");
        await Expect(alice.Countdown).ToBeEmptyAsync();
        await Expect(alice.ReconnectButton).ToHaveTextAsync("Reconnect");
        await Expect(alice.ReconnectButton).ToBeVisibleAsync();

        await alice.ReconnectButton.ClickAsync();
        await alice.WaitUntilJoinedAsync("alice");
        await Expect(alice.Notice).ToHaveAttributeAsync("data-kind", "none");
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }

    [Fact]
    public async Task A_message_over_the_frame_limit_is_shown_as_the_reason_and_the_page_rejoins()
    {
        await using var server = await ChatServerInstance.StartAsync(null, "--ActorChat:MaxFrameBytes=8192");
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");

        await alice.SayAsync(new string('€', 4000)); // 12 000 bytes of UTF-8
        await alice.WaitForLineAsync("Disconnected: A message was too big for the server (close 1009: “message too big”).");
        await alice.WaitUntilJoinedAsync("alice");

        // The message that did it is marked as not sent, and not sent again (it would close the
        // next connection too); the page goes on.
        await Expect(alice.CurrentLog.Locator(".line-failed")).ToHaveCountAsync(1);
        await Expect(alice.CurrentLog.Locator(".line-error[data-code='close-1009']")).ToHaveCountAsync(1);
        await alice.SayAsync("small again");
        await alice.WaitForAckedAsync("alice: small again");
        await Expect(alice.Status).ToHaveTextAsync("connected as alice");
        Assert.Empty(alice.Errors);
        await alice.Page.CloseAsync();
    }

    /// <summary>
    /// Needs the server to accept and close refused connections with 1013 (issue 7); a server that
    /// answers the handshake with HTTP 503 leaves the page nothing to show but a failed connection.
    /// </summary>
    [Fact]
    public async Task A_full_server_is_shown_in_words_and_retried_after_a_longer_wait()
    {
        await using var server = await ChatServerInstance.StartAsync(null, "--ActorChat:MaxConnections=1");
        var alice = await ChatPage.OpenAsync(browser.Context, server.Url);
        await alice.JoinAsync("alice");

        var bob = await ChatPage.OpenAsync(browser.Context, server.Url);
        await bob.SubmitNameAsync("bob");
        await Expect(bob.NoticeText).ToContainTextAsync("The server is full (close 1013: “server is full”).");
        await Expect(bob.Notice).ToHaveAttributeAsync("data-close-code", "1013");
        await Expect(bob.Countdown).ToHaveTextAsync(CountdownText());
        var delay = int.Parse(await bob.Countdown.GetAttributeAsync("data-delay-ms") ?? "", CultureInfo.InvariantCulture);
        Assert.InRange(delay, 10_000, 30_000);
        await Expect(bob.NameStep).ToBeVisibleAsync();
        await Expect(bob.LeaveButton).ToHaveTextAsync("Cancel");

        // Cancel stops the retries.
        await bob.LeaveButton.ClickAsync();
        await Expect(bob.Countdown).ToBeEmptyAsync();
        await Expect(bob.Status).ToHaveTextAsync("not connected");
        Assert.Empty(await alice.LinesAsync());
        await alice.Page.CloseAsync();
        await bob.Page.CloseAsync();
    }
}
