namespace ActorChat.Actors.Users;

/// <summary><c>ActorChat:Auth:Mode</c>: who may say <c>hello</c>.</summary>
public enum AuthMode
{
    /// <summary>The first part's behaviour: a token is ignored, everyone is anonymous.</summary>
    Anonymous,

    /// <summary>A valid token makes a user; no token, an anonymous member.</summary>
    Optional,

    /// <summary>Every <c>hello</c> needs a valid token.</summary>
    Required,
}

/// <summary>
/// What a connection needs of identity: the mode, the validator (null in <see cref="AuthMode.Anonymous"/>),
/// and how long after a token's <c>exp</c> an unrefreshed connection is closed.
/// </summary>
/// <param name="ClockSkew">Leeway on <c>exp</c> and <c>nbf</c>.</param>
/// <param name="ExpiryGrace">How long after <c>exp</c> an unrefreshed connection is closed (or after <paramref name="ClockSkew"/> if that is longer).</param>
public sealed record UserAuth(AuthMode Mode, ITokenValidator? Validator, TimeSpan ClockSkew, TimeSpan ExpiryGrace)
{
    /// <summary>The default: no tokens at all.</summary>
    public static readonly UserAuth Anonymous = new(AuthMode.Anonymous, null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(25));

    /// <summary>
    /// How long after <c>exp</c> a connection is closed with 4002 when no <c>refresh</c> came: a
    /// token accepted inside the skew is not closed at once.
    /// </summary>
    public TimeSpan CloseAfterExpiry => ClockSkew > ExpiryGrace ? ClockSkew : ExpiryGrace;

    /// <summary>How long a new <c>actorchat.v1</c> socket may go without a <c>hello</c> before it is closed with 4006 (10 s; shorter in tests).</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
