using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Google.Protobuf;
using P = ActorChat.Actors.Serialization.Persisted;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// What rooms, sessions and names persist, to and from the Protocol Buffers schema
/// (<c>persisted.proto</c>, generated at build). The serializers name each by its manifest;
/// this only maps records to messages, so every stored field is declared once, in the schema.
/// </summary>
public static partial class PersistedFormat
{
    private static readonly UTF8Encoding StrictUtf8 = WireWriter.StrictUtf8;

    public static byte[] ToBytes(ChatMessage message) => ToProto(message).ToByteArray();

    public static byte[] ToBytes(StreamPosition position) => new P.StreamPosition { Epoch = position.Epoch, Offset = position.Offset }.ToByteArray();

    public static byte[] ToBytes(RoomEvent e) => e switch
    {
        HistoryStarted started => new P.HistoryStarted { Epoch = started.Epoch }.ToByteArray(),
        MessagePosted posted => ToProto(posted).ToByteArray(),
        HistoryTrimmed trimmed => new P.HistoryTrimmed { FirstKeptOffset = trimmed.FirstKeptOffset }.ToByteArray(),
        GovernanceEvent governance => ToProto(governance).ToByteArray(),
        _ => throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e)),
    };

    public static byte[] ToBytes(RoomSnapshot snapshot)
    {
        var proto = new P.RoomSnapshot
        {
            Room = snapshot.Room,
            Epoch = snapshot.Epoch,
            NextOffset = snapshot.NextOffset,
            FirstKeptOffset = snapshot.FirstKeptOffset,
            SequenceNr = snapshot.SequenceNr,
        };
        foreach (var kept in snapshot.Kept)
        {
            var k = new P.KeptMessage { Offset = kept.Offset, SequenceNr = kept.SequenceNr, At = ToProto(kept.At), Deleted = kept.Deleted };
            if (kept.Author is { } author)
            {
                k.Author = author;
            }

            if (kept.SessionId is { } sessionId)
            {
                k.SessionId = sessionId;
            }

            if (kept.Cid is { } cid)
            {
                if (IsUtf8(cid))
                {
                    k.Cid = cid;
                }
                else
                {
                    k.CidUtf16 = Utf16(cid);
                }
            }

            proto.Kept.Add(k);
        }

        foreach (var message in snapshot.Tail)
        {
            proto.Tail.Add(ToProto(message));
        }

        if (snapshot.Governance is { } governance)
        {
            proto.Governance = ToProto(governance);
        }

        foreach (var unpurged in snapshot.Unpurged ?? [])
        {
            proto.Unpurged.Add(new P.UnpurgedMessage { Offset = unpurged.Offset, SequenceNr = unpurged.SequenceNr, DeletedAt = ToProto(unpurged.DeletedAt) });
        }

        return proto.ToByteArray();
    }

    public static ChatMessage ReadChatMessage(byte[] bytes) => FromProto(Parse(P.ChatMessage.Parser, bytes));

    public static StreamPosition ReadStreamPosition(byte[] bytes)
    {
        var p = Parse(P.StreamPosition.Parser, bytes);
        return new StreamPosition(p.Epoch, p.Offset);
    }

    public static HistoryStarted ReadHistoryStarted(byte[] bytes) => new(Parse(P.HistoryStarted.Parser, bytes).Epoch);

    public static MessagePosted ReadMessagePosted(byte[] bytes)
    {
        var p = Parse(P.MessagePosted.Parser, bytes);
        return new MessagePosted(FromProto(p.Message ?? throw Corrupt("a posted message without its message")), p.SessionId, p.HasUserId ? p.UserId : null);
    }

    public static HistoryTrimmed ReadHistoryTrimmed(byte[] bytes) => new(Parse(P.HistoryTrimmed.Parser, bytes).FirstKeptOffset);

    public static RoomSnapshot ReadRoomSnapshot(byte[] bytes)
    {
        var p = Parse(P.RoomSnapshot.Parser, bytes);
        var kept = p.Kept.Select(k => new KeptMessage(
            k.Offset,
            k.SequenceNr,
            FromProto(k.At),
            k.HasSessionId ? k.SessionId : null,
            k.CidKindCase switch
            {
                P.KeptMessage.CidKindOneofCase.Cid => k.Cid,
                P.KeptMessage.CidKindOneofCase.CidUtf16 => FromUtf16(k.CidUtf16),
                _ => null,
            },
            k.HasAuthor ? k.Author : null,
            k.Deleted)).ToArray();
        UnpurgedMessage[]? unpurged = p.Unpurged.Count == 0 ? null : [.. p.Unpurged.Select(u => new UnpurgedMessage(u.Offset, u.SequenceNr, FromProto(u.DeletedAt)))];
        return new RoomSnapshot(p.Room, p.Epoch, p.NextOffset, p.FirstKeptOffset, p.SequenceNr, kept, [.. p.Tail.Select(FromProto)], p.Governance is { } g ? FromProto(g) : null, unpurged);
    }

    public static byte[] ToBytes(ISessionEvent e) => e switch
    {
        SessionEntity.SessionStarted m => WithUser(WithToken(new P.SessionStarted { Name = m.Name, Caseless = m.Caseless, Cased = m.Cased, Resumable = m.Resumable }, m.TokenHash), m.UserId).ToByteArray(),
        SessionEntity.SessionResumed m => Resumed(m).ToByteArray(),
        SessionEntity.SessionRenamed m => new P.SessionRenamed { Name = m.Name, Caseless = m.Caseless, Cased = m.Cased }.ToByteArray(),
        SessionEntity.RoomJoined m => new P.SessionRoom { Room = m.Room }.ToByteArray(),
        SessionEntity.RoomLeft m => new P.SessionRoom { Room = m.Room }.ToByteArray(),
        SessionEntity.SessionSnapshot m => Snapshot(m).ToByteArray(),
        NameEntity.NameHeld m => new P.NameHeld { SessionId = m.SessionId, Name = m.Name }.ToByteArray(),
        SessionEntity.SessionClosed or NameEntity.NameFreed => [],
        _ => throw new ArgumentException($"No stored format for {e.GetType()}.", nameof(e)),
    };

    public static SessionEntity.SessionStarted ReadSessionStarted(byte[] bytes)
    {
        var p = Parse(P.SessionStarted.Parser, bytes);
        return new(p.Name, p.Caseless, p.Cased, p.Resumable, p.HasTokenHash ? p.TokenHash.ToByteArray() : null, p.HasUserId ? p.UserId : null);
    }

    public static SessionEntity.SessionResumed ReadSessionResumed(byte[] bytes)
    {
        var p = Parse(P.SessionResumed.Parser, bytes);
        return new(p.TokenHash.ToByteArray(), p.HasPreviousTokenHash ? p.PreviousTokenHash.ToByteArray() : null);
    }

    public static SessionEntity.SessionRenamed ReadSessionRenamed(byte[] bytes)
    {
        var p = Parse(P.SessionRenamed.Parser, bytes);
        return new(p.Name, p.Caseless, p.Cased);
    }

    public static string ReadSessionRoom(byte[] bytes) => Parse(P.SessionRoom.Parser, bytes).Room;

    public static SessionEntity.SessionSnapshot ReadSessionSnapshot(byte[] bytes)
    {
        var p = Parse(P.SessionSnapshot.Parser, bytes);
        return new(
            p.Name,
            p.Caseless,
            p.Cased,
            p.Resumable,
            p.HasTokenHash ? p.TokenHash.ToByteArray() : null,
            p.Generation,
            [.. p.Rooms],
            p.Ended,
            p.HasPreviousTokenHash ? p.PreviousTokenHash.ToByteArray() : null,
            p.HasUserId ? p.UserId : null);
    }

    public static NameEntity.NameHeld ReadNameHeld(byte[] bytes)
    {
        var p = Parse(P.NameHeld.Parser, bytes);
        return new(p.SessionId, p.Name);
    }

    /// <summary>Checks that a message without fields has no bytes.</summary>
    public static T Empty<T>(byte[] bytes, T value) => bytes.Length == 0 ? value : throw Corrupt($"{bytes.Length} bytes where none belong");

    private static P.SessionStarted WithToken(P.SessionStarted started, byte[]? tokenHash)
    {
        if (tokenHash is not null)
        {
            started.TokenHash = ByteString.CopyFrom(tokenHash);
        }

        return started;
    }

    private static P.SessionStarted WithUser(P.SessionStarted started, string? userId)
    {
        if (userId is not null)
        {
            started.UserId = userId;
        }

        return started;
    }

    private static P.SessionResumed Resumed(SessionEntity.SessionResumed m)
    {
        var p = new P.SessionResumed { TokenHash = ByteString.CopyFrom(m.TokenHash) };
        if (m.PreviousTokenHash is { } previous)
        {
            p.PreviousTokenHash = ByteString.CopyFrom(previous);
        }

        return p;
    }

    private static P.SessionSnapshot Snapshot(SessionEntity.SessionSnapshot m)
    {
        var p = new P.SessionSnapshot { Name = m.Name, Caseless = m.Caseless, Cased = m.Cased, Resumable = m.Resumable, Generation = m.Generation, Ended = m.Ended };
        p.Rooms.Add(m.Rooms);
        if (m.TokenHash is { } token)
        {
            p.TokenHash = ByteString.CopyFrom(token);
        }

        if (m.PreviousTokenHash is { } previous)
        {
            p.PreviousTokenHash = ByteString.CopyFrom(previous);
        }

        if (m.UserId is { } user)
        {
            p.UserId = user;
        }

        return p;
    }

    private static P.ChatMessage ToProto(ChatMessage message)
    {
        var p = new P.ChatMessage { Room = message.Room, Offset = message.Offset, From = message.From, At = ToProto(message.At) };
        if (IsUtf8(message.Text))
        {
            p.Text = message.Text;
        }
        else
        {
            p.TextUtf16 = Utf16(message.Text);
        }

        if (message.Cid is { } cid)
        {
            if (IsUtf8(cid))
            {
                p.Cid = cid;
            }
            else
            {
                p.CidUtf16 = Utf16(cid);
            }
        }

        if (message.Via is { } via)
        {
            p.Via = via;
        }

        if (message.Deleted)
        {
            p.Deleted = true;
        }

        return p;
    }

    private static P.MessagePosted ToProto(MessagePosted posted)
    {
        var p = new P.MessagePosted { Message = ToProto(posted.Message), SessionId = posted.SessionId };
        if (posted.UserId is { } user)
        {
            p.UserId = user;
        }

        return p;
    }

    private static ChatMessage FromProto(P.ChatMessage p) => new(
        Room: p.Room,
        Offset: p.Offset,
        From: p.From,
        Text: p.TextKindCase == P.ChatMessage.TextKindOneofCase.TextUtf16 ? FromUtf16(p.TextUtf16) : p.Text,
        At: FromProto(p.At),
        Cid: p.CidKindCase switch
        {
            P.ChatMessage.CidKindOneofCase.Cid => p.Cid,
            P.ChatMessage.CidKindOneofCase.CidUtf16 => FromUtf16(p.CidUtf16),
            _ => null,
        },
        Via: p.HasVia ? p.Via : null,
        Deleted: p.HasDeleted && p.Deleted);

    private static P.Timestamp ToProto(DateTimeOffset at) => new() { UtcTicks = at.UtcTicks, OffsetMinutes = checked((int)at.TotalOffsetMinutes) };

    private static DateTimeOffset FromProto(P.Timestamp? at)
    {
        if (at is null)
        {
            throw Corrupt("no timestamp");
        }

        try
        {
            var offset = TimeSpan.FromMinutes(at.OffsetMinutes);
            return new DateTimeOffset(at.UtcTicks + offset.Ticks, offset);
        }
        catch (ArgumentException e)
        {
            throw Corrupt($"a timestamp out of range ({e.Message})");
        }
    }

    private static bool IsUtf8(string value)
    {
        try
        {
            _ = StrictUtf8.GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private static ByteString Utf16(string value) => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.AsSpan()));

    private static string FromUtf16(ByteString bytes) =>
        bytes.Length % 2 == 0 ? new string(MemoryMarshal.Cast<byte, char>(bytes.Span)) : throw Corrupt("UTF-16 text of an odd length");

    private static T Parse<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Corrupt(e.Message);
        }
    }

    private static SerializationException Corrupt(string problem) => new($"ActorChat: a stored row has {problem}.");
}
