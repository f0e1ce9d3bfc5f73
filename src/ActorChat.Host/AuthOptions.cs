using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using ActorChat.Actors.Users;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Host;

/// <summary>
/// The <c>ActorChat:Auth</c> settings: whether <c>actorchat.v1</c> clients sign in with a token
/// (a JWT minted by the operator's backend), and how tokens are checked
/// (<see cref="JwtTokenValidator"/>). Checked at start with the other settings
/// (<see cref="AuthSetup.Rules"/>): a key that cannot be used stops the server with one line.
/// </summary>
public sealed partial class AuthOptions
{
    public const string Anonymous = "anonymous";
    public const string Optional = "optional";
    public const string Required = "required";

    /// <summary><c>anonymous</c> (tokens ignored), <c>optional</c> or <c>required</c>.</summary>
    public string Mode { get; set; } = Anonymous;

    /// <summary>The <c>iss</c> every token must carry; unset: not checked.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry; required outside <c>anonymous</c> mode.</summary>
    public string? Audience { get; set; }

    /// <summary>The keys tokens are signed with, each with its one algorithm.</summary>
    public SigningKeyOptions[] SigningKeys { get; set; } = [];

    /// <summary>Leeway on <c>exp</c>, <c>nbf</c> and <c>iat</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection whose token expired unrefreshed is closed this long after <c>exp</c> (or after <see cref="ClockSkew"/> if longer).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>User ids (<c>sub</c>) that are server admins.</summary>
    public string[] Admins { get; set; } = [];

    /// <summary>The <c>roles</c> claim value that makes a server admin.</summary>
    public string AdminRole { get; set; } = "actorchat-admin";
}

/// <summary>One of <c>ActorChat:Auth:SigningKeys</c>.</summary>
public sealed record SigningKeyOptions
{
    /// <summary><c>HS256</c>, <c>RS256</c> or <c>ES256</c>: the only algorithm this key verifies.</summary>
    public string? Algorithm { get; set; }

    /// <summary>HS256: the key, base64, at least 32 bytes. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>RS256 / ES256: a PEM file holding the public key (or a certificate's, or a key pair's).</summary>
    public string? PublicKeyFile { get; set; }

    /// <summary>When set, a token whose header has <c>kid</c> is checked only against the key with that id.</summary>
    public string? KeyId { get; set; }

    /// <summary>Never the secret, wherever a key is shown.</summary>
    public override string ToString() =>
        $"{{Algorithm = {Algorithm}, Secret = {(string.IsNullOrEmpty(Secret) ? "" : AuthSetup.Hidden)}, PublicKeyFile = {PublicKeyFile}, KeyId = {KeyId}}}";
}

/// <summary>Turns <see cref="AuthOptions"/> into what the actors use, refusing what cannot be used.</summary>
public static class AuthSetup
{
    /// <summary>How a secret appears in every message.</summary>
    public const string Hidden = "***";

    private const string Section = $"{ChatServerOptions.Section}:{nameof(ChatServerOptions.Auth)}";

    /// <summary>The mode <paramref name="options"/> names.</summary>
    /// <exception cref="InvalidSettingsException">Not one of the three.</exception>
    public static AuthMode ModeOf(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Mode.Trim().ToLowerInvariant() switch
        {
            AuthOptions.Anonymous => AuthMode.Anonymous,
            AuthOptions.Optional => AuthMode.Optional,
            AuthOptions.Required => AuthMode.Required,
            _ => throw new InvalidSettingsException($"{Section}:Mode", options.Mode, "must be anonymous, optional or required"),
        };
    }

    /// <summary>
    /// The rules tokens are checked by: every key loaded (files read now). Outside anonymous mode
    /// at least one key and an audience are needed.
    /// </summary>
    /// <exception cref="InvalidSettingsException">A setting of <c>ActorChat:Auth</c> cannot be used.</exception>
    public static TokenRules Rules(AuthOptions options)
    {
        var mode = ModeOf(options);
        var keys = new List<TokenKey>();
        for (var i = 0; i < options.SigningKeys.Length; i++)
        {
            keys.Add(Key(options.SigningKeys[i], $"{Section}:SigningKeys:{i}"));
        }

        var ids = keys.Where(k => k.KeyId is not null).GroupBy(k => k.KeyId).FirstOrDefault(g => g.Count() > 1);
        if (ids is not null)
        {
            throw new InvalidSettingsException($"{Section}:SigningKeys", null, $"two keys have the KeyId \"{ids.Key}\"; each needs its own");
        }

        if (mode != AuthMode.Anonymous)
        {
            if (keys.Count == 0)
            {
                throw new InvalidSettingsException($"{Section}:SigningKeys", null, $"Auth:Mode {options.Mode} needs at least one signing key (ActorChat:Auth:SigningKeys:0:Algorithm and its Secret or PublicKeyFile)");
            }

            if (string.IsNullOrWhiteSpace(options.Audience))
            {
                throw new InvalidSettingsException($"{Section}:Audience", options.Audience, $"is required with Auth:Mode {options.Mode}, so a token minted for another app does not sign in here");
            }
        }

        if (string.IsNullOrWhiteSpace(options.AdminRole))
        {
            throw new InvalidSettingsException($"{Section}:AdminRole", options.AdminRole, "must be a role name, e.g. actorchat-admin");
        }

        return new TokenRules(
            keys,
            string.IsNullOrWhiteSpace(options.Issuer) ? null : options.Issuer,
            string.IsNullOrWhiteSpace(options.Audience) ? null : options.Audience,
            options.ClockSkew,
            options.Admins.ToHashSet(StringComparer.Ordinal),
            options.AdminRole);
    }

    /// <summary>What the connections use: the mode and, outside anonymous mode, the validator.</summary>
    public static UserAuth For(AuthOptions options, TimeProvider? time = null)
    {
        var rules = Rules(options);
        var mode = ModeOf(options);
        return new UserAuth(mode, mode == AuthMode.Anonymous ? null : new JwtTokenValidator(rules, time), options.ClockSkew, options.ExpiryGrace);
    }

    private static TokenKey Key(SigningKeyOptions key, string setting)
    {
        var algorithm = TokenKey.Algorithms.FirstOrDefault(a => string.Equals(a, key.Algorithm?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidSettingsException($"{setting}:Algorithm", key.Algorithm, "must be HS256, RS256 or ES256");
        var keyId = string.IsNullOrWhiteSpace(key.KeyId) ? null : key.KeyId.Trim();
        if (algorithm == TokenKey.HS256)
        {
            if (!string.IsNullOrEmpty(key.PublicKeyFile))
            {
                throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, "is for RS256 and ES256 keys; an HS256 key has a Secret");
            }

            var bytes = Secret(key.Secret, $"{setting}:Secret");
            return new TokenKey(algorithm, new SymmetricSecurityKey(bytes) { KeyId = keyId }, keyId);
        }

        if (!string.IsNullOrEmpty(key.Secret))
        {
            throw new InvalidSettingsException($"{setting}:Secret", Hidden, $"is for HS256 keys; an {algorithm} key has a PublicKeyFile");
        }

        if (string.IsNullOrWhiteSpace(key.PublicKeyFile))
        {
            throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, $"an {algorithm} key needs the PEM file of its public key");
        }

        string pem;
        try
        {
            pem = File.ReadAllText(key.PublicKeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, $"cannot be read ({ex.Message})");
        }

        try
        {
            SecurityKey securityKey;
            if (algorithm == TokenKey.RS256)
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                if (rsa.KeySize < 2048)
                {
                    throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, $"holds a {rsa.KeySize}-bit RSA key; RS256 needs at least 2048 bits");
                }

                securityKey = new RsaSecurityKey(rsa) { KeyId = keyId };
            }
            else
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                if (ec.KeySize != 256)
                {
                    throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, $"holds a P-{ec.KeySize} key; ES256 needs a P-256 key");
                }

                securityKey = new ECDsaSecurityKey(ec) { KeyId = keyId };
            }

            return new TokenKey(algorithm, securityKey, keyId);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            var kind = algorithm == TokenKey.RS256 ? "RSA" : "EC P-256";
            throw new InvalidSettingsException($"{setting}:PublicKeyFile", key.PublicKeyFile, $"holds no {kind} public key in PEM form (-----BEGIN PUBLIC KEY-----)");
        }
    }

    /// <summary>An HS256 secret's bytes; the value is never shown, only <see cref="Hidden"/>.</summary>
    private static byte[] Secret(string? secret, string setting)
    {
        if (string.IsNullOrEmpty(secret))
        {
            throw new InvalidSettingsException(setting, null, $"an HS256 key needs a Secret: base64 of at least {TokenKey.MinSecretBytes} random bytes (e.g. openssl rand -base64 32)");
        }

        var buffer = new byte[secret.Length];
        if (!Convert.TryFromBase64String(secret.Trim(), buffer, out var length))
        {
            throw new InvalidSettingsException(setting, Hidden, "must be base64");
        }

        if (length < TokenKey.MinSecretBytes)
        {
            throw new InvalidSettingsException(setting, Hidden, $"is {length} bytes; an HS256 secret needs at least {TokenKey.MinSecretBytes}");
        }

        return buffer[..length];
    }
}
