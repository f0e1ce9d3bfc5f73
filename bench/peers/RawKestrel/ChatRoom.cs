using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace ActorChat.Bench.RawKestrel;

/// <summary>
/// One room as a plain concurrent set of sockets. Each broadcast is serialized once and the same
/// bytes are sent to every member, each behind its member's send lock. Same rules as ActorChat
/// where they matter for the benchmark; no renames, chat-users, rate limits or queue bounds (the
/// send lock's waiters grow without limit behind a slow reader).
/// </summary>
internal sealed class ChatRoom
{
    public const string Protocol = "beej-chat-protocol";
    private const int MaxFrame = 64 * 1024;
    private const int MaxName = 32;
    private const int MaxMessage = 4000;

    private readonly ConcurrentDictionary<Member, byte> _members = new();
    private readonly ConcurrentDictionary<string, Member> _names = new(StringComparer.OrdinalIgnoreCase);

    public async Task RunAsync(WebSocket socket, CancellationToken aborted)
    {
        var member = new Member(socket);
        _members.TryAdd(member, 0);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxFrame);
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == MaxFrame)
                    {
                        await member.CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large");
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxFrame - length), aborted);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await member.CloseAsync(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await member.CloseAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not supported");
                    return;
                }

                await OnPacketAsync(member, buffer.AsMemory(0, length));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // the connection is gone; its leave is announced below
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _members.TryRemove(member, out _);
            if (member.Name is { } name)
            {
                _names.TryRemove(new KeyValuePair<string, Member>(name, member));
                Broadcast(Packets.Leave(name));
            }
        }
    }

    private async Task OnPacketAsync(Member member, ReadOnlyMemory<byte> frame)
    {
        ClientPacket packet;
        try
        {
            packet = Packets.Parse(frame);
        }
        catch (JsonException)
        {
            await member.SendAsync(Packets.Error(member.Name, "invalid-json", "the frame is not valid JSON"));
            return;
        }

        switch (packet)
        {
            case { Type: "chat-join", Username: { } requested }:
                var name = requested.Trim();
                if (name.Length is 0 or > MaxName || name.Any(char.IsControl))
                {
                    await member.SendAsync(Packets.Error(member.Name, "invalid-name", "names are 1-32 characters without control characters"));
                }
                else if (!ClaimName(member, name))
                {
                    await member.SendAsync(Packets.Error(member.Name, "name-taken", "that name is taken"));
                }
                else
                {
                    Broadcast(Packets.Join(name));
                }

                break;
            case { Type: "chat-message", Username: not null, Message: { } text }:
                var message = text.Trim();
                if (member.Name is null)
                {
                    await member.SendAsync(Packets.Error("", "not-joined", "join before sending messages"));
                }
                else if (message.Length > MaxMessage)
                {
                    await member.SendAsync(Packets.Error(member.Name, "message-too-long", "the message is too long"));
                }
                else if (message.Length > 0)
                {
                    Broadcast(Packets.Message(member.Name, message));
                }

                break;
            case { Type: "chat-join" or "chat-message" }:
            case { Type: null }:
                await member.SendAsync(Packets.Error(member.Name, "invalid-packet", "missing or ill-typed fields"));
                break;
            default:
                await member.SendAsync(Packets.Error(member.Name, "unknown-type", "unknown packet type"));
                break;
        }
    }

    private bool ClaimName(Member member, string name)
    {
        var holder = _names.GetOrAdd(name, member);
        if (holder != member)
        {
            return false;
        }

        if (member.Name is { } previous && !string.Equals(previous, name, StringComparison.OrdinalIgnoreCase))
        {
            _names.TryRemove(new KeyValuePair<string, Member>(previous, member));
        }

        member.Name = name;
        return true;
    }

    private void Broadcast(byte[] frame)
    {
        foreach (var member in _members.Keys)
        {
            _ = member.SendAsync(frame);
        }
    }
}
