using System.Runtime.Serialization;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;
using Akka.Serialization;

namespace ActorChat.History.Tests;

/// <summary>The stored format of what rooms persist.</summary>
public sealed class HistorySerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-test", ChatHistory.SerializationConfig);

    public void Dispose() => _system.Dispose();

    private HistorySerializer Serializer => Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerForType(typeof(ChatMessage)));

    [Fact]
    public void Chat_messages_and_stream_positions_are_bound_to_the_history_serializer()
    {
        Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerForType(typeof(ChatMessage)));
        Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerForType(typeof(StreamPosition)));
        Assert.Equal(HistorySerializer.SerializerId, Serializer.Identifier);
    }

    [Fact]
    public void Every_kind_of_message_reads_back_exactly_time_zone_and_lone_surrogates_included()
    {
        var messages = TestData.Messages("lobby", 1, 20).Concat(
        [
            new ChatMessage("r", 0, "", "", DateTimeOffset.MinValue, null),
            new ChatMessage("r", long.MaxValue, "a", "b", DateTimeOffset.MaxValue, ""),
            new ChatMessage("r", 7, "a", "\udfff\ud800", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)), new string('c', 64)),
            new ChatMessage("r", 8, "a", new string('é', 100_000), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(-12)), null),
            new ChatMessage("r", 9, "server", "posted through the API", new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), "c-9", ChatMessage.ViaApi),
            new ChatMessage("r", 10, "server", "no cid", new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), null, ChatMessage.ViaApi),
        ]).ToList();

        var read = messages.Select(m => (ChatMessage)RoundTrip(m)).ToList();

        TestData.AssertSameMessages(messages, read);
    }

    [Fact]
    public void A_stream_position_reads_back()
    {
        var position = new StreamPosition("01JD8Z3K9Q", 123_456_789_012);

        Assert.Equal(position, RoundTrip(position));
    }

    [Fact]
    public void A_rooms_events_and_snapshot_are_bound_to_the_history_serializer_and_read_back()
    {
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
        var message = new ChatMessage("general", 2, "alice", "hi \ud800", at, "c1");
        object[] values =
        [
            new HistoryStarted("0123456789abcdef"),
            new MessagePosted(message, "17"),
            new MessagePosted(message with { Cid = null }, "18"),
            new HistoryTrimmed(42),
        ];
        foreach (var value in values)
        {
            Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerFor(value));
            Assert.Equal(value, RoundTrip(value));
        }

        var snapshot = new RoomSnapshot(
            "general",
            "0123456789abcdef",
            NextOffset: 4,
            FirstKeptOffset: 2,
            SequenceNr: 5,
            Kept: [new KeptMessage(2, 3, at, "17", "c1"), new KeptMessage(3, 4, at.AddSeconds(1), null, null)],
            Tail: [message, message with { Offset = 3, Cid = null, At = at.AddSeconds(1) }]);
        Assert.IsType<HistorySerializer>(_system.Serialization.FindSerializerFor(snapshot));
        var read = Assert.IsType<RoomSnapshot>(RoundTrip(snapshot));
        Assert.Equal(
            (snapshot.Room, snapshot.Epoch, snapshot.NextOffset, snapshot.FirstKeptOffset, snapshot.SequenceNr),
            (read.Room, read.Epoch, read.NextOffset, read.FirstKeptOffset, read.SequenceNr));
        Assert.Equal(snapshot.Kept, read.Kept);
        Assert.Equal(snapshot.Tail, read.Tail);
    }

    [Fact]
    public void A_truncated_snapshot_is_refused_as_corrupt()
    {
        var snapshot = new RoomSnapshot("r", "e", 1, 1, 0, [new KeptMessage(1, 2, DateTimeOffset.UnixEpoch, "s", "c")], []);
        var bytes = Serializer.ToBinary(snapshot);
        Assert.Throws<SerializationException>(() => _system.Serialization.Deserialize(bytes[..^1], Serializer.Identifier, Serializer.Manifest(snapshot)));
    }

    /// <summary>
    /// Stored rows are never rewritten: a format change needs a new manifest, and this test is the
    /// reminder (it fails when the bytes of <c>msg2</c> or <c>pos2</c> change). The hand-written
    /// layouts of older builds (<c>msg1</c>, <c>pos1</c>) are still read as they were.
    /// </summary>
    [Fact]
    public void The_stored_formats_stay_as_they_were()
    {
        var message = new ChatMessage("lobby", 3, "Zoë", "hi \ud800", new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.FromMinutes(330)), "c1");
        Assert.Equal("msg2", Serializer.Manifest(message));

        // Protocol Buffers: room (field 1), offset (2), from (3), text (a lone surrogate: UTF-16LE
        // in field 5, not the UTF-8 string of field 4), at (6: UTC ticks, offset minutes 330), cid (7).
        Assert.Equal(
            Hex("0A05 6C6F626279", "1003", "1A04 5A6FC3AB", "2A08 68006900200000D8", "320D 0880A8CEF6DEEED2EF08 10CA02", "3A02 6331"),
            Convert.ToHexString(Serializer.ToBinary(message)));
        TestData.AssertSameMessages([message], [(ChatMessage)Serializer.FromBinary(Serializer.ToBinary(message), "msg2")]);

        var position = new StreamPosition("e1", 258);
        Assert.Equal("pos2", Serializer.Manifest(position));
        Assert.Equal(Hex("0A02 6531", "108202"), Convert.ToHexString(Serializer.ToBinary(position)));

        // The legacy layout: room (UTF-8, header 5 << 1), offset, from, text (UTF-16, header 4 << 1 | 1),
        // UTC ticks, offset minutes (330), cid present and "c1".
        var legacy = Convert.FromHexString(Hex("0A 6C6F626279", "0300000000000000", "08 5A6FC3AB", "09 680069002000 00D8", "0094D3EE754BDF08", "4A01", "01 04 6331"));
        TestData.AssertSameMessages([message], [(ChatMessage)Serializer.FromBinary(legacy, "msg1")]);
        Assert.Equal(position, Serializer.FromBinary(Convert.FromHexString(Hex("04 6531", "0201000000000000")), "pos1"));

        static string Hex(params string[] parts) => string.Concat(parts).Replace(" ", "", StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_it_has_no_format_for_is_refused_naming_the_type()
    {
        var refused = Assert.Throws<ArgumentException>(() => Serializer.Manifest(new Uri("http://example.com")));
        Assert.Contains("System.Uri", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(new Uri("http://example.com")));
    }

    public static TheoryData<string, string> Corrupt => new()
    {
        { "msg1", "" },
        { "msg1", "0A6C6F6262" },
        { "msg1", "0A6C6F626279030000000000000008" },
        { "pos1", "046531020100000000000000" + "00" },
        { "pos1", "04FF31" + "0201000000000000" },
        { "pos1", "FFFFFFFFFFFFFFFFFFFF01" },
        { "msg2", "00" },
        { "msg2", "0A05" },
        { "rsn2", "3A" },
        { "zzz9", "" },
    };

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void Bytes_that_do_not_fit_the_layout_are_a_serialization_error(string manifest, string hex)
    {
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(Convert.FromHexString(hex), manifest));
    }

    private object RoundTrip(object value)
    {
        var serializer = Assert.IsAssignableFrom<SerializerWithStringManifest>(_system.Serialization.FindSerializerFor(value));
        return _system.Serialization.Deserialize(serializer.ToBinary(value), serializer.Identifier, serializer.Manifest(value));
    }
}
