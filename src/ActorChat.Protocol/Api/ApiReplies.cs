using System.Text.Json;

namespace ActorChat.Protocol.Api;

/// <summary>
/// The server API's side of the protocol module: reading a publish body, the room's reply to an API
/// post as the API's body (<see cref="Encoder"/>, so the room stays protocol-neutral: it asks an
/// encoder, as for every member), and a <c>history</c> frame's payload as a history page.
/// </summary>
public static class ApiReplies
{
    /// <summary>What a room uses to answer an API post: its <see cref="IRoomEventEncoder.Acked"/> is the <see cref="Published"/> body.</summary>
    public static IRoomEventEncoder Encoder { get; } = new ApiAckEncoder();

    /// <summary>
    /// Reads a publish body. False, with <paramref name="problem"/> for the caller, when it is not
    /// one JSON object of the <see cref="PublishRequest"/> shape (a member of the wrong type included).
    /// </summary>
    public static bool TryReadPublish(ReadOnlySpan<byte> body, out PublishRequest request, out string problem) =>
        ApiRequests.TryRead(body, ApiJsonContext.Default.PublishRequest, "publish request", out request, out problem);

    /// <summary>A room's settings as the API shows them: in the words of <c>actorchat.v1</c>'s <c>settings</c>.</summary>
    public static RoomSettingsDoc Settings(RoomRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new RoomSettingsDoc(
            rules.Visibility == RoomVisibility.Private ? "private" : "public",
            rules.AnonymousAllowed ? "allow" : "deny",
            rules.Posting == RoomPosting.Moderators ? "moderators" : "everyone",
            rules.SlowMode,
            rules.Topic);
    }

    /// <summary>The <c>payload</c> of an <c>actorchat.v1</c> <c>history</c> frame (<c>{room, messages, more}</c>), as its own bytes.</summary>
    public static byte[] HistoryPayload(ReadOnlyMemory<byte> historyFrame) => Payload(historyFrame, "history");

    /// <summary>The <c>payload</c> of an <c>actorchat.v1</c> frame of type <paramref name="frameType"/> (a <c>history</c> or an <c>audit</c>), as its own bytes.</summary>
    public static byte[] Payload(ReadOnlyMemory<byte> v1Frame, string frameType)
    {
        using var frame = JsonDocument.Parse(v1Frame);
        if (!frame.RootElement.TryGetProperty("type"u8, out var type) || !type.ValueEquals(frameType))
        {
            throw new ArgumentException($"Not {frameType} frame.", nameof(v1Frame));
        }

        // The payload exactly as the room's encoder wrote it: the one shape of a message everywhere.
        return System.Text.Encoding.UTF8.GetBytes(frame.RootElement.GetProperty("payload"u8).GetRawText());
    }

    /// <summary>The <see cref="Published"/> body of an API post; only <see cref="Acked"/> is ever asked of it (the API is no member).</summary>
    private sealed class ApiAckEncoder : IRoomEventEncoder
    {
        public bool PresenceAtOnce => false;

        public ReadOnlyMemory<byte> Message(ChatMessage message) => throw NotAMember();

        public IReadOnlyList<ReadOnlyMemory<byte>> Presence(PresenceDiff diff) => throw NotAMember();

        public IReadOnlyList<ReadOnlyMemory<byte>> Entered(RoomEntered entered) => throw NotAMember();

        public ReadOnlyMemory<byte>? Acked(PostAcked acked)
        {
            ArgumentNullException.ThrowIfNull(acked);
            return JsonSerializer.SerializeToUtf8Bytes(new Published(acked.Room, acked.Offset), ApiJsonContext.Default.Published);
        }

        public ReadOnlyMemory<byte>? Left(RoomLeft left) => null;

        public ReadOnlyMemory<byte>? History(HistoryPageRead page) => null;

        public ReadOnlyMemory<byte>? Governance(GovernanceFact fact) => null;

        private static InvalidOperationException NotAMember() => new("The server API is not a member of any room.");
    }
}
