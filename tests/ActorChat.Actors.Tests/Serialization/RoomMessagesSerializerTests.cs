using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text;
using ActorChat.Actors.Rooms;
using ActorChat.Actors.Serialization;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit;

namespace ActorChat.Actors.Tests.Serialization;

/// <summary>
/// <see cref="RoomMessagesSerializer"/> (7101) under the server's bindings: every message it has a
/// manifest for comes back equal (lists and frames by content, actor refs as the same actor), and
/// no room request or listed reply falls to Akka's default serializer.
/// </summary>
public sealed class RoomMessagesSerializerTests : ActorChatTestKit
{
    /// <summary>The messages besides <see cref="IWithRoom"/> that cross nodes to or from rooms.</summary>
    private static readonly Type[] Listed =
    [
        typeof(RoomContract.StopRoom),
        typeof(RoomContract.Entered),
        typeof(RoomContract.Refused),
        typeof(RoomContract.RoomStopped),
        typeof(RoomContract.Status),
        typeof(RoomContract.Denied),
        typeof(RoomContract.Removed),
        typeof(ConnectionActor.Deliver),
        typeof(ChatGateway.Connected),
        typeof(NodeRelay.Forward),
        typeof(NodeRelay.FanOut),
    ];

    private readonly TestProbe _alice;
    private readonly TestProbe _bob;

    public RoomMessagesSerializerTests()
    {
        _alice = CreateTestProbe("alice");
        _bob = CreateTestProbe("bob");
    }

    public static TheoryData<string> Manifests() => [.. RoomMessagesSerializer.Manifests];

    private static ReadOnlyMemory<byte> Frame(string text) => Encoding.UTF8.GetBytes(text);

    private IReadOnlyList<object> Samples() => Samples(_alice.Ref, _bob.Ref);

    /// <summary>One message per manifest, with every optional field set in one and left out in another where it has some.</summary>
    internal static IReadOnlyList<object> Samples(IActorRef alice, IActorRef bob)
    {
        var position = new StreamPosition("e-1", 42);
        var deliver = new ConnectionActor.Deliver([Frame("{\"type\":\"message\"}"), Frame(""), Frame("h\u00e9\u00e9\ud83d\ude00")]);
        return
        [
            new RoomContract.Enter("general", "s1", "Al\u00efce", alice, Subprotocols.V1, position, 50, "r1"),
            new RoomContract.Enter("lobby", "s2", "bob", bob, Subprotocols.Beej, null, null, null),
            new RoomContract.Enter("general", "s1", "alice", alice, Subprotocols.V1, null, null, "r1", new RoomContract.JoinIdentity("user-1", true, "moderator", "2001:db8::1")),
            new RoomContract.Enter("lobby", "s2", "bob", bob, Subprotocols.Beej, null, null, null, new RoomContract.JoinIdentity(Address: "192.0.2.1")),
            new RoomContract.Configure("general", "s1", new RoomRulesChange(RoomVisibility.Private, false, RoomPosting.Moderators, 30, "töpic"), "r7"),
            new RoomContract.Configure("general", "s1", new RoomRulesChange(SlowMode: 0), null),
            new RoomContract.Grant("general", "s1", "user-2", RoomRole.Owner, "r8"),
            new RoomContract.Grant("general", "s1", "user-2", RoomRole.None, null),
            new RoomContract.Moderate("general", "s1", ModerationAction.Ban, new TargetSpec(null, "troll"), 3600, "spam", "r9"),
            new RoomContract.Moderate("general", "s1", ModerationAction.Unban, new TargetSpec(null, null, 7), null, null, null),
            new RoomContract.Moderate("general", "s1", ModerationAction.Kick, new TargetSpec("user-3", null), null, null, "r10"),
            new RoomContract.ReadBans("general", "s1", "r11"),
            new RoomContract.ReadAudit("general", "s1", 100, 20, "r12"),
            new RoomContract.ReadAudit("general", "s1", null, null, null),
            new RoomContract.DeleteMessage("general", "s1", 42, "spam", "r13"),
            new RoomContract.DeleteMessage("general", "api:backend", 1, null, null),
            new RoomContract.Denied("general", ErrorCodes.Banned, "Banned.", "r13", DateTimeOffset.UnixEpoch.AddDays(1), "spam", null, true),
            new RoomContract.Denied("general", ErrorCodes.SlowMode, "Slow.", null, null, null, 12, false),
            new RoomContract.Removed("general", "ban", "user-1", "spam", DateTimeOffset.UnixEpoch.AddDays(2)),
            new RoomContract.Removed("general", "kick", "user-1", null, null),
            new RoomContract.Listen("lobby", alice, new ChatGateway.Connected(bob)),
            new RoomContract.Listen("lobby", alice, null),
            new RoomContract.Leave("general", "s1", "r2"),
            new RoomContract.Leave("general", "s1", null),
            new RoomContract.Post("general", "s1", "hello \ud800 lone surrogate", "c-1", "r3"),
            new RoomContract.Post("general", "s1", "plain", null, null),
            new RoomContract.ReadHistory("general", 17, 25, "r4"),
            new RoomContract.ReadHistory("general", null, null, null),
            new RoomContract.RenameMember("general", "s1", "alicia"),
            new RoomContract.GetStatus("general"),
            new RoomContract.ApplyRetention("general"),
            new RoomContract.SessionEnded("general", "s1"),
            RoomContract.StopRoom.Instance,
            new RoomContract.Entered("general", position, 3, true, [Frame("{\"type\":\"joined\"}")]),
            new RoomContract.Entered("general", position, 0, null, []),
            new RoomContract.Entered("general", position, 1, false, [Frame("a"), Frame("b")]),
            new RoomContract.Refused("general", ErrorCodes.NotInRoom, "Join first.", "r5"),
            new RoomContract.Refused("general", RoomContract.Unavailable, "Later.", null),
            new RoomContract.Refused("general", ErrorCodes.NotInRoom, "Join first.", "r6", new RoomContract.Post("general", "s-1", "hello", "c-1", "r6")),
            new RoomContract.RoomStopped("general", position),
            new RoomContract.RoomStopped("general", null),
            new RoomContract.Status("general", position, 3, long.MaxValue, 2, 1, true, ["alice", "bob"], new RoomRules(RoomVisibility.Private, false, RoomPosting.Moderators, 30, "launch day")),
            deliver,
            new ConnectionActor.Deliver([]),
            new ChatGateway.Connected(alice),
            new NodeRelay.Forward(alice, new RoomContract.Entered("general", position, 3, true, [Frame("x")])),
            new NodeRelay.Forward(bob, new RoomContract.RoomStopped("general", null)),
            new NodeRelay.FanOut([new NodeRelay.Delivery(deliver, [alice, bob]), new NodeRelay.Delivery(new ConnectionActor.Deliver([Frame("ack"), Frame("m")]), [bob])]),
            new RoomContract.ApiPost("general", "api:ops", "server", "maintenance at 10:00 \ud800", "c-9", 7),
            new RoomContract.ApiPost("general", "api:ops", "Al\u00efce", "plain", null, null),
            new RoomContract.GetPresence("general"),
            new RoomContract.PresenceList("general", 3, [new RoomContract.PresentMember("alice", 2), new RoomContract.PresentMember("b\u00f6b", 0)]),
            new RoomContract.PresenceList("general", 0, []),
        ];
    }

    private (object Copy, Serializer Serializer, string Manifest, byte[] Bytes) RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return (Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest), serializer, manifest, bytes);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_message_of_a_manifest_comes_back_equal(string manifest)
    {
        var ours = new RoomMessagesSerializer((ExtendedActorSystem)Sys);
        var samples = Samples().Where(m => ManifestOrNull(ours, m) == manifest).ToList();
        Assert.NotEmpty(samples);
        foreach (var message in samples)
        {
            // Through 7101 itself: another ActorChat serializer may take a type by exact binding
            // (the sessions serializer, 7102, takes SessionEnded); the bindings are checked below.
            var copy = ours.FromBinary(ours.ToBinary(message), manifest);
            Assert.IsType(message.GetType(), copy);
            AssertSame(message, copy);
        }
    }

    /// <summary>Under the server's bindings (hocon/actorchat.hocon) each room message is written by 7101 and read back.</summary>
    [Fact]
    public void The_server_bindings_choose_7101_for_room_messages()
    {
        foreach (var message in Samples().Where(m => m is not RoomContract.SessionEnded))
        {
            var (copy, serializer, manifest, _) = RoundTrip(message);
            Assert.Equal((RoomMessagesSerializer.SerializerId, true), (serializer.Identifier, RoomMessagesSerializer.Manifests.Contains(manifest)));
            AssertSame(message, copy);
        }
    }

    [Fact]
    public async Task Actor_refs_come_back_as_the_same_actor()
    {
        var (copy, _, _, _) = RoundTrip(new NodeRelay.FanOut([new NodeRelay.Delivery(new ConnectionActor.Deliver(Frame("f")), [_alice.Ref, _bob.Ref])]));
        var connections = Assert.Single(((NodeRelay.FanOut)copy).Deliveries).Connections;
        connections[0].Tell("to alice");
        connections[1].Tell("to bob");
        _alice.ExpectMsg("to alice");
        _bob.ExpectMsg("to bob");

        // A temporary actor (an Ask's) resolves too: a Listen's ack goes to one.
        var asked = Sys.ActorOf(Props.Create(() => new AnswersListen()));
        var answer = await asked.Ask<string>(new RoomContract.Listen("lobby", _alice.Ref, null), Dilated(TestKitSettings.DefaultTimeout));
        Assert.Equal("answered", answer);
    }

    [Fact]
    public void The_same_frames_go_to_every_target_as_one_copy_sliced_from_the_message()
    {
        var deliver = new ConnectionActor.Deliver([Frame("one"), Frame("two")]);
        var (copy, _, _, bytes) = RoundTrip(new NodeRelay.FanOut([new NodeRelay.Delivery(deliver, [_alice.Ref, _bob.Ref])]));
        var delivery = Assert.Single(((NodeRelay.FanOut)copy).Deliveries);
        Assert.Equal(["one", "two"], delivery.Deliver.Frames.Select(f => Encoding.UTF8.GetString(f.Span)));

        // Each frame's bytes are written once, whatever the number of targets.
        Assert.Equal(1, Occurrences(bytes, "one"u8.ToArray()));
    }

    /// <summary>
    /// Every room request (any <see cref="IWithRoom"/> in the actors' assembly) and every listed
    /// reply has a serializer of its own, never Akka's default JSON, and 7101 can write it: a new
    /// message type fails here until it has a layout and a binding.
    /// </summary>
    [Fact]
    public void No_room_message_falls_to_the_default_serializer()
    {
        var requests = typeof(IWithRoom).Assembly.GetTypes()
            .Where(t => typeof(IWithRoom).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToList();
        Assert.Contains(typeof(RoomContract.Enter), requests);
        Assert.Contains(typeof(RoomContract.SessionEnded), requests);

        var ours = new RoomMessagesSerializer((ExtendedActorSystem)Sys);
        var missing = new List<string>();
        foreach (var type in requests.Concat(Listed))
        {
            var bound = Sys.Serialization.FindSerializerForType(type);
            if (bound is NewtonSoftJsonSerializer or not SerializerWithStringManifest)
            {
                missing.Add($"{type}: bound to {bound.GetType().Name}");
                continue;
            }

            try
            {
                Assert.Contains(ours.Manifest(RuntimeHelpers.GetUninitializedObject(type)), RoomMessagesSerializer.Manifests);
            }
            catch (ArgumentException)
            {
                missing.Add($"{type}: no manifest in {nameof(RoomMessagesSerializer)}");
            }
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void Every_manifest_is_covered_by_a_sample()
    {
        var ours = new RoomMessagesSerializer((ExtendedActorSystem)Sys);
        Assert.Equal(RoomMessagesSerializer.Manifests.Order(), Samples().Select(m => ManifestOrNull(ours, m) ?? m.GetType().Name).Distinct().Order());
    }

    [Fact]
    public void An_unknown_manifest_or_a_damaged_message_is_a_serialization_error()
    {
        var ours = new RoomMessagesSerializer((ExtendedActorSystem)Sys);
        Assert.Throws<SerializationException>(() => ours.FromBinary([], "zzz9"));

        var bytes = ours.ToBinary(new RoomContract.Post("general", "s1", "hello", "c", "r"));
        Assert.Throws<SerializationException>(() => ours.FromBinary(bytes[..^1], "snd1"));
        Assert.Throws<SerializationException>(() => ours.FromBinary([.. bytes, 0], "snd1"));
        Assert.Throws<ArgumentException>(() => ours.ToBinary("not a room message"));
    }

    private static string? ManifestOrNull(RoomMessagesSerializer serializer, object message)
    {
        try
        {
            return serializer.Manifest(message);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static int Occurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        for (var i = haystack.AsSpan().IndexOf(needle); i >= 0;)
        {
            count++;
            var next = haystack.AsSpan(i + 1).IndexOf(needle);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return count;
    }

    /// <summary>Equal after a round trip: records by value, lists and frames by content, refs by identity.</summary>
    private static void AssertSame(object expected, object actual)
    {
        switch (expected)
        {
            case RoomContract.Entered e:
                var a = (RoomContract.Entered)actual;
                Assert.Equal((e.Room, e.Position, e.MemberCount, e.Recovered), (a.Room, a.Position, a.MemberCount, a.Recovered));
                AssertFrames(e.Frames, a.Frames);
                break;
            case RoomContract.Status e:
                var s = (RoomContract.Status)actual;
                Assert.Equal(e with { Names = [] }, s with { Names = [] });
                Assert.Equal(e.Names, s.Names);
                break;
            case RoomContract.PresenceList e:
                var p = (RoomContract.PresenceList)actual;
                Assert.Equal(e with { Members = [] }, p with { Members = [] });
                Assert.Equal(e.Members, p.Members);
                break;
            case ConnectionActor.Deliver e:
                AssertFrames(e.Frames, ((ConnectionActor.Deliver)actual).Frames);
                break;
            case NodeRelay.Forward e:
                var f = (NodeRelay.Forward)actual;
                Assert.Equal(e.Connection, f.Connection);
                Assert.IsType(e.Message.GetType(), f.Message);
                AssertSame(e.Message, f.Message);
                break;
            case NodeRelay.FanOut e:
                var fan = (NodeRelay.FanOut)actual;
                Assert.Equal(e.Deliveries.Count, fan.Deliveries.Count);
                for (var i = 0; i < e.Deliveries.Count; i++)
                {
                    AssertFrames(e.Deliveries[i].Deliver.Frames, fan.Deliveries[i].Deliver.Frames);
                    Assert.Equal(e.Deliveries[i].Connections, fan.Deliveries[i].Connections);
                }

                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static void AssertFrames(IReadOnlyList<ReadOnlyMemory<byte>> expected, IReadOnlyList<ReadOnlyMemory<byte>> actual) =>
        Assert.Equal(expected.Select(f => f.ToArray()), actual.Select(f => f.ToArray()));

    /// <summary>Answers a Listen that went through 7101 to the ref it came back with: the Ask's temporary actor.</summary>
    private sealed class AnswersListen : ReceiveActor
    {
        public AnswersListen()
        {
            Receive<RoomContract.Listen>(_ =>
            {
                var system = (ExtendedActorSystem)Context.System;
                var serializer = new RoomMessagesSerializer(system);
                var sent = new RoomContract.Listen("lobby", Sender, null);
                var copy = (RoomContract.Listen)serializer.FromBinary(serializer.ToBinary(sent), serializer.Manifest(sent));
                copy.Connection.Tell("answered");
            });
        }
    }
}
