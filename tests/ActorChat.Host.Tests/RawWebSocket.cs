using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ActorChat.Host.Tests;

/// <summary>
/// A WebSocket client written by hand over a raw TCP socket, for peers that misbehave in ways
/// <see cref="System.Net.WebSockets.ClientWebSocket"/> cannot: never reading (so never answering
/// pings), tiny receive windows, or a TCP reset instead of a close.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    private readonly Socket _socket;

    private RawWebSocket(Socket socket) => _socket = socket;

    /// <summary>Connects and completes the handshake, reading exactly the HTTP response and nothing after it.</summary>
    /// <param name="receiveBufferSize">The socket's receive buffer (set before connecting, so the TCP window stays small).</param>
    public static async Task<RawWebSocket> ConnectAsync(int port, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (receiveBufferSize is { } size)
            {
                socket.ReceiveBufferSize = size;
            }

            using var cts = new CancellationTokenSource(TestServer.Timeout);
            await socket.ConnectAsync(IPAddress.Loopback, port, cts.Token);

            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request =
                "GET / HTTP/1.1\r\n" +
                $"Host: 127.0.0.1:{port}\r\n" +
                "Upgrade: websocket\r\n" +
                "Connection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {key}\r\n" +
                "Sec-WebSocket-Version: 13\r\n" +
                $"Sec-WebSocket-Protocol: {ChatClient.SubProtocol}\r\n" +
                "\r\n";
            await SendAllAsync(socket, Encoding.ASCII.GetBytes(request), cts.Token);

            // Byte by byte, so no frame after the headers is consumed.
            var response = new List<byte>();
            var one = new byte[1];
            while (response.Count < 4 || !(response[^4] == '\r' && response[^3] == '\n' && response[^2] == '\r' && response[^1] == '\n'))
            {
                var n = await socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
                Assert.True(n == 1, "The server closed the connection during the handshake.");
                response.Add(one[0]);
                Assert.True(response.Count < 8192, "Handshake response too long.");
            }

            var text = Encoding.ASCII.GetString([.. response]);
            Assert.StartsWith("HTTP/1.1 101", text, StringComparison.Ordinal);
#pragma warning disable CA5350 // SHA-1 is what RFC 6455 prescribes for Sec-WebSocket-Accept.
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
            Assert.Contains($"Sec-WebSocket-Accept: {accept}\r\n", text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"Sec-WebSocket-Protocol: {ChatClient.SubProtocol}\r\n", text, StringComparison.OrdinalIgnoreCase);
            return new RawWebSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one masked text frame, as a client must.</summary>
    public Task SendTextAsync(string text) => SendFrameAsync(0x1, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends several text frames in one write, so the server reads them together.</summary>
    public async Task SendTextsAtOnceAsync(params string[] texts)
    {
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await SendAllAsync(_socket, [.. texts.SelectMany(t => Frame(0x1, Encoding.UTF8.GetBytes(t), fin: true))], cts.Token);
    }

    public async Task SendFrameAsync(byte opcode, byte[] payload, bool fin = true)
    {
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await SendAllAsync(_socket, Frame(opcode, payload, fin), cts.Token);
    }

    /// <summary>Sends bytes as they are: frames built with <see cref="Frame"/>, possibly several or partial.</summary>
    public async Task SendRawAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(TestServer.Timeout);
        await SendAllAsync(_socket, bytes, cts.Token);
    }

    /// <summary>Ends the connection with a TCP reset (SO_LINGER 0), no close handshake.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>
    /// Reads (and discards) everything the server sent until the connection ends. True when it
    /// ended (FIN or reset) within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>How a connection ended, seen from a peer that only reads.</summary>
    public enum Ending
    {
        /// <summary>A FIN: the server closed its side normally.</summary>
        Closed,

        /// <summary>A TCP reset: whatever the server had sent but this side had not read may be lost.</summary>
        Reset,

        /// <summary>Still open when the time was up.</summary>
        StillOpen,
    }

    /// <summary>Reads without ever answering until the connection ends; returns the server's frames (opcode, payload) and how it ended.</summary>
    public async Task<(List<(int Opcode, byte[] Payload)> Frames, Ending Ending)> ReadFramesToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var bytes = new List<byte>();
        var buffer = new byte[64 * 1024];
        Ending end;
        try
        {
            int n;
            while ((n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                bytes.AddRange(buffer.AsSpan(0, n));
            }

            end = Ending.Closed;
        }
        catch (SocketException)
        {
            end = Ending.Reset;
        }
        catch (OperationCanceledException)
        {
            end = Ending.StillOpen;
        }

        var frames = new List<(int, byte[])>();
        var at = 0;
        while (TryParseFrame(bytes, ref at) is { } frame)
        {
            frames.Add(frame);
        }

        return (frames, end);
    }

    /// <summary>
    /// Reads the server's frames until its close frame, without answering it (so the server's close
    /// handshake stays open). Returns the frames, the close last. Fails if the connection ends or
    /// <paramref name="timeout"/> passes before a close frame arrived. Anything after it is not read.
    /// </summary>
    public async Task<List<(int Opcode, byte[] Payload)>> ReadFramesUntilCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var bytes = new List<byte>();
        var buffer = new byte[64 * 1024];
        var frames = new List<(int Opcode, byte[] Payload)>();
        var at = 0;
        while (true)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No close frame within {timeout.TotalSeconds} s; {frames.Count} frames before.");
                throw;
            }

            Assert.True(n > 0, $"The connection ended without a close frame; {frames.Count} frames before.");
            bytes.AddRange(buffer.AsSpan(0, n));
            while (TryParseFrame(bytes, ref at) is { } frame)
            {
                frames.Add(frame);
                if (frame.Opcode == 0x8)
                {
                    return frames;
                }
            }
        }
    }

    /// <summary>The close code and reason of a close frame's payload.</summary>
    public static (int Code, string Reason) CloseOf(byte[] payload) =>
        ((payload[0] << 8) | payload[1], Encoding.UTF8.GetString(payload.AsSpan(2)));

    /// <summary>The (unmasked) server frame starting at <paramref name="at"/>, advancing past it; null while it is incomplete.</summary>
    private static (int Opcode, byte[] Payload)? TryParseFrame(List<byte> bytes, ref int at)
    {
        if (bytes.Count - at < 2)
        {
            return null;
        }

        var opcode = bytes[at] & 0x0F;
        long length = bytes[at + 1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (bytes.Count - at < 4)
            {
                return null;
            }

            length = (bytes[at + 2] << 8) | bytes[at + 3];
            header = 4;
        }
        else if (length == 127)
        {
            if (bytes.Count - at < 10)
            {
                return null;
            }

            length = 0;
            for (var i = 0; i < 8; i++)
            {
                length = (length << 8) | bytes[at + 2 + i];
            }

            header = 10;
        }

        if (bytes.Count - at - header < length)
        {
            return null; // a partial frame: more is to come, or the connection ended in the middle of it
        }

        var payload = bytes.GetRange(at + header, (int)length).ToArray();
        at += header + (int)length;
        return (opcode, payload);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>One masked client frame.</summary>
    public static byte[] Frame(byte opcode, byte[] payload, bool fin)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        if (payload.Length < 126)
        {
            header.Add((byte)(0x80 | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add(0x80 | 126);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)payload.Length);
            header.AddRange(length);
        }
        else
        {
            header.Add(0x80 | 127);
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }

        var mask = RandomNumberGenerator.GetBytes(4);
        header.AddRange(mask);
        var frame = new byte[header.Count + payload.Length];
        header.CopyTo(frame);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header.Count + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }

    private static async Task SendAllAsync(Socket socket, byte[] bytes, CancellationToken cancel)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancel);
        }
    }
}
