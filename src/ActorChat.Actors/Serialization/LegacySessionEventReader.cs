using ActorChat.Actors.Sessions;

namespace ActorChat.Actors.Serialization;

/// <summary>
/// READ ONLY: the hand-written layouts sessions and names persisted before the Protocol Buffers
/// schema (up to commit f30805b), manifests <c>sev1.…</c> and <c>sev2.…</c> under
/// <see cref="SessionMessagesSerializer"/>'s id 7102. Nothing writes them any more; journals
/// written by those builds still hold them (rows are never rewritten), so this stays as long as
/// such a store may be opened (JournalOfF30805bTests in ActorChat.History.Tests reads one).
/// </summary>
/// <remarks>
/// The layout (<see cref="WireReader"/>): fields in the order of each record's constructor; an
/// optional byte array a presence flag and the bytes.
/// </remarks>
internal static class LegacySessionEventReader
{
    /// <summary>The stored event, or null when <paramref name="manifest"/> is not one of these layouts.</summary>
    public static object? Read(byte[] bytes, string manifest)
    {
        var r = new WireReader(bytes, $"a stored session event '{manifest}'");
        object? e = manifest switch
        {
            "sev1.start" => new SessionEntity.SessionStarted(r.Text(), r.Text(), r.Text(), r.Bool(), r.Bool() ? r.Bytes() : null),
            "sev1.resume" => new SessionEntity.SessionResumed(r.Bytes()),
            "sev2.resume" => new SessionEntity.SessionResumed(r.Bytes(), r.Bool() ? r.Bytes() : null),
            "sev1.rename" => new SessionEntity.SessionRenamed(r.Text(), r.Text(), r.Text()),
            "sev1.join" => new SessionEntity.RoomJoined(r.Text()),
            "sev1.leave" => new SessionEntity.RoomLeft(r.Text()),
            "sev1.end" => SessionEntity.SessionClosed.Instance,
            "sev1.snap" => new SessionEntity.SessionSnapshot(r.Text(), r.Text(), r.Text(), r.Bool(), r.Bool() ? r.Bytes() : null, r.Fixed64(), r.Strings(), r.Bool()),
            "sev2.snap" => new SessionEntity.SessionSnapshot(r.Text(), r.Text(), r.Text(), r.Bool(), r.Bool() ? r.Bytes() : null, r.Fixed64(), r.Strings(), r.Bool(), r.Bool() ? r.Bytes() : null),
            "sev1.nameheld" => new NameEntity.NameHeld(r.Text(), r.Text()),
            "sev1.namefreed" => NameEntity.NameFreed.Instance,
            _ => null,
        };
        if (e is not null)
        {
            r.End();
        }

        return e;
    }
}
