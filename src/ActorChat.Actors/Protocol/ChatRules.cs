using System.Globalization;

namespace ActorChat.Actors.Protocol;

/// <summary>Validation of names and messages, shared by the actors.</summary>
public static class ChatRules
{
    /// <summary>Trims <paramref name="raw"/> and checks it as a name; returns null when valid, else why not.</summary>
    public static string? ValidateName(string raw, int maxLength, out string name)
    {
        name = raw.Trim();
        if (name.Length == 0)
        {
            return "A name cannot be empty.";
        }

        if (name.Length > maxLength)
        {
            return $"A name can have at most {maxLength} characters.";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }

            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.Surrogate:
                case UnicodeCategory.PrivateUse:
                    return "A name cannot contain control or invisible characters.";
                default:
                    break;
            }
        }

        return null;
    }
}
