namespace ActorChat.Host.Tests;

/// <summary>
/// Names that pass for a joined one are refused over real sockets: the cases issue 7 found
/// accepted next to "alice", and the names that must stay possible.
/// </summary>
public sealed class NameImpersonationTests
{
    public static TheoryData<string, string, string> Impersonations => new()
    {
        { "Cyrillic a (U+0430)", "\u0430lice", "invalid-name" },
        { "fullwidth letters", "\uFF41\uFF4C\uFF49\uFF43\uFF45", "name-taken" },
        { "e + combining acute", "alice\u0301", "name-taken" },
        { "capital I with dot above (U+0130)", "AL\u0130CE", "name-taken" },
        { "invisible tag U+E0001", "alice\U000E0001", "invalid-name" },
        { "combining grapheme joiner U+034F", "ali\u034Fce", "invalid-name" },
        { "capital I for small l", "aIice", "name-taken" },
    };

    [Theory]
    [MemberData(nameof(Impersonations))]
    public async Task A_name_that_passes_for_a_joined_one_is_refused_and_nothing_is_broadcast(string why, string name, string code)
    {
        Assert.NotNull(why);
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var mallory = await server.ConnectAsync();

        await mallory.JoinAsync(name);

        await mallory.ExpectErrorAsync(code);

        // No chat-join went out: the next packet both see is this message.
        await alice.SayAsync("alice", "ping");
        await alice.ExpectMessageAsync("alice", "ping");
        await mallory.ExpectMessageAsync("alice", "ping");
        Assert.Equal(["alice"], (await server.MembersAsync()).Names);
    }

    [Fact]
    public async Task A_refusal_tells_the_user_which_name_is_too_close_or_which_scripts_are_mixed()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var mallory = await server.ConnectAsync();

        await mallory.JoinAsync("\uFF41\uFF4C\uFF49\uFF43\uFF45");
        var taken = await mallory.ExpectErrorAsync("name-taken");
        Assert.Equal(
            "The name \"\uFF41\uFF4C\uFF49\uFF43\uFF45\" is too close to \"alice\", which is taken.",
            taken.Payload().GetProperty("message").GetString());

        await mallory.JoinAsync("\u0430lice");
        var mixed = await mallory.ExpectErrorAsync("invalid-name");
        Assert.Equal(
            "A name cannot mix Cyrillic and Latin letters: names that mix scripts can imitate other names.",
            mixed.Payload().GetProperty("message").GetString());
    }

    [Fact]
    public async Task Distinct_names_and_names_in_other_scripts_join_and_show_as_typed_in_NFC()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var alicia = await server.JoinAsync("alicia");
        await using var dmitry = await server.JoinAsync("\u0414\u043C\u0438\u0442\u0440\u0438\u0439");
        await using var bruce = await server.JoinAsync("\u674E\u5C0F\u9F8D");
        await using var zoe = await server.ConnectAsync();

        // Typed decomposed (e + U+0308), shown precomposed to everyone.
        await zoe.JoinAsync(" Zoe\u0308 ");

        Assert.Equal("Zo\u00EB", (await zoe.ExpectAsync("chat-join")).Username());
        var users = await zoe.ExpectAsync("chat-users");
        Assert.Equal(
            ["alice", "alicia", "Zo\u00EB", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u674E\u5C0F\u9F8D"],
            users.Payload().GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        await alice.ExpectAsync("chat-join"); // alicia
        await alice.ExpectAsync("chat-join"); // Дмитрий
        await alice.ExpectAsync("chat-join"); // 李小龍
        Assert.Equal("Zo\u00EB", (await alice.ExpectAsync("chat-join")).Username());

        await zoe.SayAsync("Zo\u00EB", "hi");
        await alice.ExpectMessageAsync("Zo\u00EB", "hi");
    }
}
