using ActorChat.Actors.Protocol;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Users;
using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// Identity (PROTOCOL-V1.1 Part A): the token of <c>hello</c> checked before the session is asked
/// for (off the actor's thread when the check is asynchronous: its answer comes back as a
/// message), the user kept for the connection's life and replaced whole by <c>refresh</c>, the
/// close with 4002 when the token expired unrefreshed, and the close with 4006 of a socket that
/// never said <c>hello</c>. Tokens are never logged, nor put in any message but their own check.
/// </summary>
internal sealed partial class V1Connection
{
    private const string HelloDeadlineTimer = "hello-deadline";
    private const string ExpiryTimer = "token-expiry";

    /// <summary>Who the connection's token proved (null: anonymous), as last validated.</summary>
    private UserIdentity? _user;

    /// <summary>The user's name is the token's <c>name</c> claim: <c>rename</c> is <c>forbidden</c>.</summary>
    private bool _nameFromToken;

    /// <summary>The hello's own name, tried when the claim's name is taken (null: none to fall back to).</summary>
    private string? _fallbackName;

    /// <summary>The token's <c>name</c> claim as the name rules read it, when it is asked for.</summary>
    private string? _claimedName;

    private UserAuth Auth => Wiring.Auth;

    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartSingleTimer(HelloDeadlineTimer, HelloDeadlinePassed.Instance, Auth.HelloTimeout);
    }

    private void ReceiveIdentity()
    {
        Receive<HelloChecked>(OnHelloChecked);
        Receive<RefreshChecked>(OnRefreshChecked);
        Receive<TokenExpiryDue>(OnTokenExpiryDue);
        Receive<HelloDeadlinePassed>(_ =>
        {
            if (_sessionId is null && !_helloPending && !Closing)
            {
                Logger.HelloTimedOut(Id, Address, Auth.HelloTimeout);
                CloseSocket(CloseCodes.HelloTimeout, "hello timeout", flushFirst: true);
            }
        });
    }

    /// <summary>
    /// The hello's token, by the mode: true when the hello goes on later (its token is being
    /// checked) or was refused; false when it goes on now, anonymous.
    /// </summary>
    private bool CheckHelloToken(HelloRequest hello)
    {
        // A hello after a refused one starts over: nothing of the earlier token stands.
        Timers.Cancel(HelloDeadlineTimer);
        Timers.Cancel(ExpiryTimer);
        (_user, _nameFromToken, _fallbackName, _claimedName) = (null, false, null, null);
        if (Auth.Mode == AuthMode.Anonymous || Auth.Validator is null || (hello.Token is null && Auth.Mode == AuthMode.Optional))
        {
            return false;
        }

        if (hello.Token is null)
        {
            _helloPending = false;
            Logger.HelloRefusedToken(Id, Address, ErrorCodes.AuthRequired, "no token");
            SendError(ErrorCodes.AuthRequired, "This server needs a token: say hello with payload.token.", hello.Ref);
            CloseSocket(CloseCodes.InvalidToken, "auth required", flushFirst: true);
            return true;
        }

        Check(hello.Token, check => new HelloChecked(hello, check));
        return true;
    }

    /// <summary>Validates <paramref name="token"/>; the answer comes back to this actor as the message <paramref name="answer"/> makes.</summary>
    private void Check(string token, Func<TokenCheck, object> answer)
    {
        Task<TokenCheck> check;
        try
        {
            check = Auth.Validator!.ValidateAsync(token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            check = Task.FromException<TokenCheck>(ex);
        }

        if (check.IsCompletedSuccessfully)
        {
            // The usual case (the keys are in memory): no continuation on the thread pool; the
            // answer queues behind what the mailbox already holds, as a piped one would.
            Self.Tell(answer(check.Result));
            return;
        }

        check.PipeTo(Self, success: answer, failure: _ => answer(TokenCheck.Refused(ErrorCodes.InvalidToken, "Invalid token: it could not be checked.")));
    }

    private void OnHelloChecked(HelloChecked checkedHello)
    {
        var (hello, check) = (checkedHello.Hello, checkedHello.Check);
        if (Closing)
        {
            return;
        }

        if (check.User is not { } user)
        {
            _helloPending = false;
            RefuseToken(check, hello.Ref);
            return;
        }

        _user = user;
        StartExpiryTimer(user);

        // The claim's name when it passes the name rules (and is free: else the hello's own).
        var name = hello.Name;
        if (user.Name is { } claimed && ChatRules.TryValidateName(claimed, Settings.MaxNameLength, out var normalized, out _, out _))
        {
            _nameFromToken = true;
            _fallbackName = hello.Name.Trim().Length > 0 ? hello.Name : null;
            _claimedName = normalized;
            name = normalized;
        }

        AskSession(hello, name);
    }

    /// <summary>
    /// A refused hello: true when it was the token's name that was taken and the hello's own name
    /// is tried instead.
    /// </summary>
    private bool FallBackFromClaimedName(SessionContract.HelloRefused refused, HelloRequest? hello)
    {
        if (refused.Code != ErrorCodes.NameTaken || _fallbackName is not { } own || hello is null)
        {
            return false;
        }

        _fallbackName = null;
        _nameFromToken = false;
        AskSession(hello, own);
        return true;
    }

    /// <summary>An invalid or expired token: the error, then the close (4003, or 4002 when it only expired).</summary>
    private void RefuseToken(TokenCheck check, string? requestRef)
    {
        var expired = check.Code == ErrorCodes.TokenExpired;
        Logger.HelloRefusedToken(Id, Address, check.Code!, check.Reason);
        SendError(check.Code!, check.Reason, requestRef);
        if (expired)
        {
            CloseSocket(CloseCodes.TokenExpired, "token expired", flushFirst: true);
        }
        else
        {
            CloseSocket(CloseCodes.InvalidToken, "invalid token", flushFirst: true);
        }
    }

    private void OnRefresh(RefreshRequest refresh)
    {
        if (_user is null || Auth.Validator is null)
        {
            SendError(ErrorCodes.Forbidden, "Only a user signed in with a token can refresh it.", refresh.Ref);
            return;
        }

        Check(refresh.Token, check => new RefreshChecked(refresh.Ref, check));
    }

    private void OnRefreshChecked(RefreshChecked refreshed)
    {
        if (Closing || _user is not { } current)
        {
            return;
        }

        if (refreshed.Check.User is not { } user)
        {
            // The connection keeps its old token until that one's expiry and grace.
            Logger.RefreshRefused(Id, Address, refreshed.Check.Code!, refreshed.Check.Reason);
            SendError(refreshed.Check.Code!, refreshed.Check.Reason, refreshed.Ref);
            return;
        }

        if (!string.Equals(user.Id, current.Id, StringComparison.Ordinal))
        {
            Logger.RefreshRefused(Id, Address, ErrorCodes.TokenMismatch, "a token of another user");
            SendError(ErrorCodes.TokenMismatch, "The token is another user's: sign in again on a new connection.", refreshed.Ref);
            CloseSocket(CloseCodes.InvalidToken, "token mismatch", flushFirst: true);
            return;
        }

        // Roles and grants come from the newest token; the name stays the session's.
        _user = user;
        StartExpiryTimer(user);
        Enqueue(V1Protocol.EncodeRefreshed(refreshed.Ref, user.ExpiresAt));
    }

    private void StartExpiryTimer(UserIdentity user)
    {
        var due = user.ExpiresAt + Auth.CloseAfterExpiry - Wiring.Time.GetUtcNow();
        Timers.StartSingleTimer(ExpiryTimer, new TokenExpiryDue(user.ExpiresAt), due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    private void OnTokenExpiryDue(TokenExpiryDue due)
    {
        if (_user is not { } user || user.ExpiresAt != due.ExpiresAt || Closing)
        {
            // Refreshed since: a later timer stands.
            return;
        }

        var late = user.ExpiresAt + Auth.CloseAfterExpiry - Wiring.Time.GetUtcNow();
        if (late > TimeSpan.Zero)
        {
            // A timer may fire early on a clock that moved; wait out the rest.
            Timers.StartSingleTimer(ExpiryTimer, due, late);
            return;
        }

        Logger.TokenExpiredClosing(Id, Address);
        SendError(ErrorCodes.TokenExpired, "The token has expired: get a new one, reconnect and resume.", null);
        CloseSocket(CloseCodes.TokenExpired, "token expired", flushFirst: true);
    }

    /// <summary>The welcome, with the user (id null when anonymous) and the token's expiry.</summary>
    private byte[] EncodeWelcome(SessionContract.Welcomed welcomed)
    {
        // Resumed, the session keeps the name it had: the token's only if that is it.
        _nameFromToken &= string.Equals(_claimedName, welcomed.Name, StringComparison.Ordinal);
        return V1Protocol.EncodeWelcome(
            _helloRef,
            welcomed.Token ?? "",
            welcomed.Name,
            welcomed.Resumed,
            welcomed.Rooms,
            _user?.Id,
            _user?.Roles ?? [],
            _user?.ExpiresAt);
    }

    /// <summary>The hello's token was checked (the validator → this connection). Node-local.</summary>
    private sealed record HelloChecked(HelloRequest Hello, TokenCheck Check) : INoSerializationVerificationNeeded;

    /// <summary>A refresh's token was checked. Node-local.</summary>
    private sealed record RefreshChecked(string? Ref, TokenCheck Check) : INoSerializationVerificationNeeded;

    /// <summary>The token that expires at <paramref name="ExpiresAt"/> is past its grace (a timer). Node-local.</summary>
    private sealed record TokenExpiryDue(DateTimeOffset ExpiresAt) : INoSerializationVerificationNeeded;

    /// <summary>The hello deadline passed (a timer). Node-local.</summary>
    private sealed record HelloDeadlinePassed : INoSerializationVerificationNeeded
    {
        public static readonly HelloDeadlinePassed Instance = new();
    }
}
