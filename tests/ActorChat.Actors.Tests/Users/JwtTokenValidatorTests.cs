using System.Security.Cryptography;
using System.Text;
using ActorChat.Actors.Users;
using ActorChat.Protocol;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Actors.Tests.Users;

/// <summary>Every refusal of PROTOCOL-V1.1 Part A, against the real validator on a clock the test holds.</summary>
public sealed class JwtTokenValidatorTests : IDisposable
{
    private const string Audience = "actorchat";
    private const string Issuer = "https://id.example.com";
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly string _secret = TestTokens.NewSecret();
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private DateTimeOffset Now => _time.GetUtcNow();

    public void Dispose()
    {
        _rsa.Dispose();
        _ec.Dispose();
    }

    [Fact]
    public async Task A_valid_HS256_token_proves_its_user_with_name_roles_grants_and_expiry()
    {
        var validator = Validator(Hs());
        var token = TestTokens.Mint(
            TestTokens.Hs256(_secret),
            sub: "alice",
            expires: Now.AddHours(1),
            audience: Audience,
            name: "Alice",
            roles: ["actorchat-admin", "editor"],
            rooms: new Dictionary<string, object> { ["dev"] = "moderator", ["ops"] = "member", ["bad"] = "owner" });

        var check = await validator.ValidateAsync(token);

        var user = Assert.IsType<UserIdentity>(check.User);
        Assert.Equal("alice", user.Id);
        Assert.Equal("Alice", user.Name);
        Assert.True(user.IsAdmin);
        Assert.Equal(["admin"], user.Roles);
        Assert.Equal(Now.AddHours(1), user.ExpiresAt);
        Assert.Equal("moderator", user.RoomGrants["dev"]);
        Assert.Equal("member", user.RoomGrants["ops"]);
        Assert.False(user.RoomGrants.ContainsKey("bad"));
    }

    [Fact]
    public async Task A_generic_admin_role_is_no_server_admin_but_a_listed_admin_is()
    {
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: "bob", expires: Now.AddHours(1), audience: Audience, roles: ["admin"]);

        Assert.False((await Validator(Hs()).ValidateAsync(token)).User!.IsAdmin);
        Assert.True((await Validator(Hs(), admins: ["bob"]).ValidateAsync(token)).User!.IsAdmin);
    }

    [Fact]
    public async Task RS256_and_ES256_tokens_verify_with_their_public_keys()
    {
        var validator = Validator(Rs(), Es());

        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Rs256(_rsa), expires: Now.AddHours(1), audience: Audience))).User);
        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Es256(_ec), expires: Now.AddHours(1), audience: Audience))).User);
    }

    [Fact]
    public async Task Alg_none_is_refused()
    {
        var token = TestTokens.Mint(null, expires: Now.AddHours(1), audience: Audience);
        Assert.EndsWith(".", token, StringComparison.Ordinal);

        await AssertInvalid(Validator(Hs(), Rs()), token);
    }

    [Fact]
    public async Task An_HS256_token_signed_with_the_RSA_public_key_is_refused()
    {
        // The algorithm-confusion attack: the public key is public, so anyone can HMAC with it.
        var pem = Encoding.UTF8.GetBytes(_rsa.ExportSubjectPublicKeyInfoPem());
        var token = TestTokens.Mint(TestTokens.Hs256(pem), expires: Now.AddHours(1), audience: Audience);

        await AssertInvalid(Validator(Rs()), token);
        await AssertInvalid(Validator(Rs(), Hs()), token);
        await AssertInvalid(Validator(new TokenKey(TokenKey.HS256, new SymmetricSecurityKey(pem), null)), TestTokens.Mint(TestTokens.Rs256(_rsa), expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_token_of_an_algorithm_no_key_has_is_refused()
    {
        await AssertInvalid(Validator(Hs()), TestTokens.Mint(TestTokens.Rs256(_rsa), expires: Now.AddHours(1), audience: Audience));
        await AssertInvalid(Validator(Rs()), TestTokens.Mint(TestTokens.Es256(_ec), expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var other = TestTokens.NewSecret();

        await AssertInvalid(Validator(Hs()), TestTokens.Mint(TestTokens.Hs256(other), expires: Now.AddHours(1), audience: Audience));
        using var otherRsa = RSA.Create(2048);
        await AssertInvalid(Validator(Rs()), TestTokens.Mint(TestTokens.Rs256(otherRsa), expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_token_whose_signature_was_changed_or_whose_payload_was_changed_is_refused()
    {
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), sub: "alice", expires: Now.AddHours(1), audience: Audience);
        var parts = token.Split('.');
        var flipped = parts[2][0] == 'A' ? 'B' + parts[2][1..] : 'A' + parts[2][1..];
        var forgedPayload = TestTokens.Mint(TestTokens.Hs256(TestTokens.NewSecret()), sub: "mallory", expires: Now.AddHours(1), audience: Audience).Split('.')[1];

        await AssertInvalid(Validator(Hs()), $"{parts[0]}.{parts[1]}.{flipped}");
        await AssertInvalid(Validator(Hs()), $"{parts[0]}.{forgedPayload}.{parts[2]}");
    }

    [Fact]
    public async Task Jwk_jku_x5u_and_x5c_headers_are_never_used()
    {
        // The attacker signs with its own key and names it in the header: nothing reads it.
        var attacker = TestTokens.NewSecret();
        var header = new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object> { ["kty"] = "oct", ["k"] = Base64UrlEncoder.Encode(Convert.FromBase64String(attacker)) },
            ["jku"] = "https://attacker.example/keys",
            ["x5u"] = "https://attacker.example/cert",
        };

        await AssertInvalid(Validator(Hs()), TestTokens.Mint(TestTokens.Hs256(attacker), expires: Now.AddHours(1), audience: Audience, header: header));
    }

    [Fact]
    public async Task Expired_beyond_the_skew_is_token_expired_and_inside_it_is_valid()
    {
        var validator = Validator(Hs());

        var inside = await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now - Skew + TimeSpan.FromSeconds(1), audience: Audience));
        var outside = await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now - Skew - TimeSpan.FromSeconds(1), audience: Audience));

        Assert.NotNull(inside.User);
        Assert.Null(outside.User);
        Assert.Equal(ErrorCodes.TokenExpired, outside.Code);
    }

    [Fact]
    public async Task The_same_token_turns_expired_when_the_clock_passes_exp_and_the_skew()
    {
        var validator = Validator(Hs());
        var token = TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddMinutes(1), audience: Audience);
        Assert.NotNull((await validator.ValidateAsync(token)).User);

        _time.Advance(TimeSpan.FromMinutes(1) + Skew - TimeSpan.FromSeconds(1));
        Assert.NotNull((await validator.ValidateAsync(token)).User);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ErrorCodes.TokenExpired, (await validator.ValidateAsync(token)).Code);
    }

    [Fact]
    public async Task Not_yet_valid_beyond_the_skew_is_refused_and_inside_it_is_valid()
    {
        var validator = Validator(Hs());

        var inside = await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), notBefore: Now + Skew - TimeSpan.FromSeconds(1), expires: Now.AddHours(1), audience: Audience));
        var outside = TestTokens.Mint(TestTokens.Hs256(_secret), notBefore: Now + Skew + TimeSpan.FromSeconds(1), expires: Now.AddHours(1), audience: Audience);

        Assert.NotNull(inside.User);
        await AssertInvalid(validator, outside);
    }

    [Fact]
    public async Task Issued_in_the_future_beyond_the_skew_is_refused()
    {
        var validator = Validator(Hs());

        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), issuedAt: Now + Skew - TimeSpan.FromSeconds(1), expires: Now.AddHours(1), audience: Audience))).User);
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret), issuedAt: Now + Skew + TimeSpan.FromSeconds(1), expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_wrong_or_missing_issuer_or_audience_is_refused()
    {
        var validator = Validator(Hs(), issuer: Issuer);
        var good = TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), issuer: Issuer, audience: Audience);
        Assert.NotNull((await validator.ValidateAsync(good)).User);

        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), issuer: "https://other.example.com", audience: Audience));
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), audience: Audience));
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), issuer: Issuer, audience: "another-app"));
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), issuer: Issuer));
    }

    [Fact]
    public async Task A_missing_exp_is_refused()
    {
        await AssertInvalid(Validator(Hs()), TestTokens.Mint(TestTokens.Hs256(_secret), expires: null, audience: Audience));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("129 characters")]
    [InlineData("a control character")]
    public async Task A_missing_empty_too_long_or_ill_formed_sub_is_refused(string sub)
    {
        var value = sub switch
        {
            "missing" => null,
            "empty" => "",
            "129 characters" => new string('a', 129),
            _ => "al\u0001ice",
        };

        await AssertInvalid(Validator(Hs()), TestTokens.Mint(TestTokens.Hs256(_secret), sub: value, expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_sub_of_128_characters_is_valid()
    {
        var check = await Validator(Hs()).ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), sub: new string('a', 128), expires: Now.AddHours(1), audience: Audience));

        Assert.Equal(128, check.User!.Id.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.!!!.abc")]
    [InlineData("....")]
    public async Task A_malformed_token_is_refused(string token)
    {
        await AssertInvalid(Validator(Hs()), token);
    }

    [Fact]
    public async Task Key_rotation_a_kid_picks_its_key_and_a_kid_that_names_no_key_is_refused()
    {
        var old = TestTokens.NewSecret();
        var validator = Validator(Hs(old, "k1"), Hs(_secret, "k2"));

        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(old, "k1"), expires: Now.AddHours(1), audience: Audience))).User);
        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret, "k2"), expires: Now.AddHours(1), audience: Audience))).User);

        // No kid: any key of the algorithm.
        Assert.NotNull((await validator.ValidateAsync(TestTokens.Mint(TestTokens.Hs256(_secret), expires: Now.AddHours(1), audience: Audience))).User);

        // The kid names the other key, or none.
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret, "k1"), expires: Now.AddHours(1), audience: Audience));
        await AssertInvalid(validator, TestTokens.Mint(TestTokens.Hs256(_secret, "k3"), expires: Now.AddHours(1), audience: Audience));
    }

    [Fact]
    public async Task A_refusal_never_quotes_the_token()
    {
        var token = TestTokens.Mint(TestTokens.Hs256(TestTokens.NewSecret()), expires: Now.AddHours(1), audience: Audience);

        var check = await Validator(Hs()).ValidateAsync(token);

        Assert.DoesNotContain(token.Split('.')[1][..10], check.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2][..10], check.Reason, StringComparison.Ordinal);
    }

    private static async Task AssertInvalid(JwtTokenValidator validator, string token)
    {
        var check = await validator.ValidateAsync(token);
        Assert.True(check.User is null, $"Accepted: {check.User}");
        Assert.Equal(ErrorCodes.InvalidToken, check.Code);
    }

    private JwtTokenValidator Validator(params TokenKey[] keys) => Validator(keys, issuer: null);

    private JwtTokenValidator Validator(TokenKey key, string? issuer = null, string[]? admins = null) => Validator([key], issuer, admins);

    private JwtTokenValidator Validator(TokenKey[] keys, string? issuer, string[]? admins = null) =>
        new(new TokenRules(keys, issuer, Audience, Skew, admins ?? [], "actorchat-admin"), _time);

    private TokenKey Hs(string? secret = null, string? keyId = null) =>
        new(TokenKey.HS256, new SymmetricSecurityKey(Convert.FromBase64String(secret ?? _secret)) { KeyId = keyId }, keyId);

    private TokenKey Rs()
    {
        // Only the public key, read from PEM as the host reads Auth:SigningKeys:N:PublicKeyFile.
        var rsa = RSA.Create();
        rsa.ImportFromPem(_rsa.ExportSubjectPublicKeyInfoPem());
        return new(TokenKey.RS256, new RsaSecurityKey(rsa), null);
    }

    private TokenKey Es()
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(_ec.ExportSubjectPublicKeyInfoPem());
        return new(TokenKey.ES256, new ECDsaSecurityKey(ec), null);
    }
}
