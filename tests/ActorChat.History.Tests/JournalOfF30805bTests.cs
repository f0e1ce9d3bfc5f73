using ActorChat.Actors.Rooms;
using ActorChat.Actors.Sessions;
using ActorChat.Protocol;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ActorChat.History.Tests;

/// <summary>
/// A journal written by an older build (commit f30805b, before the Protocol Buffers formats: every
/// row in the hand-written layouts, manifests <c>hst1 pst1 trm1 rsn1</c> and <c>sev1.… sev2.…</c>)
/// is read by this one: the fixture in <c>Fixtures/journal-f30805b</c> (how it was written:
/// <c>FixtureGenerator.cs.txt</c> beside it) holds a room whose first three messages were trimmed
/// by age, a snapshot and one message after it, and a session (renamed, resumed, snapshotted, one
/// event after the snapshot) with its names.
/// </summary>
public sealed class JournalOfF30805bTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-f30805b");

    // The fixture's messages were posted from 2026-11-26 09:00 on (a fake clock): the room reads
    // them at that time, so retention by age keeps them whatever today's date.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 10, 0, TimeSpan.Zero));
    private readonly TempFolder _folder = new();

    public JournalOfF30805bTests()
    {
        foreach (var file in new[] { "history.db", "history.snapshots.db" })
        {
            File.Copy(Path.Combine(Fixture, file), Path.Combine(_folder.Path, file));
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_room_comes_back_with_its_offsets_retention_snapshot_and_messages()
    {
        var epoch = File.ReadAllText(Path.Combine(Fixture, "room.txt")).Trim()["epoch=".Length..];
        await using var host = await HistoryHost.StartAsync(_folder.Sqlite());
        var room = host.System.ActorOf(RoomActor.Props("general", new RoomLimits(), new RoomSettings { SnapshotEvery = 5 }, NullLogger.Instance, _time), "room-general");
        var status = await HistoryHost.AskAsync<RoomContract.Status>(room, new RoomContract.GetStatus("general"));
        Assert.Equal((new StreamPosition(epoch, 13), 4L, 15L), (status.Position, status.FirstKeptOffset, status.SequenceNr));

        // Messages 4-12 come from the snapshot's tail, 13 from the event after it.
        var member = Inbox.Create(host.System);
        room.Tell(new RoomContract.Enter("general", "s-alice", "alice", member.Receiver, Subprotocols.V1, new StreamPosition(epoch, 3), null, "j1"), member.Receiver);
        var entered = Assert.IsType<RoomContract.Entered>(await member.ReceiveAsync(HistoryHost.Timeout));
        Assert.True(entered.Recovered);
        List<(long, string?)> expected = [.. Enumerable.Range(4, 9).Select(i => ((long)i, (string?)(i == 7 ? "Zoë 🎉 \"quoted\"\nline" : $"message {i}"))), (13L, "after the snapshot")];
        Assert.Equal(expected, RoomOnStore.JoinedMessages(entered));

        // The cid index came back too: a retried send of message 5 is acked with its offset, not posted.
        room.Tell(new RoomContract.Post("general", "s-alice", "message 5, retried", "c5", "p5"), member.Receiver);
        room.Tell(new RoomContract.Post("general", "s-alice", "new", "c14", "p14"), member.Receiver);
        var acks = await RoomOnStore.AcksAsync(member, "p5", "p14");
        Assert.Equal((5L, 14L), (acks["p5"], acks["p14"]));
    }

    [Fact]
    public async Task The_session_resumes_with_its_name_and_rooms_and_its_names_are_held()
    {
        var lines = File.ReadAllLines(Path.Combine(Fixture, "session.txt"));
        var (sessionId, token) = (lines[0], lines[1]);
        await using var node = await SessionsOnSqliteTests.StartAsync(_folder.Sqlite());
        var connection = Inbox.Create(node.System);
        node.Front.Tell(new SessionContract.Hello(token, "x", true), connection.Receiver);
        var welcome = Assert.IsType<SessionContract.Welcomed>(await connection.ReceiveAsync(HistoryHost.Timeout));
        Assert.Equal((sessionId, "Alicia", true), (welcome.SessionId, welcome.Name, welcome.Resumed));
        Assert.Equal(["general", "random"], welcome.Rooms);

        // The name entities recovered their holders: another session cannot take "alicia", and
        // "alice", freed by the rename, is free again.
        var other = Inbox.Create(node.System);
        node.Front.Tell(new SessionContract.Hello(null, "ALICIA", true), other.Receiver);
        Assert.IsType<SessionContract.HelloRefused>(await other.ReceiveAsync(HistoryHost.Timeout));
        node.Front.Tell(new SessionContract.Hello(null, "alice", true), other.Receiver);
        Assert.Equal("alice", Assert.IsType<SessionContract.Welcomed>(await other.ReceiveAsync(HistoryHost.Timeout)).Name);
    }
}
