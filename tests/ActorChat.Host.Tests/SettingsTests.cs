using System.ComponentModel.DataAnnotations;
using System.Reflection;
using ActorChat.Actors;
using ActorChat.History;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorChat.Host.Tests;

/// <summary>
/// Every setting is checked at start: a bad one stops the server with one line naming the setting,
/// the value given and the rule (here as the <see cref="InvalidSettingsException"/> the builder
/// throws; <see cref="StartupRefusalProcessTests"/> runs the real process).
/// </summary>
public sealed class SettingsTests
{
    private const string DurationNote = " (a duration is hh:mm:ss[.fff]; a bare number means days)";

    private const string RefreshRule = "must be an absolute http(s) URL or a path starting with /, e.g. /auth/refresh or https://id.example.com/chat-token";

    public static TheoryData<string[], string> BadSettings => new()
    {
        // The issue's cases: a range, a duration with a unit, a bare number read as days, a proxy that is not an address.
        { ["--ActorChat:MaxFrameBytes=10"], "ActorChat:MaxFrameBytes = 10: must be between 256 and 16777216" },
        { ["--ActorChat:KeepAliveInterval=15s"], "ActorChat:KeepAliveInterval = 15s: must be a duration hh:mm:ss[.fff], e.g. 00:00:15" },
        { ["--ActorChat:KeepAliveTimeout=15"], "ActorChat:KeepAliveTimeout = 15 (read as 15.00:00:00): must be between 00:00:01 and 00:10:00" + DurationNote },
        { ["--ActorChat:KnownProxies:0=proxy.example.com"], "ActorChat:KnownProxies:0 = proxy.example.com: must be an IP address, e.g. 10.0.0.1 or ::1" },

        // Durations.
        { ["--ActorChat:DrainWindow=1"], "ActorChat:DrainWindow = 1 (read as 1.00:00:00): must be between 00:00:00 and 00:05:00" + DurationNote },
        { ["--ActorChat:CloseTimeout=00:00:00.05"], "ActorChat:CloseTimeout = 00:00:00.05: must be between 00:00:00.1 and 00:10:00" + DurationNote },
        { ["--ActorChat:KeepAliveInterval=-00:00:05"], "ActorChat:KeepAliveInterval = -00:00:05: must be between 00:00:01 and 00:10:00" + DurationNote },
        { ["--ActorChat:DrainTimeout=00:00:01"], "ActorChat:DrainTimeout = 00:00:01: must be at least DrainWindow (00:00:02), so the last close of the drain is waited for" },

        // Numbers.
        { ["--ActorChat:MaxConnections=lots"], "ActorChat:MaxConnections = lots: must be a whole number" },
        { ["--ActorChat:MaxConnections=1.5"], "ActorChat:MaxConnections = 1.5: must be a whole number" },
        { ["--ActorChat:MaxConnections=0"], "ActorChat:MaxConnections = 0: must be between 1 and 10000000" },
        { ["--ActorChat:ConnectionsPerSecondPerAddress=fast"], "ActorChat:ConnectionsPerSecondPerAddress = fast: must be a number, e.g. 0.5" },
        { ["--ActorChat:ConnectionBurstPerAddress=0"], "ActorChat:ConnectionBurstPerAddress = 0: must be between 1 and 1000000000" },
        { ["--ActorChat:SocketSendBufferBytes=-1"], "ActorChat:SocketSendBufferBytes = -1: must be between 0 and 67108864" },
        { ["--ActorChat:Limits:FloodTolerance=0"], "ActorChat:Limits:FloodTolerance = 0: must be between 1 and 1000000000" },
        { ["--ActorChat:Limits:PacketsPerSecond=-1"], "ActorChat:Limits:PacketsPerSecond = -1: must be between 0 and 1000000000" },
        { ["--ActorChat:Limits:NameChangesPerSecond=NaN"], "ActorChat:Limits:NameChangesPerSecond = NaN: must be a number, e.g. 0.5" },
        { ["--ActorChat:Limits:MaxNameLength=0"], "ActorChat:Limits:MaxNameLength = 0: must be between 1 and 1000" },
        { ["--ActorChat:Limits:MaxOutboundBytes=2000"], "ActorChat:Limits:MaxOutboundBytes = 2000: must be at least MaxFrameBytes (65536), so a message any client may send fits in a receiver's queue" },

        // Lists.
        { ["--ActorChat:KnownProxies=10.0.0.1,10.1"], "ActorChat:KnownProxies:1 = 10.1: must be an IP address, e.g. 10.0.0.1 or ::1" },
        { ["--ActorChat:AllowedOrigins:0=chat.example.com"], "ActorChat:AllowedOrigins:0 = chat.example.com: must be * or an origin scheme://host[:port], e.g. https://chat.example.com" },
        { ["--ActorChat:AllowedOrigins:0=https://chat.example.com/chat"], "ActorChat:AllowedOrigins:0 = https://chat.example.com/chat: must be * or an origin scheme://host[:port], e.g. https://chat.example.com" },

        // Shapes: a section given a value, a value given entries.
        { ["--ActorChat:Limits=3"], "ActorChat:Limits = 3: is a section: set its entries, e.g. ActorChat:Limits:MaxNameLength" },
        { ["--ActorChat:MaxFrameBytes:0=1024"], "ActorChat:MaxFrameBytes:0 = 1024: ActorChat:MaxFrameBytes takes one value, not a list or section" },
        { ["--ActorChat:KnownProxies:first=10.0.0.1"], "ActorChat:KnownProxies:first = 10.0.0.1: ActorChat:KnownProxies is a list of values: ActorChat:KnownProxies:0, ActorChat:KnownProxies:1, …" },

        // A cluster node: where it listens, whom it joins, and a history every node shares.
        { ["--ActorChat:Cluster:Enabled=true"], "ActorChat:Cluster:Enabled = true: no longer a setting: every server is a cluster node (a cluster of one unless ActorChat:Cluster:SeedNodes names others); remove it" },
        { ["--ActorChat:Cluster:Port=65536"], "ActorChat:Cluster:Port = 65536: must be between 0 and 65535" },
        { ["--ActorChat:Cluster:Port=-1"], "ActorChat:Cluster:Port = -1: must be between 0 and 65535" },
        { ["--ActorChat:Cluster:Shards=0"], "ActorChat:Cluster:Shards = 0: must be between 1 and 10000" },
        { ["--ActorChat:Cluster:Shards=10001"], "ActorChat:Cluster:Shards = 10001: must be between 1 and 10000" },
        { ["--ActorChat:Cluster:StableAfter=00:00:00"], "ActorChat:Cluster:StableAfter = 00:00:00: must be between 00:00:00.001 and 01:00:00" + DurationNote },
        { ["--ActorChat:Cluster:StableAfter=20"], "ActorChat:Cluster:StableAfter = 20 (read as 20.00:00:00): must be between 00:00:00.001 and 01:00:00" + DurationNote },
        { ["--ActorChat:Cluster:Hostname="], "ActorChat:Cluster:Hostname = (empty): must be a host name or IP address the other nodes can reach, e.g. 10.0.0.5" },
        { ["--ActorChat:Cluster:Hostname=0.0.0.0"], "ActorChat:Cluster:Hostname = 0.0.0.0: binds every interface: set ActorChat:Cluster:PublicHostname to the address the other nodes reach this one at" },
        { ["--ActorChat:Cluster:SeedNodes:0=127.0.0.1:4053"], "ActorChat:Cluster:SeedNodes:0 = 127.0.0.1:4053: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.tcp://other@127.0.0.1:4053"], "ActorChat:Cluster:SeedNodes:0 = akka.tcp://other@127.0.0.1:4053: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1"], "ActorChat:Cluster:SeedNodes:0 = akka.tcp://actorchat@127.0.0.1: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1:0"], "ActorChat:Cluster:SeedNodes:0 = akka.tcp://actorchat@127.0.0.1:0: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes=akka.tcp://actorchat@127.0.0.1:4053,akka.tcp://actorchat@127.0.0.1:4053/user"], "ActorChat:Cluster:SeedNodes:1 = akka.tcp://actorchat@127.0.0.1:4053/user: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.udp://actorchat@127.0.0.1:4053"], "ActorChat:Cluster:SeedNodes:0 = akka.udp://actorchat@127.0.0.1:4053: must be a node address akka.tcp://actorchat@HOST:PORT, e.g. akka.tcp://actorchat@10.0.0.5:4053" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1:4811"], "ActorChat:History:Provider = sqlite: not with ActorChat:Cluster:SeedNodes (joining other nodes): a SQLite file cannot be shared by nodes on different machines; use ActorChat:History:Provider=postgresql" },
        { ["--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1:4811", "--ActorChat:History:Provider=Memory"], "ActorChat:History:Provider = Memory: not with ActorChat:Cluster:SeedNodes (joining other nodes): history kept in memory is lost with its node and never seen by the others; use ActorChat:History:Provider=postgresql" },

        // The server API's keys: a key is never shown, whatever is wrong with it.
        { ["--ActorChat:Auth:ApiKeys:0:Id=backend", "--ActorChat:Auth:ApiKeys:0:Key=secret-but-short"], "ActorChat:Auth:ApiKeys:0:Key = ***: must be at least 32 characters (e.g. openssl rand -base64 32)" },
        { ["--ActorChat:Auth:ApiKeys:0:Id=backend"], "ActorChat:Auth:ApiKeys:0:Key = ***: must be at least 32 characters (e.g. openssl rand -base64 32)" },
        { ["--ActorChat:Auth:ApiKeys:0:Key=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys:0:Id = (empty): must be 1–64 characters of A-Z a-z 0-9 - _ . (the key's name in logs, e.g. backend)" },
        { ["--ActorChat:Auth:ApiKeys:0:Id=back end", "--ActorChat:Auth:ApiKeys:0:Key=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys:0:Id = back end: must be 1–64 characters of A-Z a-z 0-9 - _ . (the key's name in logs, e.g. backend)" },
        { ["--ActorChat:Auth:ApiKeys:0:Id=backend", "--ActorChat:Auth:ApiKeys:0:Key=0123456789abcdef0123456789abcdef", "--ActorChat:Auth:ApiKeys:1:Id=backend", "--ActorChat:Auth:ApiKeys:1:Key=fedcba9876543210fedcba9876543210"], "ActorChat:Auth:ApiKeys:1:Id = backend: is already the id of ActorChat:Auth:ApiKeys:0" },
        { ["--ActorChat:Auth:ApiKeys:0:Id=backend", "--ActorChat:Auth:ApiKeys:0:Key=0123456789abcdef0123456789abcdef", "--ActorChat:Auth:ApiKeys:1:Id=ops", "--ActorChat:Auth:ApiKeys:1:Key=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys:1:Key = ***: is the same key as ActorChat:Auth:ApiKeys:0 (each id needs its own)" },
        { ["--ActorChat:Auth:ApiKeys:0:Id=backend", "--ActorChat:Auth:ApiKeys:0:Kee=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys:0:Kee = ***: no such setting (the settings in ActorChat:Auth:ApiKeys:0 are Id, Key)" },
        { ["--ActorChat:Auth:ApiKeys=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys = ***: is a list of sections: set its entries, e.g. ActorChat:Auth:ApiKeys:0:Id" },
        { ["--ActorChat:Auth:ApiKeys:first:Key=0123456789abcdef0123456789abcdef"], "ActorChat:Auth:ApiKeys:first: ActorChat:Auth:ApiKeys is a list of sections: ActorChat:Auth:ApiKeys:0:Id, ActorChat:Auth:ApiKeys:1:…" },
        { ["--ActorChat:Auth:ApiRequestsPerSecond=0"], "ActorChat:Auth:ApiRequestsPerSecond = 0: must be between 1 and 1000000" },
        { ["--ActorChat:Auth:ApiRequestBurst=many"], "ActorChat:Auth:ApiRequestBurst = many: must be a whole number" },
        { ["--ActorChat:Auth:ApiOnAllInterfaces=yes"], "ActorChat:Auth:ApiOnAllInterfaces = yes: must be true or false" },

        // Where the page refreshes its token: an absolute http(s) URL or a path of the page's own origin.
        { ["--ActorChat:Client:TokenRefreshUrl=auth/refresh"], "ActorChat:Client:TokenRefreshUrl = auth/refresh: " + RefreshRule },
        { ["--ActorChat:Client:TokenRefreshUrl=//id.example.com/refresh"], "ActorChat:Client:TokenRefreshUrl = //id.example.com/refresh: " + RefreshRule },
        { ["--ActorChat:Client:TokenRefreshUrl=ftp://id.example.com/refresh"], "ActorChat:Client:TokenRefreshUrl = ftp://id.example.com/refresh: " + RefreshRule },
        { ["--ActorChat:Client:TokenRefreshUrl=javascript:alert(1)"], "ActorChat:Client:TokenRefreshUrl = javascript:alert(1): " + RefreshRule },
        { ["--ActorChat:Client:TokenRefreshUrl=/auth/re fresh"], "ActorChat:Client:TokenRefreshUrl = /auth/re fresh: " + RefreshRule },

        // Where to listen.
        { ["--urls", "nonsense"], "urls = nonsense: must be a URL to listen on, e.g. http://0.0.0.0:3490" },
        { ["--urls", "http://localhost:0"], "urls = http://localhost:0: port 0 (any free port) needs an IP address, e.g. http://127.0.0.1:0" },
        { ["--urls", "http://127.0.0.1:3490/chat"], "urls = http://127.0.0.1:3490/chat: must not have a path" },
        { ["--ActorChat:DefaultUrl=localhost"], "ActorChat:DefaultUrl = localhost: must be a URL to listen on, e.g. http://0.0.0.0:3490" },
        { ["--ActorChat:ManagementUrls:0=https://127.0.0.1:9090"], "ActorChat:ManagementUrls:0 = https://127.0.0.1:9090: must be a port (meaning http://localhost:PORT) or http://HOST:PORT with HOST localhost, an IP address or *" },
        { ["--ActorChat:ManagementUrls:0=http://metrics.example.com:9090"], "ActorChat:ManagementUrls:0 = http://metrics.example.com:9090: must be a port (meaning http://localhost:PORT) or http://HOST:PORT with HOST localhost, an IP address or *" },
        { ["--ActorChat:ManagementUrls:0=localhost:9090"], "ActorChat:ManagementUrls:0 = localhost:9090: must be a port (meaning http://localhost:PORT) or http://HOST:PORT with HOST localhost, an IP address or *" },
        { ["--ActorChat:ManagementUrls:0=0"], "ActorChat:ManagementUrls:0 = 0: port 0 (any free port) needs an IP address, e.g. http://127.0.0.1:0" },
        { ["--ActorChat:ManagementUrls:0=http://127.0.0.1:9090/metrics"], "ActorChat:ManagementUrls:0 = http://127.0.0.1:9090/metrics: must not have a path" },
        { ["--ActorChat:ManagementUrls=3490"], "ActorChat:ManagementUrls:0 = 3490: port 3490 is already taken by ActorChat:DefaultUrl (http://localhost:3490)" },
        { ["--urls", "http://0.0.0.0:8080", "--ActorChat:ManagementUrls=9090,8080"], "ActorChat:ManagementUrls:1 = 8080: port 8080 is already taken by urls (http://0.0.0.0:8080)" },
        { ["--ActorChat:ManagementUrls=9090,http://127.0.0.1:9090"], "ActorChat:ManagementUrls:1 = http://127.0.0.1:9090: port 9090 is already taken by ActorChat:ManagementUrls:0 (http://localhost:9090)" },
        { ["--urls", "http://127.0.0.1:8080", "--ActorChat:ManagementUrls=http://127.0.0.1:8080"], "ActorChat:ManagementUrls:0 = http://127.0.0.1:8080: port 8080 is already taken by urls (http://127.0.0.1:8080)" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_stops_the_start_with_one_line_naming_the_setting_the_value_and_the_rule(string[] args, string line)
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(args));

        Assert.Equal(line, invalid.Message);
    }

    [Fact]
    public void A_misspelt_setting_is_refused_rather_than_ignored()
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--ActorChat:MaxFrameByte=131072"]));

        Assert.Equal("ActorChat:MaxFrameByte", invalid.Setting);
        Assert.StartsWith("ActorChat:MaxFrameByte = 131072: no such setting (the settings in ActorChat are DefaultUrl, AllowedOrigins, MaxFrameBytes, ", invalid.Message, StringComparison.Ordinal);

        var nested = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--ActorChat:Limits:PacketBursts=40"]));
        Assert.StartsWith("ActorChat:Limits:PacketBursts = 40: no such setting (the settings in ActorChat:Limits are MaxNameLength, ", nested.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_web_root_that_does_not_exist_is_refused_naming_its_full_path_and_is_not_created()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"actorchat-missing-{Guid.NewGuid():N}");

        var invalid = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--webroot", missing]));

        Assert.Equal($"webroot = {missing}: no folder at {missing}", invalid.Message);
        Assert.False(Directory.Exists(missing), "The missing web root was created.");

        var relative = Assert.Throws<InvalidSettingsException>(() => ChatServer.CreateBuilder(["--webroot", "no-such-client"]));
        Assert.Equal($"webroot = no-such-client: no folder at {Path.Combine(AppContext.BaseDirectory, "no-such-client")}", relative.Message);
    }

    [Fact]
    public async Task Values_at_the_edges_of_their_ranges_and_every_list_form_are_accepted()
    {
        var builder = ChatServer.CreateBuilder(
        [
            "--ActorChat:MaxFrameBytes=256",
            "--ActorChat:KeepAliveInterval=00:00:01",
            "--ActorChat:KeepAliveTimeout=00:10:00",
            "--ActorChat:CloseTimeout=00:00:00.1",
            "--ActorChat:DrainWindow=00:00:00",
            "--ActorChat:DrainTimeout=00:00:00",
            "--ActorChat:Limits:MaxOutboundBytes=1024",
            "--ActorChat:Limits:NameChangesPerSecond=0",
            "--urls", "http://127.0.0.1:8080",
            "--ActorChat:KnownProxies=10.0.0.1, ::1",
            "--ActorChat:AllowedOrigins:0=https://chat.example.com",
            "--ActorChat:AllowedOrigins:1=*",
            "--ActorChat:ManagementUrls=9090,http://[::1]:8080,http://127.0.0.2:3490",
            "--ActorChat:Cluster:Port=0",
            "--ActorChat:Cluster:Shards=10000",
            "--ActorChat:Cluster:StableAfter=00:00:00.001",
            "--ActorChat:Cluster:SeedNodes=akka.tcp://actorchat@10.0.0.5:4053, akka.tcp://actorchat@node-2.example.com:65535;akka.tcp://actorchat@[fd00::1]:1",

            // Joining other nodes needs a history they share.
            "--ActorChat:History:Provider=postgresql",
            "--ActorChat:History:ConnectionString=Host=127.0.0.1;Port=1;Database=chat;Username=chat",
        ]);
        await using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value;
        Assert.Equal(256, options.MaxFrameBytes);
        Assert.Equal(TimeSpan.FromSeconds(1), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), options.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.CloseTimeout);
        Assert.Equal(TimeSpan.Zero, options.DrainTimeout);
        Assert.Equal(1024, options.Limits.MaxOutboundBytes);
        Assert.Equal(0, options.Limits.NameChangesPerSecond);
        Assert.Equal(["10.0.0.1", "::1"], options.KnownProxies);
        Assert.Equal(["https://chat.example.com", "*"], options.AllowedOrigins);
        Assert.Equal(["9090", "http://[::1]:8080", "http://127.0.0.2:3490"], options.ManagementUrls);
        Assert.True(app.Services.GetRequiredService<ChatListeners>().SeparateManagement);
        Assert.Equal(0, options.Cluster.Port);
        Assert.Equal(10_000, options.Cluster.Shards);
        Assert.Equal(TimeSpan.FromMilliseconds(1), options.Cluster.StableAfter);
        Assert.Equal(["akka.tcp://actorchat@10.0.0.5:4053", "akka.tcp://actorchat@node-2.example.com:65535", "akka.tcp://actorchat@[fd00::1]:1"], options.Cluster.SeedNodes);
    }

    [Fact]
    public async Task A_cluster_node_on_postgresql_is_accepted_and_building_it_joins_nothing()
    {
        // Nothing listens on these ports: reading the settings and building must not try.
        await using var app = ChatServer.CreateBuilder(
        [
            "--ActorChat:Cluster:Hostname=10.0.0.5",
            "--ActorChat:Cluster:PublicHostname=chat-1.example.com",
            "--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1:1",
            "--ActorChat:History:Provider=postgresql",
            "--ActorChat:History:ConnectionString=Host=127.0.0.1;Port=1;Database=chat;Username=chat",
        ]).Build();

        var cluster = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value.Cluster;
        Assert.Equal("10.0.0.5", cluster.Hostname);
        Assert.Equal("chat-1.example.com", cluster.AdvertisedHostname);
        Assert.Equal(0, cluster.Port);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.StableAfter);
        Assert.Equal(100, cluster.Shards);
    }

    [Fact]
    public void Every_setting_reads_as_the_framework_binder_reads_it()
    {
        // A value other than the default for every setting, in the forms appsettings.json and the
        // environment use.
        var values = new Dictionary<string, string?>
        {
            ["ActorChat:DefaultUrl"] = "http://0.0.0.0:8080",
            ["ActorChat:AllowedOrigins:0"] = "https://chat.example.com",
            ["ActorChat:MaxFrameBytes"] = "131072",
            ["ActorChat:MaxConnections"] = "5000",
            ["ActorChat:MaxConnectionsPerAddress"] = "100",
            ["ActorChat:ConnectionsPerSecondPerAddress"] = "2.5",
            ["ActorChat:ConnectionBurstPerAddress"] = "40",
            ["ActorChat:SocketSendBufferBytes"] = "0",
            ["ActorChat:KeepAliveInterval"] = "00:00:20",
            ["ActorChat:KeepAliveTimeout"] = "00:00:10",
            ["ActorChat:CloseTimeout"] = "00:00:00.500",
            ["ActorChat:DrainWindow"] = "00:00:05",
            ["ActorChat:DrainTimeout"] = "00:00:30",
            ["ActorChat:KnownProxies:0"] = "10.0.0.1",
            ["ActorChat:KnownProxies:1"] = "fd00::1",
            ["ActorChat:ManagementUrls:0"] = "http://127.0.0.1:9090",
            ["ActorChat:Limits:MaxNameLength"] = "20",
            ["ActorChat:Limits:MaxMessageLength"] = "2000",
            ["ActorChat:Limits:MaxOutboundBytes"] = "2097152",
            ["ActorChat:Limits:PacketsPerSecond"] = "12.5",
            ["ActorChat:Limits:PacketBurst"] = "30",
            ["ActorChat:Limits:NameChangesPerSecond"] = "1",
            ["ActorChat:Limits:NameChangeBurst"] = "3",
            ["ActorChat:Limits:FloodTolerance"] = "60",
            ["ActorChat:Limits:MaxRoomsPerConnection"] = "7",
            ["ActorChat:Limits:AnswerTimeout"] = "00:01:33",
            ["ActorChat:Rooms:PresenceGrace"] = "00:00:05",
            ["ActorChat:Rooms:PresenceInterval"] = "00:00:00.100",
            ["ActorChat:Rooms:MaxPresenceList"] = "200",
            ["ActorChat:Rooms:RecoveryLimit"] = "300",
            ["ActorChat:Rooms:TailMessages"] = "400",
            ["ActorChat:Rooms:TailBytes"] = "1048576",
            ["ActorChat:Rooms:IdleTimeout"] = "00:10:00",
            ["ActorChat:Rooms:MaxBatchPosts"] = "100",
            ["ActorChat:Rooms:SnapshotEvery"] = "2000",
            ["ActorChat:Rooms:RetentionWakesPerSecond"] = "25",
            ["ActorChat:Sessions:SessionTtl"] = "00:05:00",
            ["ActorChat:History:Provider"] = "postgresql",
            ["ActorChat:History:ConnectionString"] = "Host=db.example.com;Database=chat;Username=chat",
            ["ActorChat:History:MaxMessagesPerRoom"] = "500",
            ["ActorChat:History:MaxAge"] = "7.00:00:00",
            ["ActorChat:History:PurgeAfter"] = "00:10:00",
            ["ActorChat:Cluster:Hostname"] = "10.0.0.5",
            ["ActorChat:Cluster:PublicHostname"] = "chat-1.example.com",
            ["ActorChat:Cluster:Port"] = "4811",
            ["ActorChat:Cluster:SeedNodes:0"] = "akka.tcp://actorchat@10.0.0.4:4811",
            ["ActorChat:Cluster:StableAfter"] = "00:00:07",
            ["ActorChat:Cluster:Shards"] = "30",
            ["ActorChat:Auth:ApiKeys:0:Id"] = "backend",
            ["ActorChat:Auth:ApiKeys:0:Key"] = "k3y-0f-the-backend-at-least-32-characters",
            ["ActorChat:Auth:ApiKeys:1:Id"] = "ops",
            ["ActorChat:Auth:ApiKeys:1:Key"] = "an0ther-key-for-the-ops-team-32-characters",
            ["ActorChat:Auth:ApiOnAllInterfaces"] = "true",
            ["ActorChat:Auth:ApiRequestsPerSecond"] = "5",
            ["ActorChat:Auth:ApiRequestBurst"] = "9",
            ["ActorChat:Auth:Mode"] = "optional",
            ["ActorChat:Auth:Issuer"] = "https://id.example.com",
            ["ActorChat:Auth:Audience"] = "actorchat",
            ["ActorChat:Auth:SigningKeys:0:Algorithm"] = "HS256",
            ["ActorChat:Auth:SigningKeys:0:Secret"] = Convert.ToBase64String(new byte[32]),
            ["ActorChat:Auth:SigningKeys:0:KeyId"] = "k1",
            ["ActorChat:Auth:ClockSkew"] = "00:01:00",
            ["ActorChat:Auth:ExpiryGrace"] = "00:00:40",
            ["ActorChat:Auth:Admins:0"] = "alice",
            ["ActorChat:Auth:AdminRole"] = "chat-admin",
            ["ActorChat:Client:TokenRefreshUrl"] = "https://id.example.com/chat-token",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var ours = ChatServerSettings.Read(configuration);
        var framework = configuration.GetSection(ChatServerOptions.Section).Get<ChatServerOptions>()!;
        var defaults = new ChatServerOptions();

        foreach (var (name, read, expected, fallback) in Settings.Compare(ours, framework, defaults))
        {
            Assert.True(Settings.Same(read, expected), $"{name}: read {Settings.Show(read)}, the framework binder reads {Settings.Show(expected)}");
            Assert.False(Settings.Same(read, fallback), $"{name}: the test should give it a value other than its default");
        }
    }

    [Fact]
    public void Every_number_and_duration_setting_has_a_range()
    {
        var unranged = typeof(ChatServerOptions).GetProperties().Concat(typeof(ChatSettings).GetProperties()).Concat(typeof(HistoryOptions).GetProperties())
            .Concat(typeof(RoomOptions).GetProperties()).Concat(typeof(SessionOptions).GetProperties()).Concat(typeof(ChatClusterOptions).GetProperties())
            .Concat(typeof(AuthOptions).GetProperties()).Concat(typeof(ClientOptions).GetProperties())
            .Where(p => p.SetMethod?.IsPublic == true && p.PropertyType != typeof(bool) && (p.PropertyType.IsPrimitive || p.PropertyType == typeof(TimeSpan)))
            .Where(p => p.GetCustomAttribute<RangeAttribute>() is null)
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}")
            .ToList();

        Assert.True(unranged.Count == 0, $"Settings without a [Range]: {string.Join(", ", unranged)}");
    }
}

/// <summary>The real server process: a bad setting prints one line to stderr, no stack trace, and exits 2.</summary>
public sealed class StartupRefusalProcessTests
{
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    [Theory]
    [InlineData("--ActorChat:MaxFrameBytes=10", "ActorChat:MaxFrameBytes = 10: must be between 256 and 16777216")]
    [InlineData("--ActorChat:KeepAliveInterval=15s", "ActorChat:KeepAliveInterval = 15s: must be a duration hh:mm:ss[.fff], e.g. 00:00:15")]
    [InlineData("--ActorChat:KnownProxies:0=proxy.example.com", "ActorChat:KnownProxies:0 = proxy.example.com: must be an IP address, e.g. 10.0.0.1 or ::1")]
    public async Task A_bad_setting_prints_one_line_and_the_process_exits_2(string setting, string line)
    {
        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "--urls", "http://127.0.0.1:0", setting);

        AssertRefused(exited, line);
    }

    [Fact]
    public async Task A_cluster_node_with_the_sqlite_history_prints_one_line_and_the_process_exits_2()
    {
        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "--urls", "http://127.0.0.1:0", "--ActorChat:History:Provider=sqlite", "--ActorChat:Cluster:SeedNodes:0=akka.tcp://actorchat@127.0.0.1:4811");

        AssertRefused(exited, "ActorChat:History:Provider = sqlite: not with ActorChat:Cluster:SeedNodes (joining other nodes): a SQLite file cannot be shared by nodes on different machines; use ActorChat:History:Provider=postgresql");
    }

    [Fact]
    public async Task A_missing_web_root_prints_its_full_path_and_the_process_exits_2()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"actorchat-missing-{Guid.NewGuid():N}");

        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "--urls", "http://127.0.0.1:0", "--webroot", missing);

        AssertRefused(exited, $"webroot = {missing}: no folder at {missing}");
        Assert.False(Directory.Exists(missing), "The missing web root was created.");
    }

    private static void AssertRefused(ServerProcess.Exited exited, string line)
    {
        Assert.True(exited.ExitCode == InvalidSettingsException.ExitCode, exited.ToString());
        Assert.True(exited.Stderr.SequenceEqual([line]), exited.ToString());
        Assert.True(exited.Stdout.Count == 0, exited.ToString());
        Assert.DoesNotContain(exited.Stdout.Concat(exited.Stderr), l => l.StartsWith("   at ", StringComparison.Ordinal));
    }
}

/// <summary>Compares settings objects property by property, nested sections included.</summary>
internal static class Settings
{
    public static IEnumerable<(string Name, object? A, object? B, object? C)> Compare(object a, object b, object c, string path = ChatServerOptions.Section)
    {
        foreach (var property in a.GetType().GetProperties().Where(p => p.SetMethod?.IsPublic == true))
        {
            var name = $"{path}:{property.Name}";
            if (ChatServerSettings.IsSection(property.PropertyType))
            {
                foreach (var nested in Compare(property.GetValue(a)!, property.GetValue(b)!, property.GetValue(c)!, name))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return (name, property.GetValue(a), property.GetValue(b), property.GetValue(c));
            }
        }
    }

    /// <summary>Equal values; lists entry by entry, and sections (an entry of <c>Auth:ApiKeys</c>) setting by setting.</summary>
    public static bool Same(object? a, object? b) => (a, b) switch
    {
        (Array x, Array y) => x.Length == y.Length && Enumerable.Range(0, x.Length).All(i => Same(x.GetValue(i), y.GetValue(i))),
        (not null, not null) when a.GetType() == b.GetType() && ChatServerSettings.IsSection(a.GetType()) => Compare(a, b, b).All(s => Same(s.A, s.B)),
        _ => Equals(a, b),
    };

    public static string Show(object? value) => value is Array list ? $"[{string.Join(", ", list.Cast<object?>().Select(Show))}]" : $"{value}";
}
