namespace ActorChat.Host.Tests;

/// <summary><c>DELETE /api/rooms/{room}/messages/{offset}</c>: as <c>delete</c>, with admin rights, by <c>api</c>.</summary>
public sealed class ServerApiDeleteTests
{
    [Fact]
    public async Task The_api_deletes_a_members_message_every_member_is_told_and_the_audit_has_it_without_the_text()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();
        await using var alice = await V1Client.ConnectAsync(server.WebSocket, "alice");
        await alice.HelloAsync("alice");
        await alice.JoinAsync("den");
        var offset = await alice.SendAsync("den", "something to remove");

        using (var deleted = await api.DeleteAsync($"api/rooms/den/messages/{offset}?reason=off%20topic"))
        {
            var body = await ApiServer.ReadJsonAsync(deleted, 200);
            Assert.Equal(("den", offset), (body.Str("room"), body.GetProperty("offset").GetInt64()));
        }

        var told = (await alice.NextEventAsync("deleted")).Payload();
        Assert.Equal((offset, "api"), (told.GetProperty("offset").GetInt64(), told.Str("by")));

        // Again: the same answer (idempotent). No such message, no such room: 404, and the room is not created.
        using (var again = await api.DeleteAsync($"api/rooms/den/messages/{offset}"))
        {
            await ApiServer.ReadJsonAsync(again, 200);
        }

        using (var missing = await api.DeleteAsync("api/rooms/den/messages/99"))
        {
            await ApiServer.ReadProblemAsync(missing, 404);
        }

        using (var noRoom = await api.DeleteAsync("api/rooms/nowhere/messages/1"))
        {
            await ApiServer.ReadProblemAsync(noRoom, 404);
        }

        using var audit = await api.GetAsync("api/rooms/den/audit");
        var auditText = (await ApiServer.ReadJsonAsync(audit, 200)).GetRawText();
        var entry = (await ApiServer.ReadJsonAsync(await api.GetAsync("api/rooms/den/audit"), 200)).GetProperty("entries").EnumerateArray().Single(e => e.Str("action") == "delete");
        Assert.Equal(("api", offset, "off topic"), (entry.Str("by"), entry.GetProperty("offset").GetInt64(), entry.Str("reason")));
        Assert.DoesNotContain("something to remove", auditText, StringComparison.Ordinal);
        var history = (await ApiServer.ReadJsonAsync(await api.GetAsync("api/rooms/den/messages"), 200)).GetProperty("messages").EnumerateArray().Single();
        Assert.True(history.GetProperty("deleted").GetBoolean());
        Assert.Equal("", history.Str("text"));
    }
}
