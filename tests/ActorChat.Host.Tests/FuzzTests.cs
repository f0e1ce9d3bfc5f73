using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ActorChat.Host.Tests;

/// <summary>
/// Seeded, bounded fuzzing: several raw sockets send 100 000 generated frames in all (JSON
/// mutations, deep nesting, huge strings, random bytes, invalid UTF-8, fragments, binary and
/// oversized frames) while a control pair chats. The server must stay up, the pair must lose
/// nothing, and memory must come back down. A failure prints the seed to reproduce it. The run
/// is a fixed amount of work, not a rate: a slow machine takes longer, within a generous bound.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261125;
    private const int Sockets = 4;
    private const int FramesPerSocket = 25_000;
    private const int ControlMessages = 300;

    /// <summary>Only a stalled server comes near this (a run takes well under a minute on a quiet machine).</summary>
    private static readonly TimeSpan SafetyBound = TestTime.Seconds(600);

    private static readonly string[] Valid =
    [
        """{"type":"chat-join","payload":{"username":"fuzz"}}""",
        """{"type":"chat-message","payload":{"username":"fuzz","message":"hello"}}""",
        """{"type":"chat-message","payload":{"username":"other","message":"rename and talk"}}""",
        """{"type":"chat-leave","payload":{"username":"fuzz"}}""",
    ];

    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ":", ",", "\"", "null", "true", "1e309", "-0", "\"type\"", "\"payload\"",
        "\"username\"", "\"message\"", "\"__proto__\"", "\"constructor\"", "\\u0000", "\\ud800", "\"chat-join\"",
    ];

    [Fact]
    public async Task Fuzzed_frames_never_disturb_a_chatting_pair_or_the_server()
    {
        await using var server = await TestServer.StartAsync(
            "--ActorChat:Limits:PacketsPerSecond=10000000",
            "--ActorChat:Limits:PacketBurst=10000000",
            "--ActorChat:Limits:NameChangesPerSecond=10000000",
            "--ActorChat:Limits:NameChangeBurst=10000000",
            "--ActorChat:MaxConnectionsPerAddress=10000",

            // The fuzzers reconnect hundreds of times from 127.0.0.1 after frames that close them.
            "--ActorChat:ConnectionsPerSecondPerAddress=1000000",
            "--ActorChat:ConnectionBurstPerAddress=1000000");
        var alice = await server.JoinAsync("control-alice");
        var bob = await server.JoinAsync("control-bob");
        await alice.ExpectAsync("chat-join");
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        using var stop = new CancellationTokenSource(SafetyBound);
        var clock = Stopwatch.StartNew();
        var fuzzers = Enumerable.Range(0, Sockets).Select(i => FuzzAsync(server.Port, new Random(Seed + i), stop.Token)).ToArray();

        // The control pair chats while the fuzzers run.
        var received = ReceiveFromAsync(bob, "control-alice", ControlMessages, stop.Token);
        for (var i = 0; i < ControlMessages; i++)
        {
            await alice.SayAsync("control-alice", $"c{i}");
            await Task.Delay(5, stop.Token);
        }

        var results = await Task.WhenAll(fuzzers);
        var messages = await received;
        var sent = results.Sum(r => r.Frames);
        var reconnects = results.Sum(r => r.Connections) - Sockets;
        output.WriteLine($"seed {Seed}: {sent} frames from {Sockets} sockets in {clock.Elapsed.TotalSeconds:F1} s, {reconnects} reconnects after closing frames");

        Assert.False(stop.IsCancellationRequested, $"The fuzzers sent only {sent} of {Sockets * FramesPerSocket} frames within {SafetyBound.TotalSeconds:F0} s: the server stopped taking them.");
        Assert.Equal(Sockets * FramesPerSocket, sent);
        Assert.Equal(Enumerable.Range(0, ControlMessages).Select(i => $"c{i}"), messages);

        // Still serving: once the fuzz sockets are gone (so none of their last joins or renames can
        // reach the newcomer before its own join), a new client joins and the pair still talks.
        await server.WaitForRoomAsync(m => m.Connections == 2, "fuzz sockets gone");
        var carol = await server.JoinAsync("control-carol");
        await bob.SayAsync("control-bob", "still here");
        var last = await ReceiveFromAsync(carol, "control-bob", 1, stop.Token);
        Assert.Equal(["still here"], last);
        using var http = server.CreateHttpClient();
        Assert.True((await http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode);

        // Bounded memory: once the fuzzers are gone the heap returns near where it was.
        await server.WaitForRoomAsync(m => m.Connections == 3, "only the control clients left");
        var after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"managed heap: {baseline / 1024} KiB before, {after / 1024} KiB after");
        Assert.True(after - baseline < 32L * 1024 * 1024, $"heap grew by {(after - baseline) / 1024} KiB");

        await alice.DisposeAsync();
        await bob.DisposeAsync();
        await carol.DisposeAsync();
    }

    /// <summary>Reads packets until <paramref name="count"/> messages from <paramref name="from"/> arrived; returns their texts.</summary>
    private static async Task<List<string>> ReceiveFromAsync(ChatClient client, string from, int count, CancellationToken cancel)
    {
        var texts = new List<string>();
        while (texts.Count < count)
        {
            cancel.ThrowIfCancellationRequested();
            var packet = await client.ReceiveAsync(TestTime.Seconds(60));
            if (packet.Type() == "chat-message" && packet.Username() == from)
            {
                texts.Add(packet.Payload().GetProperty("message").GetString()!);
            }
        }

        return texts;
    }

    /// <summary>Sends frames in batches from one socket, reconnecting after frames that close it.</summary>
    private static async Task<(int Frames, int Connections)> FuzzAsync(int port, Random random, CancellationToken cancel)
    {
        var frames = 0;
        var connections = 0;
        while (frames < FramesPerSocket && !cancel.IsCancellationRequested)
        {
            using var socket = await RawWebSocket.ConnectAsync(port);
            connections++;
            var drain = socket.ReadToEndAsync(TestTime.Seconds(30));
            var closing = false;
            try
            {
                while (!closing && frames < FramesPerSocket && !cancel.IsCancellationRequested)
                {
                    var batch = new List<byte>();
                    for (var i = 0; i < 50 && !closing && frames < FramesPerSocket; i++, frames++)
                    {
                        closing = Generate(random, batch);
                    }

                    await socket.SendRawAsync([.. batch]);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
            {
                // The server closed this socket (as it should for some frames); connect again.
            }

            if (closing)
            {
                Assert.True(await drain, "the server did not close a socket after a frame that must close it");
            }

            socket.Reset();
            try
            {
                await drain;
            }
            catch (ObjectDisposedException)
            {
                // The reader was still reading when the socket was reset.
            }
        }

        return (frames, connections);
    }

    /// <summary>Appends one generated message (one or more frames); true when it should make the server close the socket.</summary>
    private static bool Generate(Random random, List<byte> into)
    {
        var roll = random.Next(1000);
        switch (roll)
        {
            case < 450:
                into.AddRange(Text(Mutate(random, Valid[random.Next(Valid.Length)])));
                return false;
            case < 600:
                into.AddRange(Text(Valid[random.Next(Valid.Length)].Replace("fuzz", RandomName(random), StringComparison.Ordinal)));
                return false;
            case < 700:
                var depth = random.Next(1, 5000);
                into.AddRange(Text(new string('[', depth) + new string(']', random.Next(depth + 1))));
                return false;
            case < 760:
                var huge = new string((char)random.Next('a', 'z'), random.Next(1000, 60_000));
                into.AddRange(Text($$$"""{"type":"chat-message","payload":{"username":"fuzz","message":"{{{huge}}}"}}"""));
                return false;
            case < 900:
                // A message in 2–4 fragments.
                var whole = Encoding.UTF8.GetBytes(Mutate(random, Valid[random.Next(Valid.Length)]));
                var cuts = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(whole.Length + 1)).Order().ToArray();
                var start = 0;
                for (var i = 0; i <= cuts.Length; i++)
                {
                    var end = i < cuts.Length ? cuts[i] : whole.Length;
                    into.AddRange(RawWebSocket.Frame(i == 0 ? (byte)0x1 : (byte)0x0, whole[start..end], fin: i == cuts.Length));
                    start = end;
                }

                return false;
            case < 994:
                // Random printable ASCII (valid UTF-8, mostly invalid JSON).
                into.AddRange(Text(new string([.. Enumerable.Range(0, random.Next(0, 300)).Select(_ => (char)random.Next(32, 127))])));
                return false;
            case < 996:
                var bytes = new byte[random.Next(1, 200)];
                random.NextBytes(bytes);
                bytes[0] = 0xC3; // a lead byte, then (almost surely) no continuation: invalid UTF-8 → 1007
                bytes[^1] = 0xFF;
                into.AddRange(RawWebSocket.Frame(0x1, bytes, fin: true));
                return true;
            case < 998:
                var binary = new byte[random.Next(1, 100)];
                random.NextBytes(binary);
                into.AddRange(RawWebSocket.Frame(0x2, binary, fin: true));
                return true;
            default:
                into.AddRange(Text(new string('x', 70_000))); // over MaxFrameBytes → 1009
                return true;
        }
    }

    private static byte[] Text(string text) => RawWebSocket.Frame(0x1, Encoding.UTF8.GetBytes(text), fin: true);

    private static string RandomName(Random random) =>
        random.Next(4) switch
        {
            0 => "",
            1 => new string(' ', random.Next(1, 5)),
            2 => new string((char)random.Next(0, 32), random.Next(1, 3)),
            _ => "f" + random.Next(100_000),
        };

    private static string Mutate(Random random, string json)
    {
        var text = new StringBuilder(json);
        for (var n = random.Next(1, 4); n > 0 && text.Length > 0; n--)
        {
            var at = random.Next(text.Length);
            switch (random.Next(4))
            {
                case 0:
                    text.Remove(at, Math.Min(random.Next(1, 6), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 2:
                    text[at] = (char)random.Next(32, 127);
                    break;
                default:
                    text.Insert(at, (char)random.Next(0x80, 0x2FFF));
                    break;
            }
        }

        return text.ToString();
    }
}
