using System.Text.Json;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// Room entities under Akka's in-memory snapshot store and the in-memory <see cref="TestJournal"/>
/// (one journal per test, as each test has its own actor system), with TestProbes as members.
/// </summary>
public abstract class RoomActorTestKit : ActorChatTestKit
{
    public static readonly Config Persistence = ConfigurationFactory.ParseString(
        """
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "ActorChat.Actors.Tests.Rooms.TestJournal, ActorChat.Actors.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private int _refs;

    protected RoomActorTestKit()
        : base(Persistence)
    {
    }

    /// <summary>With <paramref name="extra"/> settings over the in-memory persistence (e.g. <see cref="Serialization.SerializedMessages"/>).</summary>
    protected RoomActorTestKit(Config extra)
        : base(extra.WithFallback(Persistence))
    {
    }

    /// <summary>Presence every 20 ms: tests that wait for a diff wait little; tests that must not see one read diffs until settled.</summary>
    protected RoomLimits Limits { get; set; } = new() { PresenceInterval = TimeSpan.FromMilliseconds(20) };

    protected RoomSettings Settings { get; set; } = new();

    /// <summary>Every message arrives as a copy read back from its serialized form (<see cref="Serialization.SerializedMessages"/>): no two are the same instance.</summary>
    protected bool MessagesAreCopies => Sys.Settings.SerializeAllMessages;

    /// <summary>
    /// False when every message is serialized: a rejected write cannot be made then, because
    /// Akka.Persistence passes the rejection's exception between its own journal actors in a message
    /// Akka's default serializer cannot read back. That message never leaves the node; the tests that
    /// reject a write run in the plain variant only.
    /// </summary>
    protected bool CanRejectWrites => !MessagesAreCopies;

    protected TimeProvider Time { get; set; } = TimeProvider.System;

    protected IActorRef Journal => Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);

    protected IActorRef StartRoom(string room = "general") =>
        Sys.ActorOf(RoomActor.Props(room, Limits, Settings, NullLogger.Instance, Time));

    /// <summary>Steers the <see cref="TestJournal"/> and waits until the change is in force.</summary>
    protected void SteerJournal(object command)
    {
        Journal.Tell(command, TestActor);
        ExpectMsg<TestJournal.Done>();
    }

    /// <summary>What the journal holds for the room, read with the journal's own replay protocol.</summary>
    protected IReadOnlyList<(long SequenceNr, object Payload)> JournalEntries(string room = "general")
    {
        var reader = CreateTestProbe();
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "room-" + room, reader.Ref));
        var entries = new List<(long, object)>();
        while (reader.ExpectMsg<object>() is ReplayedMessage replayed)
        {
            entries.Add((replayed.Persistent.SequenceNr, replayed.Persistent.Payload));
        }

        Assert.IsType<RecoverySuccess>(reader.LastMessage);
        return entries;
    }

    protected RoomContract.Status StatusOf(IActorRef room, string name = "general")
    {
        room.Tell(new RoomContract.GetStatus(name), TestActor);
        return ExpectMsg<RoomContract.Status>();
    }

    protected Member NewMember(string name, string subprotocol = Subprotocols.V1, string? session = null) =>
        new(CreateTestProbe(), session ?? "s-" + name, name, subprotocol);

    /// <summary>Enters <paramref name="member"/> and returns its reply with its one frame (v1) parsed.</summary>
    protected static (RoomContract.Entered Entered, Frame Joined) Enter(
        IActorRef room,
        Member member,
        StreamPosition? since = null,
        int? limit = null,
        string? requestRef = null,
        string roomName = "general")
    {
        room.Tell(new RoomContract.Enter(roomName, member.SessionId, member.Name, member.Probe.Ref, member.Subprotocol, since, limit, requestRef), member.Probe.Ref);
        var entered = member.Expect<RoomContract.Entered>();
        var frame = Frame.Parse(entered.Frames[^1]);
        member.Saw(frame);
        return (entered, frame);
    }

    /// <summary>Posts as <paramref name="member"/> (the connection's part: the post comes from its probe).</summary>
    protected static void Post(IActorRef room, Member member, string text, string? cid = null, string? requestRef = null, string roomName = "general") =>
        room.Tell(new RoomContract.Post(roomName, member.SessionId, text, cid, requestRef), member.Probe.Ref);

    /// <summary>Posts as <paramref name="member"/> and reads its frames up to the ack; returns the acked offset.</summary>
    protected long PostAcked(IActorRef room, Member member, string text, string? cid = null)
    {
        var requestRef = "p" + ++_refs;
        Post(room, member, text, cid, requestRef);
        while (true)
        {
            var frame = member.Next();
            if (frame.Type == "ack" && frame.Ref == requestRef)
            {
                return frame.Number("offset");
            }
        }
    }

    /// <summary>A probe told of every journal write the test journal starts.</summary>
    protected TestProbe WatchWrites()
    {
        var writes = CreateTestProbe();
        Sys.EventStream.Subscribe(writes.Ref, typeof(TestJournal.WriteStarted));
        return writes;
    }

    /// <summary>
    /// Waits until the room has no presence change waiting for its next diff, then reads every presence
    /// frame already sent to <paramref name="members"/>: afterwards their views are what the room
    /// shows, and no presence frame is on its way to them.
    /// </summary>
    protected void SettlePresence(IActorRef room, params Member[] members)
    {
        AwaitAssert(() => Assert.False(StatusOf(room).PresencePending));
        foreach (var member in members)
        {
            while (member.Unread.Count > 0 || member.Probe.HasMessages)
            {
                var frame = member.Next();
                Assert.Contains(frame.Type, (string[])["presence", "chat-join", "chat-leave", "chat-rename"]);
            }
        }
    }

    protected static void AssertView(Member member, params string[] names) =>
        Assert.Equal(names.Order(StringComparer.Ordinal), member.View.Order(StringComparer.Ordinal));

    protected static void AssertDiff(Frame diff, string[] joins, string[] leaves)
    {
        Assert.Equal("presence", diff.Type);
        Assert.Equal(joins, diff.Strings("joins"));
        Assert.Equal(leaves, diff.Strings("leaves"));
    }

    /// <summary>
    /// Asserts the members were sent nothing more, once the room has handled everything sent to it
    /// so far, including the flushes it tells itself (two round trips: the first may overtake one).
    /// Presence diffs come on a timer: callers settle presence first.
    /// </summary>
    protected void AssertNothingMore(IActorRef room, params Member[] members)
    {
        StatusOf(room);
        StatusOf(room);
        foreach (var member in members)
        {
            Assert.Empty(member.Unread);
            member.Probe.ExpectNoMsg(TimeSpan.Zero);
        }
    }

    /// <summary>A session whose connection is a TestProbe; reads the frames the room sends it one by one.</summary>
    public sealed class Member(TestProbe probe, string sessionId, string name, string subprotocol)
    {
        public TestProbe Probe { get; set; } = probe;

        public string SessionId { get; } = sessionId;

        public string Name { get; set; } = name;

        public string Subprotocol { get; } = subprotocol;

        public Queue<ReadOnlyMemory<byte>> Unread { get; } = new();

        /// <summary>The names this member knows are present: its last joined's members, presence diffs applied.</summary>
        public HashSet<string> View { get; } = new(StringComparer.Ordinal);

        /// <summary>The Deliver messages it was sent, in order (to check that instances are shared).</summary>
        public List<ConnectionActor.Deliver> Delivers { get; } = [];

        /// <summary>
        /// The next message of type <typeparamref name="T"/> it was sent; frames that came before it are
        /// kept, in order, for <see cref="Next()"/> (presence diffs come on a timer, any time).
        /// </summary>
        public T Expect<T>()
        {
            while (true)
            {
                var message = Probe.ExpectMsg<object>();
                if (message is T expected)
                {
                    return expected;
                }

                var deliver = Assert.IsType<ConnectionActor.Deliver>(message);
                Delivers.Add(deliver);
                foreach (var frame in deliver.Frames)
                {
                    Unread.Enqueue(frame);
                }
            }
        }

        /// <summary>The next frame it was sent, whether it came alone or in a batch; presence frames update <see cref="View"/>.</summary>
        public Frame Next()
        {
            if (Unread.Count == 0)
            {
                var deliver = Probe.ExpectMsg<ConnectionActor.Deliver>();
                Delivers.Add(deliver);
                foreach (var frame in deliver.Frames)
                {
                    Unread.Enqueue(frame);
                }
            }

            var next = Frame.Parse(Unread.Dequeue());
            if (next.Type == "presence")
            {
                foreach (var name in next.Strings("leaves"))
                {
                    View.Remove(name);
                }

                if (next.Payload.TryGetProperty("renames", out var renames))
                {
                    foreach (var rename in renames.EnumerateArray())
                    {
                        View.Remove(rename.GetProperty("from").GetString()!);
                        View.Add(rename.GetProperty("to").GetString()!);
                    }
                }

                View.UnionWith(next.Strings("joins"));
            }
            else if (next.Type == "chat-join")
            {
                View.Add(next.Str("username"));
            }
            else if (next.Type == "chat-leave")
            {
                View.Remove(next.Str("username"));
            }
            else if (next.Type == "chat-rename")
            {
                View.Remove(next.Str("previous"));
                View.Add(next.Str("username"));
            }

            return next;
        }

        public Frame Next(string type)
        {
            var frame = Next();
            Assert.Equal(type, frame.Type);
            return frame;
        }

        /// <summary>Takes a joined frame's member list as its view.</summary>
        public void Saw(Frame joined)
        {
            View.Clear();
            View.UnionWith(joined.Strings(joined.Type == "chat-users" ? "users" : "members"));
        }
    }
}

/// <summary>One server frame, parsed: <c>{"type", "ref"?, "payload"}</c>.</summary>
public sealed record Frame(string Type, string? Ref, JsonElement Payload, string Json)
{
    public static Frame Parse(ReadOnlyMemory<byte> utf8)
    {
        var json = System.Text.Encoding.UTF8.GetString(utf8.Span);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new Frame(
            root.GetProperty("type").GetString()!,
            root.TryGetProperty("ref", out var r) ? r.GetString() : null,
            root.GetProperty("payload").Clone(),
            json);
    }

    public string Str(string name) => Payload.GetProperty(name).GetString()!;

    public long Number(string name) => Payload.GetProperty(name).GetInt64();

    public IReadOnlyList<string> Strings(string name) => [.. Payload.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The offsets of a frame's <c>messages</c>.</summary>
    public IReadOnlyList<long> Offsets() => [.. Payload.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("offset").GetInt64())];

    public IReadOnlyList<string> Texts() => [.. Payload.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!)];

    public bool? Recovered => Payload.TryGetProperty("recovered", out var r) ? r.GetBoolean() : null;
}
