using System.Security.Cryptography;
using ActorChat.Actors.Users;
using Microsoft.Extensions.Configuration;

namespace ActorChat.Host.Tests;

/// <summary>
/// <c>ActorChat:Auth</c> read and checked at start: each bad setting is one line naming it (the
/// secret as <c>***</c>), and the <c>token</c> command prints a token the server accepts.
/// </summary>
public sealed class AuthSettingsTests
{
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    private static readonly string Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("ActorChat:Auth:Mode", "sometimes", "ActorChat:Auth:Mode = sometimes: must be anonymous, optional or required")]
    [InlineData("ActorChat:Auth:ClockSkew", "00:06:00", "ActorChat:Auth:ClockSkew = 00:06:00: must be between 00:00:00 and 00:05:00 (a duration is hh:mm:ss[.fff]; a bare number means days)")]
    [InlineData("ActorChat:Auth:ExpiryGrace", "02:00:00", "ActorChat:Auth:ExpiryGrace = 02:00:00: must be between 00:00:00 and 01:00:00 (a duration is hh:mm:ss[.fff]; a bare number means days)")]
    public void A_bad_auth_setting_is_one_line_naming_it(string setting, string value, string line)
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => Read((setting, value)));

        Assert.Equal(line, invalid.Message);
    }

    [Fact]
    public void Optional_or_required_mode_needs_a_key_and_an_audience()
    {
        var noKey = Assert.Throws<InvalidSettingsException>(() => Read(("ActorChat:Auth:Mode", "required"), ("ActorChat:Auth:Audience", "chat")));
        Assert.Equal("ActorChat:Auth:SigningKeys", noKey.Setting);

        var noAudience = Assert.Throws<InvalidSettingsException>(() => Read(
            ("ActorChat:Auth:Mode", "optional"),
            ("ActorChat:Auth:SigningKeys:0:Algorithm", "HS256"),
            ("ActorChat:Auth:SigningKeys:0:Secret", Secret)));
        Assert.Equal("ActorChat:Auth:Audience", noAudience.Setting);

        // Anonymous needs neither.
        Assert.Equal(AuthOptions.Anonymous, Read().Auth.Mode);
    }

    [Theory]
    [InlineData("c2hvcnQ=", "is 5 bytes; an HS256 secret needs at least 32")]
    [InlineData("not base64 at all!", "must be base64")]
    public void A_bad_secret_is_refused_and_never_shown(string secret, string rule)
    {
        var invalid = Assert.Throws<InvalidSettingsException>(() => Read(
            ("ActorChat:Auth:SigningKeys:0:Algorithm", "HS256"),
            ("ActorChat:Auth:SigningKeys:0:Secret", secret)));

        Assert.Equal($"ActorChat:Auth:SigningKeys:0:Secret = ***: {rule}", invalid.Message);
        Assert.DoesNotContain(secret, invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_that_is_missing_or_holds_no_key_of_its_algorithm_is_refused()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"actorchat-no-key-{Guid.NewGuid():N}.pem");
        var invalid = Assert.Throws<InvalidSettingsException>(() => Read(
            ("ActorChat:Auth:SigningKeys:0:Algorithm", "RS256"),
            ("ActorChat:Auth:SigningKeys:0:PublicKeyFile", missing)));
        Assert.Equal("ActorChat:Auth:SigningKeys:0:PublicKeyFile", invalid.Setting);
        Assert.Contains("cannot be read", invalid.Rule, StringComparison.Ordinal);

        var ecFile = Path.Combine(Path.GetTempPath(), $"actorchat-ec-{Guid.NewGuid():N}.pem");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(ecFile, ec.ExportSubjectPublicKeyInfoPem());
        try
        {
            var wrongKind = Assert.Throws<InvalidSettingsException>(() => Read(
                ("ActorChat:Auth:SigningKeys:0:Algorithm", "RS256"),
                ("ActorChat:Auth:SigningKeys:0:PublicKeyFile", ecFile)));
            Assert.Contains("holds no RSA public key", wrongKind.Rule, StringComparison.Ordinal);

            var rules = AuthSetup.Rules(Read(
                ("ActorChat:Auth:SigningKeys:0:Algorithm", "ES256"),
                ("ActorChat:Auth:SigningKeys:0:PublicKeyFile", ecFile),
                ("ActorChat:Auth:SigningKeys:0:KeyId", "ec-1")).Auth);
            Assert.Equal((TokenKey.ES256, "ec-1"), (rules.Keys.Single().Algorithm, rules.Keys.Single().KeyId));
        }
        finally
        {
            File.Delete(ecFile);
        }
    }

    [Fact]
    public void A_key_shown_anywhere_hides_its_secret()
    {
        var key = new SigningKeyOptions { Algorithm = "HS256", Secret = Secret };

        Assert.DoesNotContain(Secret, key.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", key.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_command_prints_a_token_the_server_accepts_and_exits()
    {
        var settings = new[]
        {
            "--ActorChat:Auth:Mode=required",
            "--ActorChat:Auth:Audience=actorchat",
            "--ActorChat:Auth:SigningKeys:0:Algorithm=HS256",
            $"--ActorChat:Auth:SigningKeys:0:Secret={Secret}",
        };

        var exited = await ServerProcess.RunToExitAsync(ProcessBound, ["token", "--sub", "alice", "--name", "Alice", "--roles", "admin", "--ttl", "10m", .. settings]);

        Assert.True(exited.ExitCode == 0, exited.ToString());
        var token = Assert.Single(exited.Stdout);
        var validator = AuthSetup.For(Read([.. settings.Select(s => s[2..].Split('=', 2)).Select(p => (p[0], p[1]))]).Auth).Validator!;
        var user = (await validator.ValidateAsync(token)).User!;
        Assert.Equal(("alice", "Alice", true), (user.Id, user.Name, user.IsAdmin));
        Assert.InRange(user.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task The_token_command_without_an_HS256_key_says_so_and_exits_2()
    {
        var exited = await ServerProcess.RunToExitAsync(ProcessBound, "token", "--sub", "alice");

        Assert.True(exited.ExitCode == InvalidSettingsException.ExitCode, exited.ToString());
        Assert.Contains(exited.Stderr, l => l.StartsWith("token: no HS256 key to sign with", StringComparison.Ordinal));
        Assert.Empty(exited.Stdout);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("00:05:00", 300)]
    public void Ttl_takes_a_unit_or_a_duration(string text, int seconds)
    {
        Assert.True(TokenCommand.TryParseTtl(text, out var ttl));
        Assert.Equal(TimeSpan.FromSeconds(seconds), ttl);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-1h")]
    [InlineData("soon")]
    [InlineData("400d")]
    public void Ttl_refuses_what_is_not_a_positive_duration(string text) => Assert.False(TokenCommand.TryParseTtl(text, out _));

    private static ChatServerOptions Read(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
        return ChatServerSettings.Read(configuration);
    }
}
