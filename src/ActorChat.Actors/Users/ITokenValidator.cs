namespace ActorChat.Actors.Users;

/// <summary>
/// Checks a token a client presented (<c>hello {token}</c>, <c>refresh {token}</c>) and says who it
/// proves. Behind an interface so connections know nothing of how tokens are checked
/// (<see cref="JwtTokenValidator"/> is the server's) and tests can stand in for it.
/// </summary>
public interface ITokenValidator
{
    /// <summary>
    /// The user <paramref name="token"/> proves, or why not. Never throws for a bad token; may
    /// complete at once. Thread-safe: every connection of the node shares one.
    /// </summary>
    Task<TokenCheck> ValidateAsync(string token);
}

/// <summary>A token's check: the <see cref="User"/> it proves, or a refusal <see cref="Code"/> (<c>invalid-token</c>, <c>token-expired</c>) and why, in words that never quote the token.</summary>
public sealed record TokenCheck(UserIdentity? User, string? Code, string Reason)
{
    public static TokenCheck Valid(UserIdentity user) => new(user, null, "");

    public static TokenCheck Refused(string code, string reason) => new(null, code, reason);
}
