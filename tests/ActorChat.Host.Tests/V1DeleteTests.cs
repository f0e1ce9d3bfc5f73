using System.Text.Json;

namespace ActorChat.Host.Tests;

/// <summary>Message deletion (PROTOCOL-V1.1 Part B, <c>delete</c>) over real sockets: both members see it, a new joiner's history shows the tombstone.</summary>
public sealed class V1DeleteTests
{
    [Fact]
    public async Task The_author_deletes_every_member_sees_deleted_and_a_new_joiner_gets_the_tombstone()
    {
        await using var server = await TestServer.StartAsync(V1Settings.Unthrottled);
        await using var alice = await V1Client.ConnectAsync(server.WebSocket, "alice");
        await alice.HelloAsync("alice");
        await using var bob = await V1Client.ConnectAsync(server.WebSocket, "bob");
        await bob.HelloAsync("bob");
        await alice.JoinAsync("general");
        await bob.JoinAsync("general");
        var offset = await alice.SendAsync("general", "a secret to take back");
        await bob.SendAsync("general", "bob's own");

        // Another member may not; a message nobody has is not found.
        await bob.ExpectErrorAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset)), "forbidden");
        await bob.ExpectErrorAsync("delete", V1Client.Payload(("room", "general"), ("offset", 99)), "not-found");

        var reply = (await alice.ExpectReplyAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset), ("reason", "typo")), "deleted")).Payload();
        Assert.Equal(offset, reply.GetProperty("offset").GetInt64());
        Assert.False(reply.TryGetProperty("by", out _));
        foreach (var member in new[] { alice, bob })
        {
            var told = (await member.NextEventAsync("deleted")).Payload();
            Assert.Equal(("general", offset, "alice"), (told.Str("room"), told.GetProperty("offset").GetInt64(), told.Str("by")));
        }

        // Idempotent: answered deleted again.
        await alice.ExpectReplyAsync("delete", V1Client.Payload(("room", "general"), ("offset", offset)), "deleted");

        await using var carol = await V1Client.ConnectAsync(server.WebSocket, "carol");
        await carol.HelloAsync("carol");
        var messages = (await carol.JoinAsync("general")).Payload().GetProperty("messages").EnumerateArray().ToList();
        var tombstone = messages.Single(m => m.GetProperty("offset").GetInt64() == offset);
        Assert.Equal(
            $$"""{"room":"general","offset":{{offset}},"from":"alice","text":"","at":"{{tombstone.Str("at")}}","deleted":true}""",
            tombstone.GetRawText());
        Assert.Equal("bob's own", messages.Single(m => m.GetProperty("offset").GetInt64() == offset + 1).Str("text"));
        var history = (await carol.HistoryAsync("general")).Payload().GetProperty("messages").EnumerateArray();
        Assert.DoesNotContain(history, m => m.GetRawText().Contains("secret", StringComparison.Ordinal));
    }
}
