namespace ActorChat.Host;

/// <summary>Host log events about signing in (ids 1090–1099). Secrets never appear in them.</summary>
internal static partial class HostLog
{
    [LoggerMessage(1090, LogLevel.Information, "Sign-in: anonymous (Auth:Mode anonymous; tokens are ignored)")]
    public static partial void AuthAnonymous(this ILogger logger);

    [LoggerMessage(1091, LogLevel.Information, "Sign-in: tokens {Mode}; issuer {Issuer}, audience {Audience}, keys {Keys}, clock skew {ClockSkew}, expiry grace {ExpiryGrace}")]
    public static partial void AuthTokens(this ILogger logger, string mode, string issuer, string audience, string keys, TimeSpan clockSkew, TimeSpan expiryGrace);
}
