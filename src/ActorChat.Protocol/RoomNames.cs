namespace ActorChat.Protocol;

/// <summary>The rule for room names: lowercase <c>a-z 0-9 - _</c>, 1–32 characters, starting with a letter or digit.</summary>
public static class RoomNames
{
    /// <summary>The room every <c>beej-chat-protocol</c> connection is in, and which always exists.</summary>
    public const string Lobby = "lobby";

    public const int MaxLength = 32;

    /// <summary>True when <paramref name="room"/> is a valid room name as it is (no trimming, no case folding).</summary>
    public static bool IsValid(string? room)
    {
        if (string.IsNullOrEmpty(room) || room.Length > MaxLength || !char.IsAsciiLetterLower(room[0]) && !char.IsAsciiDigit(room[0]))
        {
            return false;
        }

        foreach (var c in room)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
