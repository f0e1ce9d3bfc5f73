using System.Net;
using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.History;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ActorChat.Host;

/// <summary>Wires ActorChat into a <see cref="WebApplication"/>: services, actors, and the request pipeline.</summary>
public static class ChatServer
{
    private const string LiveTag = "live";
    private const string ReadyTag = "ready";

    /// <summary>Creates the builder the way <c>Program</c> does; tests pass their own arguments.</summary>
    /// <exception cref="InvalidSettingsException">A setting, the listen URLs or the web root cannot be used.</exception>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // ASP.NET Core creates a web root that does not exist (empty, so every file is a 404):
        // check the one asked for before the builder does that.
        var hostSettings = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build();
        if (hostSettings[WebHostDefaults.WebRootKey] is { Length: > 0 } webRoot)
        {
            CheckWebRoot(webRoot, Path.Combine(AppContext.BaseDirectory, webRoot));
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddActorChat();
        return builder;
    }

    /// <summary>
    /// Adds ActorChat's services. Every setting is read and checked here, once, before anything
    /// starts.
    /// </summary>
    /// <exception cref="InvalidSettingsException">A setting, the listen URLs or the web root cannot be used.</exception>
    public static WebApplicationBuilder AddActorChat(this WebApplicationBuilder builder)
    {
        var options = ChatServerSettings.Read(builder.Configuration);
        CheckWebRoot(
            builder.Configuration[WebHostDefaults.WebRootKey],
            builder.Environment.WebRootPath ?? Path.Combine(builder.Environment.ContentRootPath, "wwwroot"));

        // Read once: the options do not follow configuration reloads.
        builder.Services.AddSingleton(Options.Create(options));

        // The token rules, keys loaded, once (every connection of the node shares the validator).
        builder.Services.AddSingleton(AuthSetup.For(options.Auth));

        // Kestrel gets every endpoint in code (ChatListeners), so it must not bind the URLs itself;
        // a non-empty but empty-listed value keeps it from falling back to ASPNETCORE_HTTP_PORTS.
        var listeners = ChatListeners.Create(builder.Configuration, options);
        builder.Services.AddSingleton(listeners);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, ";");

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            listeners.Listen(kestrel);
            kestrel.AddServerHeader = false;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 50;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });

        if (options.SocketSendBufferBytes > 0)
        {
            // Accepted sockets inherit the listening socket's buffer sizes.
            builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = endpoint =>
            {
                var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                socket.SendBufferSize = options.SocketSendBufferBytes;
                return socket;
            });
        }

        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            // Forwarded headers are read only from configured proxies: with no proxy known, ASP.NET
            // Core would otherwise take them from anyone.
            forwarded.ForwardedHeaders = options.KnownProxies.Length == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in options.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });

        builder.Services.AddSingleton<ConnectionGate>();
        builder.Services.AddSingleton(sp => new ChatMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddHostedService<DrainService>();

        // Draining, then leaving the cluster (each bounded) must fit in the host's shutdown.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout + DrainService.LeaveBound + TimeSpan.FromSeconds(10));

        builder.Services.AddChatApi(options);
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("actorchat"))
            .WithMetrics(metrics => metrics
            .AddMeter(ChatMetrics.MeterName)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
            .AddPrometheusExporter());

        var hocon = Path.Combine(AppContext.BaseDirectory, "hocon", "actorchat.hocon");
        builder.Services.AddAkka("actorchat", (akka, sp) =>
        {
            akka.AddHoconFile(hocon, HoconAddMode.Prepend)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })

                // The journal and snapshot store every persistent actor gets.
                .WithChatHistory(options, sp)

                // Every server is a cluster node: on its own, a cluster of one on loopback.
                .WithChatCluster(options, sp)
                .WithActorSystemLivenessCheck(tags: [LiveTag])
                .WithHealthCheck("chat", async (system, registry, ct) =>
                {
                    if (sp.GetRequiredService<ConnectionGate>().IsDraining)
                    {
                        return HealthCheckResult.Unhealthy("draining");
                    }

                    var gateway = await registry.GetAsync<ChatGateway>(ct).ConfigureAwait(false);
                    var status = await gateway.Ask<ChatGateway.Status>(ChatGateway.GetStatus.Instance, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                    var rooms = await registry.GetAsync<ChatCluster.RoomShardRegion>(ct).ConfigureAwait(false);
                    return await ChatCluster.ReadinessAsync(system, rooms, status.Connections, ct).ConfigureAwait(false);
                }, tags: [ReadyTag])
                .WithActors((system, registry) =>
                {
                    var chat = sp.GetRequiredService<IOptions<ChatServerOptions>>().Value;
                    var loggers = sp.GetRequiredService<ILoggerFactory>();
                    system.ActorOf(DeadLetterLog.Props(loggers.CreateLogger("ActorChat.Actors.DeadLetters")), DeadLetterLog.Name);
                    ChatCluster.StartNode(system, chat, loggers.CreateLogger("ActorChat.Host"));
                    LogAuth(loggers.CreateLogger("ActorChat.Host"), chat.Auth);
                    var node = ChatNode.Start(
                        system,
                        new ChatNodeSettings(chat.Cluster.Shards, chat.RoomLimits(), chat.RoomSettings(), chat.Limits, chat.Sessions.SessionTtl)
                        {
                            Auth = sp.GetRequiredService<ActorChat.Actors.Users.UserAuth>(),
                            Purge = HistoryPurge.For(system, chat.History),
                        },
                        loggers,
                        sp.GetRequiredService<ChatMetrics>());
                    registry.Register<ChatCluster.RoomShardRegion>(node.Rooms);
                    registry.Register<ChatGateway>(node.Gateway);
                    StartRetentionSweep(system, node.Rooms, chat, chat.RoomSettings(), loggers.CreateLogger("ActorChat.Actors.Rooms"));
                });
        });

        return builder;
    }

    /// <summary>How clients sign in: the mode and, outside anonymous mode, the issuer, audience and keys (never a secret).</summary>
    private static void LogAuth(ILogger logger, AuthOptions auth)
    {
        if (AuthSetup.ModeOf(auth) == ActorChat.Actors.Users.AuthMode.Anonymous)
        {
            logger.AuthAnonymous();
            return;
        }

        var keys = string.Join(", ", auth.SigningKeys.Select(k => k.KeyId is { Length: > 0 } id ? $"{k.Algorithm} ({id})" : k.Algorithm));
        logger.AuthTokens(auth.Mode, auth.Issuer ?? "(any)", auth.Audience ?? "(any)", keys, auth.ClockSkew, auth.ExpiryGrace);
    }

    /// <summary>
    /// Rooms asleep get retention by age too: a sweep wakes the store's rooms every
    /// <see cref="RoomSettings.RetentionInterval"/> (not for a memory store, which has no query).
    /// One per cluster (a singleton on the oldest node), as every room is reached through the region.
    /// </summary>
    private static void StartRetentionSweep(ActorSystem system, IActorRef rooms, ChatServerOptions chat, RoomSettings settings, ILogger logger)
    {
        if (HistoryQueries.PersistenceIds(system, chat.History) is not { } listIds)
        {
            return;
        }

        var sweeper = RoomRetentionSweeper.Props(rooms, listIds, settings, logger);
        system.ActorOf(
            ClusterSingletonManager.Props(sweeper, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system)),
            "retention-sweep");
    }

    /// <summary>
    /// Wires the history store (<see cref="HistoryHosting.WithChatHistory"/>). Akka.Hosting runs
    /// this callback when the app is being set up to start (its health checks ask for the actor
    /// system's builder), not when the settings are read: the SQLite file and its folder are created,
    /// or PostgreSQL is connected to, then. A file that cannot be created, or a database that cannot
    /// be connected to, is a setting the server cannot start with.
    /// </summary>
    /// <exception cref="InvalidSettingsException">The SQLite file or its folder cannot be created, opened or written; PostgreSQL cannot be connected to or is too old.</exception>
    private static AkkaConfigurationBuilder WithChatHistory(this AkkaConfigurationBuilder akka, ChatServerOptions options, IServiceProvider sp)
    {
        try
        {
            return akka.WithChatHistory(options.History, sp.GetRequiredService<ILoggerFactory>().CreateLogger("ActorChat.History"));
        }
        catch (HistoryStoreException unusable)
        {
            // Shown without its password: the line goes to stderr and from there to logs.
            throw new InvalidSettingsException($"{ChatServerOptions.Section}:{nameof(options.History)}:{nameof(options.History.ConnectionString)}", options.History.ShownConnectionString, unusable.Message);
        }
    }

    public static WebApplication UseActorChat(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ChatServerOptions>>().Value;
        var listeners = app.Services.GetRequiredService<ChatListeners>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorChat.Host");

        app.UseForwardedHeaders();
        var policy = ContentSecurityPolicy(options.Client.RefreshOrigin);
        app.Use((context, next) => SecurityHeaders(context, next, policy));
        if (listeners.SeparateManagement)
        {
            // Management paths only on the management listeners, everything else only on the chat ones.
            app.Use((context, next) =>
            {
                if (ChatListeners.OnManagementListener(context) == ChatListeners.IsManagementPath(context.Request.Path))
                {
                    return next(context);
                }

                logger.FileNotFound(context.Request.Path.ToString());
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        app.UseChatApiGate(listeners, options.Auth, logger);

        var (keepAliveInterval, keepAliveTimeout) = KeepAlive.Effective(options.KeepAliveInterval, options.KeepAliveTimeout);
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = keepAliveInterval,
            KeepAliveTimeout = keepAliveTimeout,
        });

        // The page and the socket share "/": upgrades are taken before the static files.
        app.UseMiddleware<ChatSocketMiddleware>();

        var files = new PhysicalFileProvider(Path.GetFullPath(app.Environment.WebRootPath));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = ctx => logger.FileServed(ctx.File.PhysicalPath ?? ctx.File.Name),
        });

        // Routing comes after the static files, so the 404 fallback never hides a file.
        app.UseRouting();
        app.UseRateLimiter();
        app.MapChatApi(options.Auth);
        app.MapClientConfig(options);
        app.MapHealthChecks("/healthz", new() { Predicate = check => check.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapFallback(context =>
        {
            logger.FileNotFound(context.Request.Path.ToString());
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var chat = listeners.Chat;
            logger.Listening(string.Join(", ", chat), chat.Count > 0 ? chat[0] : options.DefaultUrl);
            if (listeners.SeparateManagement)
            {
                logger.ManagementListening(string.Join(", ", ChatListeners.ManagementPaths), string.Join(", ", listeners.Management));
            }

            ChatApi.LogListening(logger, listeners, options.Auth);
        });

        return app;
    }

    /// <summary>A web root that does not exist would serve 404 for everything: refuse to start instead.</summary>
    /// <param name="given">The <c>webroot</c> setting (<c>--webroot</c>, <c>ASPNETCORE_WEBROOT</c>); null for the default.</param>
    private static void CheckWebRoot(string? given, string path)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new InvalidSettingsException(WebHostDefaults.WebRootKey, string.IsNullOrEmpty(given) ? null : given, $"no folder at {root}");
        }
    }

    /// <summary>
    /// The page's policy. connect-src 'self' covers the page's own ws:/wss: origin (CSP Level 3, as
    /// browsers do now); a bare ws: or wss: would let a script in the page open a socket to any
    /// host. An absolute <c>Client:TokenRefreshUrl</c> adds its one origin, which the page fetches.
    /// </summary>
    private static string ContentSecurityPolicy(string? refreshOrigin) =>
        $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{(refreshOrigin is null ? "" : " " + refreshOrigin)}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next, string policy)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = policy;
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }
}
