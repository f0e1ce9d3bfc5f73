using System.Globalization;
using ActorChat.Actors.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Host;

/// <summary>
/// <c>ActorChat.Host token --sub alice --name Alice [--roles admin] [--ttl 1h]</c>: prints a token
/// signed with the first configured HS256 key (<c>ActorChat:Auth:SigningKeys</c>), for trying
/// sign-in out, and exits; the server does not start. The settings are read as the server reads
/// them (appsettings.json, the environment, <c>--ActorChat:…=…</c> arguments). A real backend
/// mints its own (README).
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";

    private const string Usage = "usage: token --sub ID [--name NAME] [--roles admin,…] [--ttl 1h] [--ActorChat:Setting=value …]";

    /// <summary>Runs the command; the exit code: 0 printed, 2 a bad argument or no key to sign with.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? sub = null, name = null, roles = null, ttl = null;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (arg)
            {
                case "--sub":
                    sub = Value();
                    break;
                case "--name":
                    name = Value();
                    break;
                case "--roles":
                    roles = Value();
                    break;
                case "--ttl":
                    ttl = Value();
                    break;
                default:
                    settings.Add(arg);
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(sub) || sub.Length > JwtTokenValidator.MaxSubjectLength)
        {
            error.WriteLine($"token: --sub must be a user id of 1–{JwtTokenValidator.MaxSubjectLength} characters; {Usage}");
            return InvalidSettingsException.ExitCode;
        }

        if (!TryParseTtl(ttl ?? "1h", out var lifetime))
        {
            error.WriteLine($"token: --ttl {ttl}: must be a positive duration such as 90s, 30m, 1h, 7d or 01:00:00");
            return InvalidSettingsException.ExitCode;
        }

        AuthOptions auth;
        try
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddJsonFile($"appsettings.{Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production"}.json", optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine([.. settings])
                .Build();
            auth = ChatServerSettings.Read(configuration).Auth;
        }
        catch (InvalidSettingsException invalid)
        {
            error.WriteLine(invalid.Message);
            return InvalidSettingsException.ExitCode;
        }
        catch (FormatException bad)
        {
            error.WriteLine($"token: {bad.Message}; {Usage}");
            return InvalidSettingsException.ExitCode;
        }

        var rules = AuthSetup.Rules(auth);
        if (rules.Keys.FirstOrDefault(k => k.Algorithm == TokenKey.HS256) is not { } key)
        {
            error.WriteLine("token: no HS256 key to sign with: set ActorChat:Auth:SigningKeys:0:Algorithm=HS256 and its Secret (base64 of at least 32 bytes); RS256 and ES256 tokens are minted with the private key, by your backend");
            return InvalidSettingsException.ExitCode;
        }

        output.WriteLine(Mint(key, rules, sub, name, Roles(roles, auth.AdminRole), lifetime, TimeProvider.System.GetUtcNow()));
        return 0;
    }

    /// <summary>A token for <paramref name="sub"/>, signed with <paramref name="key"/> (HS256), for the configured issuer and audience.</summary>
    public static string Mint(TokenKey key, TokenRules rules, string sub, string? name, IReadOnlyList<string> roles, TimeSpan lifetime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(rules);
        var claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = sub };
        if (!string.IsNullOrWhiteSpace(name))
        {
            claims["name"] = name;
        }

        if (roles.Count > 0)
        {
            claims["roles"] = roles.ToArray();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Issuer = rules.Issuer,
            Audience = rules.Audience,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>The roles claim: <c>admin</c> stands for <c>Auth:AdminRole</c>, so the command's admin is a server admin.</summary>
    private static string[] Roles(string? roles, string adminRole) =>
        roles is null
            ? []
            : [.. roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(r => r == "admin" ? adminRole : r).Distinct(StringComparer.Ordinal)];

    /// <summary><c>90s</c>, <c>30m</c>, <c>1h</c>, <c>7d</c>, or a duration <c>hh:mm:ss</c>.</summary>
    internal static bool TryParseTtl(string text, out TimeSpan ttl)
    {
        ttl = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1])
            && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && double.IsFinite(amount) && amount > 0)
        {
            ttl = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => TimeSpan.Zero,
            };
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
        {
            ttl = parsed;
        }

        return ttl > TimeSpan.Zero && ttl <= TimeSpan.FromDays(366);
    }
}
