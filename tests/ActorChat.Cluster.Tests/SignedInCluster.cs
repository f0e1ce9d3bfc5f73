using System.Net.Http.Headers;
using System.Text;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// A <see cref="ThreeNodeCluster"/> whose nodes take tokens (<c>Auth:Mode</c> optional, one HS256
/// key shared by the three, as a backend would configure them) and serve the server API on a
/// management listener of their own (loopback, port 0) with one API key. A class fixture: a class
/// that kills a node has the cluster to itself.
/// </summary>
public sealed class SignedInCluster : IAsyncLifetime
{
    public const string Audience = "actorchat-cluster-tests";

    public const string ApiKey = "backend-0123456789abcdef0123456789abcdef";

    private static readonly string Secret = TestTokens.NewSecret();

    /// <summary>The cluster; its nodes' <see cref="ClusterNode.Management"/> is where the API is.</summary>
    public ThreeNodeCluster Cluster { get; } = new(
    [
        "--ActorChat:Auth:Mode=optional",
        $"--ActorChat:Auth:Audience={Audience}",
        "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
        $"--ActorChat:Auth:SigningKeys:0:Secret={Secret}",
        "--ActorChat:Auth:ApiKeys:0:Id=backend",
        $"--ActorChat:Auth:ApiKeys:0:Key={ApiKey}",
        "--ActorChat:ManagementUrls:0=http://127.0.0.1:0",
    ]);

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();

    /// <summary>A new token for user <paramref name="sub"/>, valid for an hour: every call mints another.</summary>
    public static string Token(string sub, string name) =>
        TestTokens.Mint(TestTokens.Hs256(Secret), sub: sub, name: name, expires: DateTimeOffset.UtcNow.AddHours(1), audience: Audience);

    /// <summary>A new connection to <paramref name="node"/>, signed in as <paramref name="sub"/> with a new token (a new session): welcomed.</summary>
    public static async Task<V1Client> SignInAsync(ClusterNode node, string sub, string name)
    {
        var client = await V1Client.ConnectAsync(node.WebSocket, $"{name} on {node.Name}");
        try
        {
            await client.ExpectReplyAsync("hello", V1Client.Payload(("name", name), ("token", Token(sub, name))), "welcome");
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of <paramref name="node"/>'s server API, with the key.</summary>
    public static HttpClient Api(ClusterNode node)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = node.Management, Timeout = TestTime.Timeout + ThreeNodeCluster.AnswerTimeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return http;
    }

    /// <summary>A JSON body.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
