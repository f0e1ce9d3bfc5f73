using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ActorChat.Actors.Protocol;

/// <summary>Validation of names and messages, shared by the actors.</summary>
public static class ChatRules
{
    private const int CommonScript = 0;
    private const int InheritedScript = 1;
    private const int UnknownScript = 103;
    private const int ZeroWidthJoiner = 0x200D;
    private const int EmojiPresentationSelector = 0xFE0F;
    private const int BrailleBlank = 0x2800;

    /// <summary>A trimmed name as the room would show it (NFC), for comparing with a bound name.</summary>
    public static string Display(string trimmed) => Icu.Instance.Nfc(trimmed);

    /// <summary>
    /// Trims <paramref name="raw"/> and checks it as a name. On success <paramref name="name"/> is the
    /// name to show (trimmed, in NFC, otherwise as typed) and <paramref name="key"/> what it is compared
    /// by (<see cref="NameKey"/>); otherwise <paramref name="error"/> says why, for the user.
    /// </summary>
    /// <remarks>
    /// Refused: empty; longer than <paramref name="maxLength"/> UTF-16 code units after NFC; any control,
    /// format, separator, private-use, unassigned, lone-surrogate or default-ignorable code point,
    /// checked per <see cref="Rune"/> so astral ones (tags such as U+E0001) count, with two exceptions
    /// that are how emoji are written: U+FE0F after an emoji and U+200D between two pictographs (the
    /// key drops both, so they cannot tell names apart); mixed scripts that can imitate another name
    /// (UTS #39 moderately restrictive: Latin with Cyrillic, Greek or Cherokee, or two non-Latin
    /// scripts other than the Chinese, Japanese and Korean combinations); a mark hidden by its letter
    /// (a dot above "i"); the same mark twice on one letter; digits of two number systems.
    /// </remarks>
    public static bool TryValidateName(
        string raw,
        int maxLength,
        out string name,
        [NotNullWhen(true)] out NameKey? key,
        [NotNullWhen(false)] out string? error)
    {
        key = null;
        name = raw.Trim();
        if (name.Length == 0)
        {
            error = "A name cannot be empty.";
            return false;
        }

        // NFC shortens text at most about four times (a letter with three marks becomes one code
        // point): anything far longer is refused before ICU sees it.
        if (name.Length > maxLength * 8)
        {
            error = TooLong(maxLength);
            return false;
        }

        var icu = Icu.Instance;
        if (FindInvisible(icu, name) is { } hidden)
        {
            error = $"A name cannot contain control or invisible characters (it contains U+{hidden:X4}).";
            return false;
        }

        name = icu.Nfc(name);
        if (name.Length > maxLength)
        {
            error = TooLong(maxLength);
            return false;
        }

        // The checks look at the NFKC form, where e.g. mathematical bold letters are plain Latin.
        var compatible = icu.Nfkc(name);
        var failed = icu.Check(compatible);
        if (failed != Icu.SpoofChecks.None)
        {
            error = failed.HasFlag(Icu.SpoofChecks.RestrictionLevel) ? MixedScripts(icu, compatible)
                : failed.HasFlag(Icu.SpoofChecks.HiddenOverlay) ? "A name cannot contain a mark hidden by the letter it is on, such as a dot above \"i\"."
                : failed.HasFlag(Icu.SpoofChecks.Invisible) ? "A name cannot repeat the same mark on one letter."
                : "A name cannot mix digits from different number systems.";
            return false;
        }

        key = NameKey.Of(name);
        error = null;
        return true;
    }

    private static string TooLong(int maxLength) => $"A name can have at most {maxLength} characters.";

    /// <summary>The first code point that is not allowed for being invisible or a control, or null.</summary>
    private static int? FindInvisible(Icu icu, string name)
    {
        var previous = -1;
        var index = 0;
        while (index < name.Length)
        {
            if (Rune.DecodeFromUtf16(name.AsSpan(index), out var rune, out var consumed) != OperationStatus.Done)
            {
                return name[index];
            }

            index += consumed;
            var code = rune.Value;
            if (code == EmojiPresentationSelector && previous >= 0 && icu.IsEmoji(previous))
            {
                continue;
            }

            if (code == ZeroWidthJoiner
                && previous >= 0
                && (icu.IsExtendedPictographic(previous) || icu.IsEmojiModifier(previous))
                && Rune.DecodeFromUtf16(name.AsSpan(index), out var next, out _) == OperationStatus.Done
                && icu.IsExtendedPictographic(next.Value))
            {
                previous = code;
                continue;
            }

            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.Surrogate:
                case UnicodeCategory.PrivateUse:
                case UnicodeCategory.OtherNotAssigned:
                    return code;
                default:
                    break;
            }

            // Default_Ignorable_Code_Point covers what renders as nothing without being a format
            // character: U+034F COMBINING GRAPHEME JOINER, variation selectors, Hangul fillers, ….
            // U+2800 BRAILLE PATTERN BLANK is not ignorable but shows as a space no trim removes.
            if (icu.IsDefaultIgnorable(code) || code == BrailleBlank)
            {
                return code;
            }

            previous = code;
        }

        return null;
    }

    private static string MixedScripts(Icu icu, string name)
    {
        var scripts = new List<string>();
        foreach (var rune in name.EnumerateRunes())
        {
            var script = icu.Script(rune.Value);
            if (script is not (CommonScript or InheritedScript or UnknownScript) && !scripts.Contains(icu.ScriptName(script)))
            {
                scripts.Add(icu.ScriptName(script));
            }
        }

        var mix = scripts.Count >= 2
            ? $"{string.Join(", ", scripts[..^1])} and {scripts[^1]} letters"
            : "letters from different scripts";
        return $"A name cannot mix {mix}: names that mix scripts can imitate other names.";
    }
}
