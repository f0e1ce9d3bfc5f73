using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using ActorChat.Actors;

namespace ActorChat.Host;

/// <summary>
/// The rules every setting must meet before the server starts: each number and duration within its
/// <see cref="RangeAttribute"/>, lists of origins, proxies and URLs well formed, and the rules that
/// tie settings together. The first rule broken becomes an <see cref="InvalidSettingsException"/>.
/// </summary>
internal static class ChatServerOptionsValidator
{
    /// <summary>Checks <paramref name="options"/>; <paramref name="given"/> holds the text of each value that was configured, by path, for the message.</summary>
    /// <param name="chatUrls">Where the chat listens (<c>urls</c>, or <c>ActorChat:DefaultUrl</c>), to check the management URLs against.</param>
    public static void Validate(ChatServerOptions options, IReadOnlyList<ChatListeners.Entry> chatUrls, IReadOnlyDictionary<string, string> given)
    {
        CheckRanges(options, ChatServerOptions.Section, given);

        foreach (var url in chatUrls)
        {
            if (!ChatListeners.TryParseChat(url.Text, out _, out var rule))
            {
                throw new InvalidSettingsException(url.Setting, url.Text, rule);
            }
        }

        for (var i = 0; i < options.AllowedOrigins.Length; i++)
        {
            if (!IsOrigin(options.AllowedOrigins[i]))
            {
                throw Invalid($"AllowedOrigins:{i}", options.AllowedOrigins[i], "must be * or an origin scheme://host[:port], e.g. https://chat.example.com");
            }
        }

        for (var i = 0; i < options.KnownProxies.Length; i++)
        {
            if (!TryParseIPAddress(options.KnownProxies[i], out _))
            {
                throw Invalid($"KnownProxies:{i}", options.KnownProxies[i], "must be an IP address, e.g. 10.0.0.1 or ::1");
            }
        }

        var listening = chatUrls.Select(u => (u.Setting, Address: ChatListeners.ParseChat(u.Text))).ToList();
        for (var i = 0; i < options.ManagementUrls.Length; i++)
        {
            var entry = options.ManagementUrls[i];
            if (!ChatListeners.TryParseManagement(entry, out var address, out var rule))
            {
                throw Invalid($"ManagementUrls:{i}", entry, rule);
            }

            if (listening.FirstOrDefault(l => ChatListeners.Overlap(l.Address, address)) is { Setting: not null } taken)
            {
                throw Invalid($"ManagementUrls:{i}", entry, $"port {address.Port} is already taken by {taken.Setting} ({taken.Address})");
            }

            listening.Add(($"{ChatServerOptions.Section}:ManagementUrls:{i}", address));
        }

        if (options.DrainTimeout < options.DrainWindow)
        {
            throw Invalid(nameof(options.DrainTimeout), options.DrainTimeout, $"must be at least DrainWindow ({Show(options.DrainWindow)}), so the last close of the drain is waited for");
        }

        if (options.Limits.MaxOutboundBytes < options.MaxFrameBytes)
        {
            throw Invalid($"Limits:{nameof(ChatSettings.MaxOutboundBytes)}", options.Limits.MaxOutboundBytes, $"must be at least MaxFrameBytes ({options.MaxFrameBytes}), so a message any client may send fits in a receiver's queue");
        }

        // The provider and, for a file or a database, the connection string (HistoryOptions holds
        // those rules). The connection string is shown as read but without its password, so it is
        // not taken from the text given.
        if (options.History.FindProblem() is { } history)
        {
            var setting = $"{nameof(options.History)}:{history.Setting}";
            throw history.Setting == nameof(options.History.Provider)
                ? Invalid(setting, options.History.Provider, history.Rule)
                : new InvalidSettingsException($"{ChatServerOptions.Section}:{setting}", options.History.ShownConnectionString, history.Rule);
        }

        CheckCluster(options.Cluster, options.History, Invalid);

        // The server API's keys: shown as *** whatever was given.
        if (options.Auth.FindApiProblem() is { } api)
        {
            throw new InvalidSettingsException($"{ChatServerOptions.Section}:{nameof(options.Auth)}:{api.Setting}", api.Shown, api.Rule);
        }
        // The mode, the keys (files read now), the audience outside anonymous mode.
        _ = AuthSetup.Rules(options.Auth);

        if (options.Client.FindProblem() is { } client)
        {
            throw Invalid($"{nameof(options.Client)}:{nameof(options.Client.TokenRefreshUrl)}", options.Client.TokenRefreshUrl!, client);
        }

        InvalidSettingsException Invalid(string name, object value, string rule)
        {
            var setting = $"{ChatServerOptions.Section}:{name}";
            return new InvalidSettingsException(setting, Given(setting, value, given), rule);
        }
    }

    /// <summary>The <c>ActorChat:Cluster</c> rules: where the node listens, the seed nodes' addresses, and a history every node shares.</summary>
    private static void CheckCluster(ChatClusterOptions cluster, ActorChat.History.HistoryOptions history, Func<string, object, string, InvalidSettingsException> invalid)
    {
        const string Section = nameof(ChatServerOptions.Cluster);
        if (string.IsNullOrWhiteSpace(cluster.Hostname))
        {
            throw invalid($"{Section}:{nameof(cluster.Hostname)}", cluster.Hostname, "must be a host name or IP address the other nodes can reach, e.g. 10.0.0.5");
        }

        // Binding every interface is fine, but the others need one address to reach this node at.
        if (string.IsNullOrWhiteSpace(cluster.PublicHostname) && cluster.Hostname.Trim() is "0.0.0.0" or "::" or "[::]")
        {
            throw invalid($"{Section}:{nameof(cluster.Hostname)}", cluster.Hostname, $"binds every interface: set ActorChat:{Section}:{nameof(cluster.PublicHostname)} to the address the other nodes reach this one at");
        }

        for (var i = 0; i < cluster.SeedNodes.Length; i++)
        {
            if (!TryParseSeedNode(cluster.SeedNodes[i], out _, out _))
            {
                throw invalid($"{Section}:{nameof(cluster.SeedNodes)}:{i}", cluster.SeedNodes[i], $"must be a node address akka.tcp://{ChatClusterOptions.SystemName}@HOST:PORT, e.g. akka.tcp://{ChatClusterOptions.SystemName}@10.0.0.5:4053");
            }
        }

        if (cluster.SeedNodes.Length == 0 || history.IsPostgreSql)
        {
            // A cluster of one may keep its history to itself (a node with its own history keeps
            // every other node out: ChatCluster).
            return;
        }

        // Every node reads and writes every room's history (a room moves when a node leaves or
        // dies), so the history must be one store all of them reach.
        var why = history.IsMemory
            ? "history kept in memory is lost with its node and never seen by the others"
            : "a SQLite file cannot be shared by nodes on different machines";
        throw invalid(
            $"{nameof(ChatServerOptions.History)}:{nameof(history.Provider)}",
            history.Provider,
            $"not with ActorChat:{Section}:{nameof(cluster.SeedNodes)} (joining other nodes): {why}; use ActorChat:History:Provider={ActorChat.History.HistoryOptions.PostgreSql}");
    }

    /// <summary>A seed node address, <c>akka.tcp://actorchat@host:port</c>: this system's name, a host, an explicit port, nothing else.</summary>
    internal static bool TryParseSeedNode(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var prefix = $"akka.tcp://{ChatClusterOptions.SystemName}@";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        // The authority only: a URI parser would take paths, queries and default ports.
        var authority = text[prefix.Length..];
        var colon = authority.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        host = authority[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else if (host.Length == 0 || Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            return false;
        }

        return int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }

    /// <summary>Every property with a <see cref="RangeAttribute"/>, nested settings classes included.</summary>
    private static void CheckRanges(object settings, string path, IReadOnlyDictionary<string, string> given)
    {
        foreach (var property in ChatServerSettings.Settings(settings.GetType()))
        {
            var setting = $"{path}:{property.Name}";
            var value = property.GetValue(settings);
            if (value is not null && ChatServerSettings.IsSection(property.PropertyType))
            {
                CheckRanges(value, setting, given);
                continue;
            }

            if (value is Array sections && ChatServerSettings.IsSectionList(property.PropertyType))
            {
                for (var i = 0; i < sections.Length; i++)
                {
                    CheckRanges(sections.GetValue(i)!, $"{setting}:{i}", given);
                }

                continue;
            }

            if (property.GetCustomAttributes(typeof(RangeAttribute), inherit: true) is [RangeAttribute range, ..] && !range.IsValid(value))
            {
                var rule = $"must be between {Show(range.Minimum)} and {Show(range.Maximum)}";
                if (value is TimeSpan)
                {
                    rule += " (a duration is hh:mm:ss[.fff]; a bare number means days)";
                }

                throw new InvalidSettingsException(setting, Given(setting, value!, given), rule);
            }
        }
    }

    /// <summary>The text given for <paramref name="setting"/>, with what a duration was read as when that differs.</summary>
    private static string Given(string setting, object value, IReadOnlyDictionary<string, string> given)
    {
        if (!given.TryGetValue(setting, out var text))
        {
            return Show(value);
        }

        return value is TimeSpan duration && text.Trim() != Show(duration)
            ? $"{text} (read as {Show(duration)})"
            : text;
    }

    private static string Show(object value) => value switch
    {
        // As a setting is written: 00:00:00.1 rather than 00:00:00.1000000.
        TimeSpan duration => duration.ToString(
            duration < TimeSpan.Zero || duration.Days > 0 ? "c" : duration.Ticks % TimeSpan.TicksPerSecond == 0 ? @"hh\:mm\:ss" : @"hh\:mm\:ss\.FFFFFFF",
            CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static bool IsOrigin(string entry) =>
        entry == "*"
        || (Uri.TryCreate(entry, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            && !entry.EndsWith('#') && !entry.EndsWith('?'));

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (not the shorthands such as <c>10.1</c> that <see cref="IPAddress.TryParse(string, out IPAddress)"/> also takes).</summary>
    internal static bool TryParseIPAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out address!) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return text.Count(c => c == '.') == 3 && IPAddress.TryParse(text, out address!);
    }
}
