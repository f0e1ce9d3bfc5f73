using ActorChat.Actors.Protocol;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using ActorChat.Protocol.Beej;
using Akka.Actor;

namespace ActorChat.Actors.Connections;

/// <summary>
/// A <c>beej-chat-protocol</c> connection: a member of <c>lobby</c> only, as the original server had
/// one room. <c>chat-join</c> starts a session (not resumable: the protocol has no token) under its
/// name, in the one namespace shared with <c>actorchat.v1</c>, and enters the lobby; a later
/// <c>chat-join</c>, or a <c>chat-message</c> under another name, is a rename. Its messages are lobby
/// messages like any other (offsets, history), and the lobby encodes what it sends for this protocol.
/// </summary>
/// <remarks>
/// The session registry answers a join or a rename asynchronously; what the client sends meanwhile
/// waits (bounded) and is handled in order after the answer, so a <c>chat-message</c> right after a
/// <c>chat-join</c> goes out under the new name, as it did when one actor held every name. An
/// answer that does not come within <see cref="ChatSettings.AnswerTimeout"/> (the question went to
/// a node that died) closes the connection with 1012, as for <c>actorchat.v1</c>: waiting on would
/// hold the client for ever, and on a new connection its next <c>chat-join</c> reaches a living node.
/// </remarks>
internal sealed class BeejConnection : ConnectionActor, IWithTimers
{
    /// <summary>Packets held while the registry answers; the rate limit keeps a client far below this.</summary>
    internal const int MaxWaiting = 64;

    private readonly LinkedList<object> _waiting = new();
    private string? _sessionId;
    private string _username = "";
    private bool _asking;

    public BeejConnection(ConnectionContext context)
        : base(context)
    {
        Receive<SessionContract.Welcomed>(OnWelcomed);
        Receive<SessionContract.HelloRefused>(r => Answered(() => SendError(r.Code, r.Message, null)));
        Receive<SessionContract.Renamed>(OnRenamed);
        Receive<SessionContract.RenameRefused>(r => Answered(() => SendError(r.Code, r.Message, null)));
        Receive<RoomContract.Entered>(e => OnEntered(e));
        Receive<RoomContract.Refused>(r => SendError(r.Code, r.Message, null));
        Receive<RoomContract.RoomStopped>(_ => ReturnToLobby());
        Receive<RoomContract.Denied>(OnDenied);
        Receive<RoomContract.Removed>(r => Removed(r.Action));
        Receive<Unanswered>(_ => OnUnanswered());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PostStop()
    {
        // The original protocol's leave is shown at once. Told to the lobby, it arrives after this
        // connection's last messages (the same way they went); the lobby's death notice would not.
        if (_sessionId is not null)
        {
            Wiring.Rooms.Tell(new RoomContract.Leave(RoomNames.Lobby, _sessionId, null));
        }

        base.PostStop();
    }

    private protected override void OnPacket(byte[] utf8)
    {
        var (packet, error) = ChatProtocol.Decode(utf8);
        switch (packet)
        {
            case JoinPacket join:
                Logger.PacketReceived(Id, Address, PacketTypes.Join);
                if (TakeNameChange("Too many name changes; try again in a few seconds.", null))
                {
                    Handle(new WaitingJoin(join.Username));
                }

                break;
            case MessagePacket message:
                Logger.PacketReceived(Id, Address, PacketTypes.Message);
                OnMessage(message);
                break;
            default:
                if (error!.Code == ErrorCodes.UnknownType)
                {
                    Logger.UnknownType(Id, Address);
                }

                SendError(error.Code, error.Message, null);
                break;
        }
    }

    private protected override ReadOnlyMemory<byte> EncodeError(string code, string message, string? requestRef) =>
        ChatProtocol.EncodeError(_username, code, message);

    private void OnMessage(MessagePacket packet)
    {
        var text = packet.Message.Trim();
        if (text.Length == 0)
        {
            return;
        }

        if (text.Length > Settings.MaxMessageLength)
        {
            SendError(ErrorCodes.MessageTooLong, $"A message can have at most {Settings.MaxMessageLength} characters.", null);
            return;
        }

        Metrics.MessageIn();
        Handle(new WaitingSay(packet.Username.Trim(), text));
    }

    /// <summary>Handles a join or a message now, or after the registry's answer to the one in flight.</summary>
    private void Handle(object action)
    {
        if (_asking || _waiting.Count > 0)
        {
            if (_waiting.Count >= MaxWaiting)
            {
                Metrics.RateLimited();
                SendError(ErrorCodes.RateLimited, "Too many packets while your name is being checked; this one was dropped.", null);
                return;
            }

            _waiting.AddLast(action);
            return;
        }

        Run(action);
    }

    private void Run(object action)
    {
        switch (action)
        {
            case WaitingJoin join:
                Claim(join.Name);
                break;
            case WaitingSay say:
                Say(say.Claimed, say.Text);
                break;
            case WaitingPost post:
                Post(post.Text);
                break;
        }
    }

    /// <summary>Asks the registry for <paramref name="raw"/>: a new session before the first join, a rename after it.</summary>
    private void Claim(string raw)
    {
        // The bound name is NFC; a client may write it decomposed every time (the original page
        // sends its name box with each message). Only a name that differs in NFC is a change.
        if (_username.Length > 0 && ChatRules.Display(raw.Trim()) == _username)
        {
            return;
        }

        _asking = true;
        Wiring.Sessions.Tell(_sessionId is null
            ? new SessionContract.Hello(null, raw, Resumable: false)
            : new SessionContract.Rename(_sessionId, raw));
        Timers.StartSingleTimer(AnswerTimer, Unanswered.Instance, Settings.AnswerTimeout);
    }

    private void OnUnanswered()
    {
        if (_asking && !Closing)
        {
            // Nothing will answer. The original protocol has no resume: its client joins again on
            // a new connection, as after any 1012 (a node leaving).
            Logger.RequestUnanswered(Id, _sessionId is null ? PacketTypes.Join : "rename", Settings.AnswerTimeout);
            CloseSocket(CloseCodes.ServiceRestart, "service restart", flushFirst: true);
        }
    }

    private void Say(string claimed, string text)
    {
        if (_sessionId is null)
        {
            SendError(ErrorCodes.NotJoined, "Join the chat (chat-join) before sending messages.", null);
            return;
        }

        var differs = claimed != _username && ChatRules.Display(claimed) != _username;
        if (differs)
        {
            if (TakeNameChange("Too many name changes; the message was sent under your current name.", null))
            {
                // Posted right after the registry's answer, under whichever name it leaves.
                Claim(claimed);
                _waiting.AddFirst(new WaitingPost(text));
                return;
            }
        }

        Post(text);
    }

    private void Post(string text) =>
        Wiring.Rooms.Tell(new RoomContract.Post(RoomNames.Lobby, _sessionId!, text, Cid: null, Ref: null));

    private void OnWelcomed(SessionContract.Welcomed welcomed)
    {
        _sessionId = welcomed.SessionId;
        _username = welcomed.Name;
        Metrics.Joined();
        EnterLobby();
        Wiring.Sessions.Tell(new SessionContract.JoinedRoom(welcomed.SessionId, RoomNames.Lobby));
        Answered(null);
    }

    private void OnRenamed(SessionContract.Renamed renamed)
    {
        _username = renamed.Name;
        Metrics.Joined();
        Wiring.Rooms.Tell(new RoomContract.RenameMember(RoomNames.Lobby, _sessionId!, renamed.Name));
        Answered(null);
    }

    private void EnterLobby()
    {
        if (_sessionId is not null && !Closing)
        {
            // Anonymous, known by its session and its address (a ban by name holds against both).
            Wiring.Rooms.Tell(new RoomContract.Enter(RoomNames.Lobby, _sessionId, _username, Self, Subprotocols.Beej, null, null, null, new RoomContract.JoinIdentity(Address: Address)));
        }
    }

    /// <summary>The lobby's node died: it serves again from another node, which must hear of this connection.</summary>
    private protected override void OnRoomLost(string room) => ReturnToLobby();

    /// <summary>Its protocol knows no user or session: a server-wide ban of its address closes it with 4004.</summary>
    private protected override void OnServerBans()
    {
        if (ServerBans.Match(null, Address, Wiring.Time.GetUtcNow()) is { } ban)
        {
            CloseBanned(ban);
        }
    }

    /// <summary>A server disconnect names a user or a session, neither of which this protocol has.</summary>
    private protected override bool IsNamedBy(Server.ServerControlContract.DisconnectOrder order) => false;

    /// <summary>The lobby stopped or was lost: listen to it again, or enter it again (the original protocol has no history to recover).</summary>
    private void ReturnToLobby()
    {
        if (_sessionId is null)
        {
            Wiring.Rooms.Tell(new RoomContract.Listen(RoomNames.Lobby, Self, null));
        }
        else
        {
            EnterLobby();
        }
    }

    private void OnDenied(RoomContract.Denied denied)
    {
        if (denied.Join)
        {
            // Banned: its protocol has no other way to say it.
            Removed(denied.Code);
            return;
        }

        SendError(denied.Code, denied.Message, null);
    }

    /// <summary>Kicked or banned (or refused entry while banned): closed with 4004, the only way its protocol can say it.</summary>
    private void Removed(string why)
    {
        if (!Closing)
        {
            Logger.RemovedFromRoom(Id, RoomNames.Lobby, why);
            CloseSocket(CloseCodes.Removed, "removed from the room", flushFirst: true);
        }
    }

    private void OnEntered(RoomContract.Entered entered)
    {
        WatchRoom(entered.Room, Sender);
        foreach (var frame in entered.Frames)
        {
            Enqueue(frame);
        }
    }

    /// <summary>The registry answered: runs <paramref name="reply"/>, then what waited, until the next question.</summary>
    private void Answered(Action? reply)
    {
        _asking = false;
        Timers.Cancel(AnswerTimer);
        reply?.Invoke();
        while (!_asking && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            Run(first.Value);
        }
    }

    private const string AnswerTimer = "answer";

    /// <summary>The registry's answer is overdue. Node-local: a timer.</summary>
    private sealed record Unanswered : INoSerializationVerificationNeeded
    {
        public static readonly Unanswered Instance = new();
    }

    private sealed record WaitingJoin(string Name);

    private sealed record WaitingSay(string Claimed, string Text);

    /// <summary>A message held behind the rename it asked for: posted under the name the rename leaves.</summary>
    private sealed record WaitingPost(string Text);
}
