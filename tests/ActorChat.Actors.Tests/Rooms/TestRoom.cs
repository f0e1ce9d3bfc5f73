using ActorChat.Actors.Rooms;
using ActorChat.Protocol;

namespace ActorChat.Actors.Tests.Rooms;

/// <summary>Builds room states and drives them the way the room actor does (decide, persist, apply).</summary>
internal static class TestRoom
{
    public const string Name = "room";
    public const string Epoch = "0123456789abcdef";
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);

    public static RoomState Started(RoomLimits? limits = null, string epoch = Epoch)
    {
        var state = new RoomState(Name, limits ?? new RoomLimits());
        state.Apply(state.DecideStart(epoch));
        return state;
    }

    /// <summary>Decides and applies one post; returns the offset it was acked with.</summary>
    public static long Post(this RoomState state, string text = "hi", string session = "s1", string? cid = null, DateTimeOffset? at = null)
    {
        switch (state.DecidePost(session, "alice", text, cid, at ?? T0))
        {
            case PostAccepted accepted:
                state.Apply(accepted.Event);
                return accepted.Offset;
            case PostDuplicate duplicate:
                Assert.False(duplicate.Pending);
                return duplicate.Offset;
            default:
                throw new InvalidOperationException();
        }
    }

    /// <summary>Posts <paramref name="count"/> messages "m1", "m2"… one second apart from <paramref name="from"/>.</summary>
    public static void PostMany(this RoomState state, int count, DateTimeOffset? from = null)
    {
        var start = from ?? T0;
        for (var i = 0; i < count; i++)
        {
            var offset = state.NextOffset;
            Assert.Equal(offset, state.Post($"m{offset}", at: start.AddSeconds(i)));
        }
    }

    /// <summary>Decides and applies a trim at <paramref name="now"/>, if any.</summary>
    public static HistoryTrimmed? Trim(this RoomState state, DateTimeOffset now)
    {
        var trimmed = state.DecideTrim(now);
        if (trimmed is not null)
        {
            state.Apply(trimmed);
        }

        return trimmed;
    }

    public static long[] Offsets(this IEnumerable<ChatMessage> messages) => [.. messages.Select(m => m.Offset)];

    public static long[] Range(long from, long to) => from > to ? [] : [.. Enumerable.Range(0, (int)(to - from + 1)).Select(i => from + i)];

    /// <summary>Two snapshots describe the same state (records holding lists compare the lists by reference).</summary>
    public static void AssertSame(RoomSnapshot expected, RoomSnapshot actual)
    {
        Assert.Equal(
            (expected.Room, expected.Epoch, expected.NextOffset, expected.FirstKeptOffset, expected.SequenceNr),
            (actual.Room, actual.Epoch, actual.NextOffset, actual.FirstKeptOffset, actual.SequenceNr));
        Assert.Equal(expected.Kept, actual.Kept);
        Assert.Equal(expected.Tail, actual.Tail);
    }
}
