using ActorChat.Actors.Server;
using static ActorChat.Actors.Server.ServerControlContract;
using P = ActorChat.Actors.Serialization.Persisted;

namespace ActorChat.Actors.Serialization;

/// <summary>The server-wide acts as stored: one message, <c>ServerControlEvent</c>, under a manifest per kind.</summary>
public static partial class PersistedFormat
{
    public static byte[] WriteServerControlEvent(ServerControlEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var p = new P.ServerControlEvent { By = e.By, At = ToProto(e.At) };
        switch (e)
        {
            case ServerBanned { Ban: var ban }:
                p.BanId = ban.Id;
                SetOptional(ban.UserId, v => p.UserId = v);
                SetOptional(ban.Address, v => p.Address = v);
                SetOptional(ban.Reason, v => p.Reason = v);
                if (ban.Until is { } until)
                {
                    p.Until = ToProto(until);
                }

                break;
            case ServerUnbanned unbanned:
                p.BanId = unbanned.Id;
                break;
            case ServerDisconnected disconnected:
                SetOptional(disconnected.UserId, v => p.UserId = v);
                SetOptional(disconnected.SessionId, v => p.SessionId = v);
                SetOptional(disconnected.Reason, v => p.Reason = v);
                break;
            default:
                throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e));
        }

        return Google.Protobuf.MessageExtensions.ToByteArray(p);
    }

    /// <summary>Reads a server-wide act stored as <paramref name="kind"/>: <c>ban</c>, <c>unban</c> or <c>disconnect</c>.</summary>
    public static ServerControlEvent ReadServerControlEvent(byte[] bytes, string kind)
    {
        var p = Parse(P.ServerControlEvent.Parser, bytes);
        var at = FromProto(p.At);
        return kind switch
        {
            "ban" => new ServerBanned(new ServerBan(p.BanId, p.HasUserId ? p.UserId : null, p.HasAddress ? p.Address : null, at, p.Until is null ? null : FromProto(p.Until), p.HasReason ? p.Reason : null, p.By)),
            "unban" => new ServerUnbanned(p.BanId, at, p.By),
            "disconnect" => new ServerDisconnected(p.HasUserId ? p.UserId : null, p.HasSessionId ? p.SessionId : null, p.HasReason ? p.Reason : null, at, p.By),
            _ => throw Corrupt($"a server control event of unknown kind \"{kind}\""),
        };
    }

    /// <summary>The kind a server-wide act is stored as (its manifest names it).</summary>
    public static string KindOf(ServerControlEvent e) => e switch
    {
        ServerBanned => "ban",
        ServerUnbanned => "unban",
        ServerDisconnected => "disconnect",
        _ => throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e)),
    };

    private static void SetOptional(string? value, Action<string> set)
    {
        if (value is not null)
        {
            set(value);
        }
    }
}
