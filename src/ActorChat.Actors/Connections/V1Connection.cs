using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Actors.Users;
using ActorChat.Protocol;
using ActorChat.Protocol.V1;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// An <c>actorchat.v1</c> connection: one session (started or resumed with <c>hello</c> through the
/// session registry) in any number of rooms, each reached through the rooms' routing point by its
/// name. The connection holds the session's name and rooms; the rooms hold membership, history and
/// presence, and answer <c>joined</c>, <c>ack</c>, <c>history</c> and <c>left</c> themselves, already
/// encoded. Limits are per connection across all its rooms: the packet rate, name changes, and
/// <see cref="ChatSettings.MaxRoomsPerConnection"/>.
/// </summary>
internal sealed partial class V1Connection : ConnectionActor, IWithTimers
{
    private readonly V1Rooms _rooms = new();
    private readonly RequestRefs _renames = new();
    private string? _sessionId;
    private string _name = "";
    private string? _helloRef;
    private HelloRequest? _hello;
    private bool _helloPending;
    private bool _ended;

    public V1Connection(ConnectionContext context)
        : base(context)
    {
        Receive<SessionContract.Welcomed>(OnWelcomed);
        Receive<SessionContract.HelloRefused>(r =>
        {
            Timers.Cancel(HelloTimer);
            if (FallBackFromClaimedName(r, _hello))
            {
                return;
            }

            _helloPending = false;
            SendError(r.Code, r.Message, _helloRef);
            if (r.Code == ErrorCodes.InvalidToken)
            {
                // A user's session token without that user's token (SessionState.IsUserResumeByOther).
                CloseSocket(CloseCodes.InvalidToken, "invalid token", flushFirst: true);
            }
        });
        Receive<SessionContract.Renamed>(OnRenamed);
        Receive<SessionContract.RenameRefused>(r => SendError(r.Code, r.Message, _renames.Take(r.Request)));
        Receive<SessionContract.TakenOver>(_ => OnTakenOver());
        Receive<RoomContract.Entered>(OnEntered);
        Receive<RoomContract.Refused>(OnRefused);
        Receive<RoomContract.RoomStopped>(OnRoomStopped);
        Receive<RoomContract.Denied>(OnDenied);
        Receive<RoomContract.Removed>(OnRemoved);
        Receive<RoomContract.RoomList>(l => Enqueue(V1Protocol.EncodeRooms(l.Ref, l.Rooms)));
        Receive<Unanswered>(OnUnanswered);
        ReceiveIdentity();
        ReceiveUsers();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private protected override ReadOnlyMemory<byte> EncodeError(string code, string message, string? requestRef) =>
        V1Protocol.EncodeError(requestRef, code, message);

    private protected override string? RefOf(byte[] utf8)
    {
        // Decoding costs about as much as the frame's read did; the flood tolerance bounds how often.
        var (request, error) = V1Protocol.Decode(utf8);
        return request?.Ref ?? error?.Ref;
    }

    private protected override void OnClientClosed(int? code)
    {
        // A clean close ends the session at once (its rooms are left); any other keeps it for resuming.
        // A 1000 that only answers the server's own close (a drain's 1001/1012, which RFC 6455 lets
        // a client answer with any code) is not the client ending its session.
        if (code == CloseCodes.Normal && !Closing)
        {
            EndSession();
        }
    }

    private protected override void OnPacket(byte[] utf8)
    {
        var (request, error) = V1Protocol.Decode(utf8);
        if (request is null)
        {
            if (error!.Code == ErrorCodes.UnknownType)
            {
                Logger.UnknownType(Id, Address);
            }

            SendError(error.Code, error.Message, error.Ref);
            return;
        }

        Logger.PacketReceived(Id, Address, request.Type);
        if (request is HelloRequest hello)
        {
            OnHello(hello);
            return;
        }

        if (_sessionId is null || _helloPending)
        {
            SendError(ErrorCodes.NoSession, _helloPending ? "Wait for welcome before sending anything else." : "Say hello first.", request.Ref);
            return;
        }

        switch (request)
        {
            case JoinRequest join:
                OnJoin(join);
                break;
            case LeaveRequest leave:
                OnLeave(leave);
                break;
            case SendRequest send:
                OnSend(send);
                break;
            case HistoryRequest history:
                if (Entered(history.Room, history.Ref))
                {
                    Wiring.Rooms.Tell(new RoomContract.ReadHistory(history.Room, history.Before, history.Limit, history.Ref));
                }

                break;
            case RoomsRequest rooms:
                Wiring.RoomDirectory.Tell(new RoomContract.ListRooms(rooms.Ref));
                break;
            case RenameRequest rename when _nameFromToken:
                SendError(ErrorCodes.Forbidden, "The name is the one your token gives; it cannot be changed here.", rename.Ref);
                break;
            case RefreshRequest refresh:
                OnRefresh(refresh);
                break;
            case RenameRequest rename:
                if (TakeNameChange("Too many name changes; try again in a few seconds.", rename.Ref))
                {
                    // Numbered: the answers need not come in the order asked (SessionContract.Rename).
                    Wiring.Sessions.Tell(new SessionContract.Rename(_sessionId, rename.Name, _renames.Add(rename.Ref)));
                }

                break;
            case ConfigureRequest or GrantRequest or BansRequest or ModerateRequest or AuditRequest or DeleteRequest:
                OnGovernance(request);
                break;
            case ByeRequest:
                EndSession();
                CloseSocket(CloseCodes.Normal, "bye", flushFirst: true);
                break;
        }
    }

    private void OnHello(HelloRequest hello)
    {
        if (_sessionId is not null || _helloPending)
        {
            SendError(ErrorCodes.InvalidPacket, "This connection already has a session.", hello.Ref);
            return;
        }

        _helloPending = true;
        _helloRef = hello.Ref;
        _hello = hello;
        if (!CheckHelloToken(hello))
        {
            AskSession(hello, hello.Name);
        }
    }

    /// <summary>Asks the sessions for the hello's session, under <paramref name="name"/>.</summary>
    private void AskSession(HelloRequest hello, string name)
    {
        // The user, or the address of an anonymous one, banned server-wide: refused, and closed.
        if (ServerBans.Match(_user?.Id, Address, Wiring.Time.GetUtcNow()) is { } ban)
        {
            _helloPending = false;
            RefuseBanned(ban, hello.Ref);
            return;
        }

        Wiring.Sessions.Tell(new SessionContract.Hello(hello.Session, name, Resumable: true, _user?.Id));
        Timers.StartSingleTimer(HelloTimer, new Unanswered(null), Settings.AnswerTimeout);
    }

    private void OnWelcomed(SessionContract.Welcomed welcomed)
    {
        Timers.Cancel(HelloTimer);

        // The session is this connection's from now (a clean close ends it), though a user's
        // welcome waits for the user's rooms.
        _sessionId = welcomed.SessionId;
        _name = welcomed.Name;
        if (!AwaitUserRooms(welcomed))
        {
            CompleteWelcome(welcomed, []);
        }
    }

    /// <summary>Welcomes the client with the session's rooms and <paramref name="userRooms"/> (a user's, on every device).</summary>
    private void CompleteWelcome(SessionContract.Welcomed welcomed, IReadOnlyList<string> userRooms)
    {
        _helloPending = false;
        _welcoming = null;
        Metrics.Joined();

        // The rooms the session (or the user) is still a member of count toward the limit; the
        // client joins each again (with since) to get what it missed and its live messages.
        var rooms = WelcomeRooms(welcomed.Rooms, userRooms);
        _rooms.AddResumable(rooms);

        Enqueue(EncodeWelcome(welcomed with { Rooms = rooms }));
    }

    private void OnSend(SendRequest send)
    {
        if (!Entered(send.Room, send.Ref))
        {
            return;
        }

        var text = send.Text.Trim();
        if (text.Length == 0)
        {
            SendError(ErrorCodes.InvalidPacket, "A message needs some text.", send.Ref);
            return;
        }

        if (text.Length > Settings.MaxMessageLength)
        {
            SendError(ErrorCodes.MessageTooLong, $"A message can have at most {Settings.MaxMessageLength} characters.", send.Ref);
            return;
        }

        Metrics.MessageIn();
        var post = new RoomContract.Post(send.Room, _sessionId!, text, send.Cid, send.Ref);
        // Behind the posts the room refused while this connection re-enters it, in the client's order.
        switch (_rooms.HoldSent(post))
        {
            case HoldResult.Held:
                return;
            case HoldResult.Full:
                RefuseHeld(post);
                return;
        }

        Wiring.Rooms.Tell(post);
    }

    private void OnRefused(RoomContract.Refused refused)
    {
        // A post that reached the room before this connection's entry did: the room moved (handed
        // over to another node, or restarted) while the post was on its way. It is sent again once
        // the connection is back in (RoomStopped → Enter → Entered), ahead of what the client sent
        // since, so a hand-over costs the client nothing.
        if (refused is { Code: ErrorCodes.NotInRoom, Unposted: { } post } && !_ended
            && _rooms.HoldRefused(post) is var held and not HoldResult.NotHeld)
        {
            if (held == HoldResult.Full)
            {
                RefuseHeld(post);
            }

            return;
        }

        if (refused.Unposted is null)
        {
            // A refused join (its since could not be read now): answered, nothing more to wait for.
            Timers.Cancel(JoinTimer(refused.Room));
        }

        SendError(refused.Code, refused.Message, refused.Ref);
    }

    private void OnUnanswered(Unanswered unanswered)
    {
        var waiting = unanswered.Room is null
            ? _helloPending
            : _rooms.IsEntering(unanswered.Room);
        if (waiting && !_ended && !Closing)
        {
            // Sent to a node that died (its sessions' or the room's): nothing will answer. The
            // client resumes through another connection, as after any 1012.
            Logger.RequestUnanswered(Id, unanswered.Room ?? "hello", Settings.AnswerTimeout);
            CloseSocket(CloseCodes.ServiceRestart, "service restart", flushFirst: true);
        }
    }

    private void RefuseHeld(RoomContract.Post post) =>
        SendError(RoomContract.Unavailable, $"The room \"{post.Room}\" is moving; send again in a moment.", post.Ref);

    /// <summary>True when the connection has joined <paramref name="room"/>; otherwise answers <c>not-in-room</c>.</summary>
    private bool Entered(string room, string? requestRef)
    {
        // A join still on its way counts: the room answers it before anything sent after it.
        if (_rooms.IsJoined(room))
        {
            return true;
        }

        SendError(ErrorCodes.NotInRoom, $"Join the room \"{room}\" first.", requestRef);
        return false;
    }

    private void OnRenamed(SessionContract.Renamed renamed)
    {
        _name = renamed.Name;
        Metrics.Joined();
        foreach (var room in _rooms.Names)
        {
            Wiring.Rooms.Tell(new RoomContract.RenameMember(room, _sessionId!, renamed.Name));
        }

        Enqueue(V1Protocol.EncodeRenamed(_renames.Take(renamed.Request), renamed.Name));
    }

    private void OnTakenOver()
    {
        // The session now lives on another connection: this one speaks for it no more.
        _ended = true;
        _sessionId = null;
        _rooms.Clear();
        CloseSocket(CloseCodes.SessionTakenOver, "session taken over", flushFirst: true);
    }

    private void EndSession()
    {
        if (_sessionId is not null && !_ended)
        {
            _ended = true;
            Wiring.Sessions.Tell(new SessionContract.Goodbye(_sessionId));
        }
    }

    private const string HelloTimer = "hello";

    private static string JoinTimer(string room) => "join:" + room;

    /// <summary>The answer to the hello (null) or to the join of <paramref name="Room"/> is overdue. Node-local: a timer.</summary>
    private sealed record Unanswered(string? Room) : INoSerializationVerificationNeeded;
}
