using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using static ActorChat.Actors.Tests.Rooms.TestRoom;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>
/// Property-style: a seeded random run of batched posts (repeated cids, several sessions, a clock
/// that jitters back), trims, snapshots and journal deletes, driven as the room actor drives the
/// state. Replaying the journal, or a snapshot and the journal after it, must give the same state,
/// and every answer must match a plain model of the contract built from the persisted events.
/// </summary>
public sealed class RoomStateReplayTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 30)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Replaying_the_persisted_events_gives_the_same_state_and_answers_follow_the_contract(int seed)
    {
        var random = new Random(seed);
        var limits = new RoomLimits
        {
            TailMessages = random.Next(0, 25),
            TailBytes = random.Next(0, 4000),
            RecoveryLimit = random.Next(0, 50),
            MaxMessagesPerRoom = random.Next(1, 80),
            MaxAge = TimeSpan.FromMinutes(random.Next(1, 40)),
            DefaultHistoryLimit = 5,
            MaxHistoryLimit = 12,
        };
        var live = new RoomState(Name, limits);
        var all = new List<RoomEvent>();        // every event persisted; entry i has sequence number i + 1
        var journal = new List<RoomEvent?>();   // the same, with deleted entries null
        RoomSnapshot? latest = null;
        var sent = new Dictionary<(string, string), long>();
        var seen = new Dictionary<string, int>();
        void Saw(string what) => seen[what] = seen.GetValueOrDefault(what) + 1;

        Persist([live.DecideStart("e1")]);
        var now = T0;
        for (var step = 0; step < 300; step++)
        {
            now = now.AddSeconds(random.Next(0, 40));
            var batch = new List<RoomEvent>();
            for (var i = random.Next(0, 6); i > 0; i--)
            {
                var session = $"s{random.Next(3)}";
                var cid = random.Next(3) == 0 ? null : $"c{random.Next(20)}";
                var decision = live.DecidePost(session, "alice", new string('x', random.Next(1, 300)), cid, now.AddSeconds(random.Next(-5, 3)));
                var known = cid is not null && sent.TryGetValue((session, cid), out var original) ? original : (long?)null;
                switch (decision)
                {
                    case PostAccepted accepted:
                        // Accepted although the session used the cid before: only if retention dropped that message.
                        Assert.True(known is null || known < live.FirstKeptOffset, $"cid of kept message {known} posted again");
                        Saw(known is null ? "post" : "cid reposted after retention");
                        if (cid is not null)
                        {
                            sent[(session, cid)] = accepted.Offset;
                        }

                        batch.Add(accepted.Event);
                        break;
                    case PostDuplicate duplicate:
                        Assert.Equal(known, duplicate.Offset);
                        Assert.Equal(duplicate.Offset > live.LastOffset, duplicate.Pending);
                        Saw(duplicate.Pending ? "pending duplicate" : "duplicate");
                        break;
                }
            }

            if (random.Next(3) == 0 && live.DecideTrim(now) is { } trimmed)
            {
                batch.Add(trimmed);
                Saw("trim");
            }

            Persist(batch);
            if (random.Next(8) == 0)
            {
                latest = live.ToSnapshot();
                for (var s = 0; s < live.DeletableUpTo(latest.SequenceNr); s++)
                {
                    journal[s] = null;
                }
            }

            CheckRecovery();
            CheckAnswers();
        }

        var replayed = new RoomState(Name, limits);
        all.ForEach(replayed.Apply);
        AssertSame(live.ToSnapshot(), replayed.ToSnapshot());

        // The run must have exercised every case, or the properties above proved little.
        Assert.All(
            ["post", "duplicate", "pending duplicate", "cid reposted after retention", "trim", "recovered", "not recovered", "journal read", "more"],
            what => Assert.True(seen.ContainsKey(what), $"seed {seed} never saw: {what}"));

        // A restart now: the latest snapshot, then every journal entry after it, which must all still exist.
        void CheckRecovery()
        {
            var recovered = latest is null ? new RoomState(Name, limits) : RoomState.FromSnapshot(latest, limits);
            foreach (var roomEvent in journal.Skip((int)(latest?.SequenceNr ?? 0)))
            {
                recovered.Apply(roomEvent ?? throw new Xunit.Sdk.XunitException("an entry after the latest snapshot was deleted"));
            }

            AssertSame(live.ToSnapshot(), recovered.ToSnapshot());
        }

        void Persist(List<RoomEvent> batch)
        {
            foreach (var roomEvent in batch)
            {
                all.Add(roomEvent);
                journal.Add(roomEvent);
                live.Apply(roomEvent);
                Assert.Equal(all.Count, live.SequenceNr);
            }

            Assert.Equal(0, live.PendingCount);
        }

        // The model: the kept messages are the persisted ones from the first kept offset on.
        void CheckAnswers()
        {
            var posted = all.OfType<MessagePosted>().Select(p => p.Message).ToList();
            Assert.Equal(Range(1, posted.Count), posted.Offsets());
            Assert.Equal(posted.Select(m => m.At).Order(), posted.Select(m => m.At));
            var kept = posted.Where(m => m.Offset >= live.FirstKeptOffset).ToList();
            Assert.Equal(kept.Count, live.KeptCount);
            Assert.True(live.TailCount <= limits.TailMessages && live.TailBytes <= limits.TailBytes);

            var last = live.LastOffset;
            var since = new StreamPosition(random.Next(5) == 0 ? "e0" : "e1", random.NextInt64(-2, last + 3));
            var limit = random.Next(-1, 15);
            var joined = live.Join(since, limit);
            var recoverable = since.Epoch == "e1" && since.Offset >= 0 && since.Offset <= last
                && last - since.Offset <= limits.RecoveryLimit && since.Offset + 1 >= live.FirstKeptOffset;
            Assert.Equal(recoverable, joined.Recovered);
            Saw(recoverable ? "recovered" : "not recovered");
            Assert.Equal(last, joined.Offset);
            var effective = Math.Clamp(limit, 0, limits.MaxHistoryLimit);
            Assert.Equal(
                recoverable ? kept.Where(m => m.Offset > since.Offset) : kept.TakeLast(effective),
                Read(joined.Messages));

            var before = random.Next(4) == 0 ? (long?)null : random.NextInt64(-1, last + 3);
            var page = live.History(before, limit);
            var older = kept.Where(m => before is null || m.Offset < before).ToList();
            var expected = older.TakeLast(effective).ToList();
            Assert.Equal(expected, Read(page.Messages));
            Assert.Equal(older.Count > expected.Count, page.More);
            if (page.More)
            {
                Saw("more");
            }
        }

        IReadOnlyList<ChatMessage> Read(MessageSlice slice)
        {
            if (slice.Journal is not { } range)
            {
                return slice.Messages;
            }

            var read = journal
                .Skip((int)range.FromSequenceNr - 1)
                .Take((int)(range.ToSequenceNr - range.FromSequenceNr + 1))
                .OfType<MessagePosted>()
                .Select(p => p.Message)
                .ToList();
            Assert.True(slice.TryComplete(read, out var messages), $"journal read {range} incomplete");
            Saw("journal read");
            return messages;
        }
    }
}
