namespace ActorChat.Host;

/// <summary>Host log events about settings and listeners (ids 1030–1049).</summary>
internal static partial class HostLog
{
    [LoggerMessage(1030, LogLevel.Information, "Management endpoints ({Paths}) on {Addresses} only")]
    public static partial void ManagementListening(this ILogger logger, string paths, string addresses);
}
