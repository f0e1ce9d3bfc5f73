using System.Security.Cryptography;
using ActorChat.Actors.Users;
using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorChat.Benchmarks;

/// <summary>
/// What a signed-in <c>hello</c> costs before the connection does anything else: the server's own
/// <see cref="JwtTokenValidator"/> checking one token per algorithm it accepts, with the keys
/// configured as the host configures them (one key per algorithm, issuer and audience checked).
/// </summary>
/// <remarks>
/// The validator is the whole per-hello difference between a signed-in and an anonymous
/// connection (the rest of the hello path is the same), so µs per call here is the token's price;
/// <c>bench/run.sh</c>'s connect figures show it against the socket and session cost.
/// </remarks>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private const string Issuer = "https://auth.example";
    private const string Audience = "actorchat";
    private static readonly string[] Roles = ["member"];

    private JwtTokenValidator _validator = null!;
    private string _hs256 = null!;
    private string _rs256 = null!;
    private string _es256 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var secret = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        var rsa = new RsaSecurityKey(RSA.Create(2048));
        var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        _validator = new JwtTokenValidator(new TokenRules(
            [new TokenKey(TokenKey.HS256, secret, null), new TokenKey(TokenKey.RS256, rsa, null), new TokenKey(TokenKey.ES256, ec, null)],
            Issuer,
            Audience,
            TimeSpan.FromSeconds(30),
            [],
            "actorchat-admin"));
        _hs256 = Mint(new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));
        _rs256 = Mint(new SigningCredentials(rsa, SecurityAlgorithms.RsaSha256));
        _es256 = Mint(new SigningCredentials(ec, SecurityAlgorithms.EcdsaSha256));

        // A benchmark of refusals would measure nothing: check once that each token is accepted.
        foreach (var token in new[] { _hs256, _rs256, _es256 })
        {
            var check = _validator.ValidateAsync(token).GetAwaiter().GetResult();
            if (check.User is null)
            {
                throw new InvalidOperationException($"the benchmark's token was refused: {check.Code}: {check.Reason}");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public Task<TokenCheck> HS256() => _validator.ValidateAsync(_hs256);

    [Benchmark]
    public Task<TokenCheck> RS256() => _validator.ValidateAsync(_rs256);

    [Benchmark]
    public Task<TokenCheck> ES256() => _validator.ValidateAsync(_es256);

    private static string Mint(SigningCredentials credentials) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = "alice", ["name"] = "Alice", ["roles"] = Roles },
        Expires = DateTime.UtcNow.AddHours(1),
        IssuedAt = DateTime.UtcNow,
        Issuer = Issuer,
        Audience = Audience,
        SigningCredentials = credentials,
    });
}
