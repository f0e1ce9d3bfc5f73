using ActorChat.Actors.Rooms;
using System.Runtime.Serialization;
using ActorChat.Actors.Serialization;
using ActorChat.Actors.Sessions;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.Actors.Tests.Sessions;

/// <summary>Every session and name message and persisted event: bound to the sessions' serializer (hocon) and read back equal.</summary>
public sealed class SessionMessagesSerializerTests : ActorChatTestKit
{
    private static readonly byte[] Hash = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))];

    private IEnumerable<object> Samples() => Samples(CreateTestProbe().Ref);

    /// <summary>One sample of every type, with optional fields both present and absent, and text that is not well-formed UTF-16.</summary>
    internal static IReadOnlyList<object> Samples(IActorRef connection) =>
        [
            new SessionContract.Hello("AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB", "alice", true),
            new SessionContract.Hello(null, "b\uD800ob", false),
            new SessionContract.Hello(null, "alice", true, "user|alice@example.com"),
            new SessionContract.Welcomed("id", "Zoë 🦊", "token", true, ["general", "lobby"]),
            new SessionContract.Welcomed("id", "bob", null, false, []),
            new SessionContract.HelloRefused("name-taken", "The name \"alice\" is taken."),
            SessionContract.TakenOver.Instance,
            new SessionContract.Rename("id", "carol", 7),
            new SessionContract.Renamed("alice", "carol", long.MaxValue),
            new SessionContract.RenameRefused("invalid-name", "no", 3),
            new SessionContract.JoinedRoom("id", "general"),
            new SessionContract.LeftRoom("id", "general"),
            new SessionContract.Goodbye("id"),
            new RoomContract.SessionEnded("general", "id"),
            new SessionEntity.StartSession("id", "alice", "alice", "alice", true, connection),
            new SessionEntity.StartSession("id", "alice", "alice", "alice", true, connection, "alice"),
            new SessionEntity.ResumeSession("id", "id.secret", "alice", connection),
            new SessionEntity.ResumeSession("id", "id.secret", "alice", connection, "alice"),
            new SessionEntity.NotResumed("alice", connection),
            new SessionEntity.NotResumed("alice", connection, "alice"),
            new SessionEntity.RenameSession("id", "ALICE", "alice", "ALICE", connection, 5),
            new SessionEntity.Attached("id", long.MaxValue, connection),
            new SessionEntity.Reattach("id", 3, connection),
            new SessionEntity.NotAttached("id", connection),
            new SessionEntity.GetState("id"),
            new SessionEntity.StateReply("Zoë", ["general", "lobby"], true, false),
            new SessionEntity.StateReply(null, [], false, true),
            new NameEntity.Claim("c:alice", "id", "alice", 42),
            new NameEntity.Granted("k:alice", 42),
            new NameEntity.Held("c:alice", -1, "alice"),
            new NameEntity.Release("c:alice", "id"),
            new NameEntity.Released("c:alice", "id"),
            new NameEntity.HoldsName("id", "k:alice", 9),
            new NameEntity.HoldsNameReply("k:alice", 9, true),
            new NameEntity.WhoHolds("c:alice"),
            new NameEntity.UserHolder("c:alice", "alice"),
            new NameEntity.UserHolder("c:bob", null),
            new SessionEntity.SessionStarted("alice", "alice", "alice", true, Hash),
            new SessionEntity.SessionStarted("bob", "bob", "bob", false, null),
            new SessionEntity.SessionStarted("alice", "alice", "Alice", true, Hash, "auth0|alice"),
            new SessionEntity.SessionResumed(Hash),
            new SessionEntity.SessionResumed(Hash, [7, 7]),
            new SessionEntity.SessionRenamed("carol", "carol", "carol"),
            new SessionEntity.RoomJoined("general"),
            new SessionEntity.RoomLeft("general"),
            SessionEntity.SessionClosed.Instance,
            new SessionEntity.SessionSnapshot("alice", "alice", "alice", true, Hash, 7, ["a", "b"], false, [5]),
            new SessionEntity.SessionSnapshot("bob", "bob", "bob", false, null, 1, [], true),
            new SessionEntity.SessionSnapshot("alice", "alice", "Alice", true, Hash, 2, ["lobby"], false, null, "auth0|alice"),
            new NameEntity.NameHeld("id", "alice"),
            NameEntity.NameFreed.Instance,
        ];

    [Fact]
    public void Every_session_message_and_event_is_bound_to_the_sessions_serializer_and_reads_back_equal()
    {
        var manifests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sample in Samples())
        {
            var serializer = Sys.Serialization.FindSerializerFor(sample);
            Assert.IsType<SessionMessagesSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            manifests.Add(manifest);
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, manifest);
            Assert.IsType(sample.GetType(), back);
            Assert.Equivalent(sample, back, strict: true);
        }

        // One manifest per type, the persisted ones apart (sev3.…, Protocol Buffers).
        Assert.Equal(Samples().Select(s => s.GetType()).Distinct().Count(), manifests.Count);
        Assert.Equal(9, manifests.Count(m => m.StartsWith("sev", StringComparison.Ordinal)));
    }

    [Fact]
    public void Events_stored_before_the_previous_token_was_kept_still_read_as_they_were()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(SessionEntity.SessionResumed));
        byte[] hash = [1, 2, 3];

        // sev1.resume: the new token's hash only.
        var resumed = new WireWriter();
        resumed.Bytes(hash);
        var old = Assert.IsType<SessionEntity.SessionResumed>(serializer.FromBinary(resumed.ToArray(), "sev1.resume"));
        Assert.Equal(hash, old.TokenHash);
        Assert.Null(old.PreviousTokenHash);

        // sev1.snap: the whole state without it.
        var snapshot = new WireWriter();
        snapshot.Text("Alice");
        snapshot.Text("alice");
        snapshot.Text("Alice");
        snapshot.Bool(true);
        snapshot.Bool(true);
        snapshot.Bytes(hash);
        snapshot.Fixed64(4);
        snapshot.Strings(["general"]);
        snapshot.Bool(false);
        var state = Assert.IsType<SessionEntity.SessionSnapshot>(serializer.FromBinary(snapshot.ToArray(), "sev1.snap"));
        Assert.Equal(("Alice", 4L, "general"), (state.Name, state.Generation, Assert.Single(state.Rooms)));
        Assert.Null(state.PreviousTokenHash);

        // What this build writes keeps it.
        var now = new SessionEntity.SessionResumed(hash, [9]);
        Assert.Equal("sev3.resume", serializer.Manifest(now));
        Assert.Equivalent(now, serializer.FromBinary(serializer.ToBinary(now), "sev3.resume"), strict: true);
    }

    [Fact]
    public void An_unknown_manifest_and_a_short_or_long_message_are_refused_not_misread()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(SessionContract.Hello));
        var bytes = serializer.ToBinary(new SessionContract.Rename("id", "carol"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "zzz9"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^1], "ren2"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], "ren2"));
        Assert.Throws<SerializationException>(() => serializer.ToBinary(new object()));
    }

    [Fact]
    public void An_actor_ref_reads_back_as_the_same_actor()
    {
        var connection = CreateTestProbe();
        var serializer = Sys.Serialization.FindSerializerForType(typeof(SessionEntity.Attached));
        var back = (SessionEntity.Attached)Sys.Serialization.Deserialize(serializer.ToBinary(new SessionEntity.Attached("id", 1, connection.Ref)), serializer.Identifier, "sat1");
        back.Connection.Tell("hi");
        connection.ExpectMsg("hi");
        Assert.Equal(connection.Ref, back.Connection);
    }
}
