namespace ActorChat.Host;

/// <summary>
/// A setting the server cannot start with. Its <see cref="Exception.Message"/> is the one line
/// <c>Program</c> prints to stderr before exiting with <see cref="ExitCode"/>, e.g.
/// <c>ActorChat:MaxFrameBytes = 10: must be between 256 and 16777216</c>.
/// </summary>
public sealed class InvalidSettingsException : Exception
{
    /// <summary>The process exit code for a setting the server cannot start with (2, as for a usage error).</summary>
    public const int ExitCode = 2;

    /// <param name="setting">The configuration path, e.g. <c>ActorChat:MaxFrameBytes</c>.</param>
    /// <param name="value">The value as given; null when the setting has none (a section, or a default).</param>
    /// <param name="rule">What the value must be, e.g. <c>must be between 256 and 16777216</c>.</param>
    public InvalidSettingsException(string setting, string? value, string rule)
        : base(Format(setting, value, rule))
    {
        Setting = setting;
        Value = value;
        Rule = rule;
    }

    /// <summary>The configuration path of the setting, e.g. <c>ActorChat:Limits:PacketBurst</c>.</summary>
    public string Setting { get; }

    /// <summary>The value as given, or null.</summary>
    public string? Value { get; }

    /// <summary>The rule the value breaks.</summary>
    public string Rule { get; }

    private static string Format(string setting, string? value, string rule)
    {
        var shown = value switch
        {
            null => "",
            "" => " = (empty)",

            // Keys and secrets are never shown, whatever went wrong with them (a misspelt name included).
            _ when IsSecret(setting) => " = ***",

            // One line, whatever was given.
            _ => " = " + value.ReplaceLineEndings(" "),
        };
        return $"{setting}{shown}: {rule}";
    }

    /// <summary>
    /// True for a setting that holds or may hold a secret: a part of its path names a key or a secret
    /// (<c>ApiKeys:0:Key</c>, <c>SigningKeys:0:Secret</c>, a misspelt <c>ApiKeys:0:Kee</c>), unless
    /// it is one of the names known to hold none (<c>ApiKeys:0:Id</c>).
    /// </summary>
    internal static bool IsSecret(string setting)
    {
        var parts = setting.Split(':');
        return parts[^1] is not ("Id" or "KeyId" or "Algorithm" or "PublicKeyFile")
            && parts.Any(part => part.Contains("key", StringComparison.OrdinalIgnoreCase) || part.Contains("secret", StringComparison.OrdinalIgnoreCase));
    }
}
