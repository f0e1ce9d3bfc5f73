using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ActorChat.Host.Tests;

/// <summary>
/// The server API's calls against a real server: a publish reaches v1 and seed members as a
/// message from <c>server</c> with <c>via: "api"</c>, a repeated <c>cid</c> answers the same body
/// and posts once, the room reads (list, status, presence, history), a room that does not exist is
/// 404 and is not created by reading it, and bad input is a problem.
/// </summary>
public sealed class ServerApiRoomTests
{
    [Fact]
    public async Task A_published_message_reaches_v1_members_with_via_api_and_seed_members_as_a_chat_message()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();
        await using var alice = await V1Client.HelloAsync(server.WebSocket, "alice");
        var joined = (await alice.JoinAsync("news")).Payload();
        await using var bob = await ChatClient.ConnectAsync(server.WebSocket);
        await bob.JoinAsync("bob");
        await bob.ExpectAsync("chat-join");
        await bob.ExpectAsync("chat-users");

        using var posted = await ApiServer.PostAsync(api, "news", """{"text":"  maintenance at 10:00  "}""");
        var body = await ApiServer.ReadJsonAsync(posted, 200);
        Assert.Equal("news", body.Str("room"));
        var offset = body.GetProperty("offset").GetInt64();
        Assert.Equal(joined.GetProperty("offset").GetInt64() + 1, offset);

        await alice.WaitForMessageAsync("news", m => m.Offset() == offset, "the API's message");
        var message = Assert.Single(alice.Messages("news"));
        V1Frames.AssertMessageShape(message);
        Assert.Equal(("server", "maintenance at 10:00", "api"), (message.Str("from"), message.Str("text"), message.Str("via")));
        Assert.False(message.TryGetProperty("cid", out _), message.GetRawText());

        // As someone else (a valid name), to the lobby: the seed protocol's members see a chat-message.
        using var asBot = await ApiServer.PostAsync(api, "lobby", """{"text":"hi all","from":"Ops Bot"}""");
        await ApiServer.ReadJsonAsync(asBot, 200);
        await bob.ExpectMessageAsync("Ops Bot", "hi all");

        // A member's own message carries no via.
        await alice.SendAsync("news", "thanks");
        await alice.WaitForMessagesAsync("news", 2);
        Assert.False(alice.Messages("news")[1].TryGetProperty("via", out _), alice.Messages("news")[1].GetRawText());
    }

    [Fact]
    public async Task A_repeated_cid_answers_the_same_body_and_the_room_keeps_one_message_per_key()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var backend = server.Api();
        using var ops = server.Api(ApiServer.OpsKey);

        using var first = await ApiServer.PostAsync(backend, "deploys", """{"text":"v1.2 is out","cid":"deploy-42"}""");
        var original = await first.Content.ReadAsStringAsync();
        using var again = await ApiServer.PostAsync(backend, "deploys", """{"text":"v1.2 is out (resent)","cid":"deploy-42"}""");
        Assert.Equal(original, await again.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, again.StatusCode);

        // Another key's cid is its own.
        using var other = await ApiServer.PostAsync(ops, "deploys", """{"text":"ops saw it","cid":"deploy-42"}""");
        var otherBody = await ApiServer.ReadJsonAsync(other, 200);
        Assert.NotEqual(JsonDocument.Parse(original).RootElement.GetProperty("offset").GetInt64(), otherBody.GetProperty("offset").GetInt64());

        using var history = await backend.GetAsync("api/rooms/deploys/messages");
        var page = await ApiServer.ReadJsonAsync(history, 200);
        var messages = Messages(page);
        Assert.Equal(["v1.2 is out", "ops saw it"], messages.Select(m => m.Str("text")));
        Assert.All(messages, m => Assert.Equal(("deploy-42", "api"), (m.Str("cid"), m.Str("via"))));
    }

    [Fact]
    public async Task The_reads_list_rooms_busiest_first_and_give_status_presence_and_history_pages()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();
        await using var alice = await V1Client.HelloAsync(server.WebSocket, "alice");
        await using var bob = await V1Client.HelloAsync(server.WebSocket, "bob");
        var joined = (await alice.JoinAsync("big")).Payload();
        await bob.JoinAsync("big");
        await bob.JoinAsync("small");
        for (var i = 1; i <= 3; i++)
        {
            await alice.SendAsync("big", $"message {i}");
        }

        // Busiest first; counts come from the rooms' reports, so wait for them.
        var deadline = DateTime.UtcNow + TestServer.Timeout;
        List<(string Room, int Members)> rooms;
        while (true)
        {
            using var listed = await api.GetAsync("api/rooms");
            var list = await ApiServer.ReadJsonAsync(listed, 200);
            rooms = [.. list.EnumerateArray().Select(r => (r.Str("room")!, r.GetProperty("members").GetInt32()))];
            if (rooms.Take(2).SequenceEqual([("big", 2), ("small", 1)]) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Equal([("big", 2), ("small", 1)], rooms.Take(2));

        using var status = await api.GetAsync("api/rooms/big");
        var info = await ApiServer.ReadJsonAsync(status, 200);
        Assert.Equal(("big", joined.Str("epoch"), 3L, 2), (info.Str("room"), info.Str("epoch"), info.GetProperty("offset").GetInt64(), info.GetProperty("memberCount").GetInt32()));

        using var presence = await api.GetAsync("api/rooms/big/presence");
        var present = await ApiServer.ReadJsonAsync(presence, 200);
        Assert.Equal(2, present.GetProperty("memberCount").GetInt32());
        Assert.Equal(
            [("alice", 1), ("bob", 1)],
            present.GetProperty("members").EnumerateArray().Select(m => (m.Str("name"), m.GetProperty("connections").GetInt32())));

        // History pages, as actorchat.v1's history payload.
        using var newest = await api.GetAsync("api/rooms/big/messages?limit=2");
        var page = await ApiServer.ReadJsonAsync(newest, 200);
        Assert.Equal(("big", true), (page.Str("room"), page.GetProperty("more").GetBoolean()));
        Assert.Equal([2L, 3L], Messages(page).Offsets());
        Assert.All(Messages(page), V1Frames.AssertMessageShape);
        using var older = await api.GetAsync("api/rooms/big/messages?before=2&limit=2");
        var olderPage = await ApiServer.ReadJsonAsync(older, 200);
        Assert.Equal([1L], Messages(olderPage).Offsets());
        Assert.False(olderPage.GetProperty("more").GetBoolean());

        // The lobby always exists.
        using var lobby = await api.GetAsync("api/rooms/lobby");
        Assert.Equal(0, (await ApiServer.ReadJsonAsync(lobby, 200)).GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task Reading_a_room_that_does_not_exist_is_404_and_does_not_create_it()
    {
        var folder = Directory.CreateTempSubdirectory("actorchat-api-");
        var database = Path.Combine(folder.FullName, "history.db");
        try
        {
            await using (var server = await ApiServer.StartWithApiAsync("--ActorChat:History:Provider=sqlite", $"--ActorChat:History:ConnectionString=Data Source={database}"))
            {
                using var api = server.Api();
                foreach (var path in new[] { "api/rooms/nowhere", "api/rooms/nowhere/presence", "api/rooms/nowhere/messages", "api/rooms/nowhere/messages?limit=1", "api/rooms/nowhere" })
                {
                    using var response = await api.GetAsync(path);
                    var problem = await ApiServer.ReadProblemAsync(response, 404);
                    Assert.Contains("nowhere", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                }

                using var listed = await api.GetAsync("api/rooms");
                Assert.DoesNotContain("nowhere", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

                // A post creates its room, as a join does; then it reads.
                using var posted = await ApiServer.PostAsync(api, "somewhere", """{"text":"first"}""");
                await ApiServer.ReadJsonAsync(posted, 200);
                using var read = await api.GetAsync("api/rooms/somewhere");
                Assert.Equal(1, (await ApiServer.ReadJsonAsync(read, 200)).GetProperty("offset").GetInt64());
            }

            // The journal, read from the file: the post's room is there, the read one is not.
            await using var sqlite = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            await sqlite.OpenAsync();
            Assert.True(await CountAsync(sqlite, "room-somewhere") >= 2, "The posted room's start and message are not in the journal.");
            Assert.Equal(0, await CountAsync(sqlite, "room-nowhere"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"text":""}""", "text")]
    [InlineData("""{"text":"   "}""", "text")]
    [InlineData("""{"from":"alice"}""", "text")]
    [InlineData("""{"text":42}""", "publish request")]
    [InlineData("""{"text":"hi",""", "publish request")]
    [InlineData("not json", "publish request")]
    [InlineData("null", "JSON object")]
    [InlineData("""{"text":"hi","from":""}""", "from")]
    [InlineData("""{"text":"hi","from":"a\u0007b"}""", "from")]
    [InlineData("""{"text":"hi","from":"Аlice and Bob"}""", "from")]
    [InlineData("""{"text":"hi","cid":""}""", "cid")]
    [InlineData("""{"text":"hi","replyTo":0}""", "replyTo")]
    [InlineData("""{"text":"hi","replyTo":999}""", "offset 999")]
    public async Task Bad_publish_input_is_a_problem(string body, string mentioned)
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();

        using var response = await ApiServer.PostAsync(api, "lobby", body);

        var status = mentioned == "offset 999" ? 404 : 400;
        var problem = await ApiServer.ReadProblemAsync(response, status);
        Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/rooms/lobby/messages?limit=0", "limit")]
    [InlineData("api/rooms/lobby/messages?limit=101", "limit")]
    [InlineData("api/rooms/lobby/messages?before=-1", "before")]
    [InlineData("api/rooms/Not_A_Room", "room name")]
    [InlineData("api/rooms/lobby/messages?limit=many", null)]
    [InlineData("api/rooms/lobby/nothing-here", null)]
    public async Task Bad_read_input_is_a_problem(string path, string? mentioned)
    {
        await using var server = await ApiServer.StartWithApiAsync();
        using var api = server.Api();

        using var response = await api.GetAsync(path);

        var problem = await ApiServer.ReadProblemAsync(response, path.EndsWith("nothing-here", StringComparison.Ordinal) ? 404 : 400);
        if (mentioned is not null)
        {
            Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_long_text_or_name_and_a_long_cid_are_problems()
    {
        await using var server = await ApiServer.StartWithApiAsync("--ActorChat:Limits:MaxMessageLength=10");
        using var api = server.Api();

        foreach (var (body, mentioned) in new[]
        {
            ("""{"text":"eleven char"}""", "at most 10"),
            ($$"""{"text":"hi","from":"{{new string('n', 33)}}"}""", "from"),
            ($$"""{"text":"hi","cid":"{{new string('c', 65)}}"}""", "cid"),
        })
        {
            using var response = await ApiServer.PostAsync(api, "lobby", body);
            var problem = await ApiServer.ReadProblemAsync(response, 400);
            Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Nobody_on_a_socket_can_take_the_name_server_or_one_like_it()
    {
        await using var server = await ApiServer.StartWithApiAsync();
        foreach (var name in new[] { "server", "Server", " SERVER ", "ｓｅｒｖｅｒ" })
        {
            await using var v1 = await V1Client.ConnectAsync(server.WebSocket);
            await v1.ExpectErrorAsync("hello", V1Client.Payload(("name", name)), "name-taken");
        }

        await using var renamer = await V1Client.HelloAsync(server.WebSocket, "carol");
        await renamer.ExpectErrorAsync("rename", V1Client.Payload(("name", "Server")), "name-taken");

        await using var seed = await ChatClient.ConnectAsync(server.WebSocket);
        await seed.JoinAsync("server");
        await seed.ExpectErrorAsync("name-taken");
    }

    /// <summary>The messages of a history page (the payload itself, not a frame).</summary>
    private static List<JsonElement> Messages(JsonElement page) => [.. page.GetProperty("messages").EnumerateArray()];

    private static async Task<long> CountAsync(SqliteConnection sqlite, string persistenceId)
    {
        await using var count = sqlite.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id = $id";
        count.Parameters.AddWithValue("$id", persistenceId);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
