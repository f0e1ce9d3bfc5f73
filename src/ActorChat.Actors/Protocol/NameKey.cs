using System.Globalization;
using System.Text;

namespace ActorChat.Actors.Protocol;

/// <summary>
/// What two chat names that look alike have in common: a room holds at most one member per
/// <see cref="Caseless"/> key and at most one per <see cref="Cased"/> key. Names are shown as typed
/// (NFC); only these keys are compared.
/// </summary>
/// <param name="Caseless">
/// The name's identity: NFKC_Casefold (compatibility forms such as fullwidth letters unified, full
/// case folding, default-ignorable characters dropped), then the UTS #39 confusable skeleton (so
/// Cyrillic "асе" meets Latin "ace", "rn" meets "m", "0" meets "O"), then the marks on Latin, Greek
/// and Cyrillic letters dropped (so "alicé" meets "alice", and "ALİCE", whose folding is "ali̇ce",
/// meets it too), runs of white space made one space, and case folded again (prototypes such as "O"
/// are upper case). Two names with the same key are one name: its holder may switch between them.
/// </param>
/// <param name="Cased">
/// The skeleton of the name's NFKC form without case folding, marks and spaces treated the same way.
/// Folding first would turn capital "I" into "i" and hide that "aIice" looks like "alice" in most
/// sans-serif fonts; this key keeps it. It is not folded afterwards either: "Ian" and "lan" look
/// alike and share it, "Ian" and "Lan" do not.
/// </param>
/// <remarks>
/// Limits (by design or by the data): accents on Latin, Greek and Cyrillic letters do not tell names
/// apart ("René" and "Rene", "Дмитрий" and "Дмитрии" are one name), and neither do strokes (ø, ł, đ,
/// which the skeleton writes as the bare letter and an overlay mark); marks in other scripts do, unless
/// the skeleton's prototype of the letter under them is Latin (Arabic alef is "l", so "أحمد" and
/// "احمد" are one name); a lookalike that combines case and shape ("AIice", which reads as
/// "Alice", while "alice" is joined) is not caught, since a single key per relation cannot hold both
/// "I ~ i" and "I ~ l" without merging "Ian" with "Lan"; and the confusable data is the platform ICU's
/// (ICU 72 on Debian 12: Unicode 15), so a key may change with the ICU version: compare keys computed
/// in one process, never store or send them. Computed once per join or rename; pure and safe to call
/// from any thread.
/// </remarks>
public sealed record NameKey(string Caseless, string Cased)
{
    private const int LatinScript = 25;
    private const int GreekScript = 14;
    private const int CyrillicScript = 8;

    /// <summary>The key of a name that passed <see cref="ChatRules.TryValidateName"/> (trimmed, NFC, nothing invisible).</summary>
    public static NameKey Of(string name)
    {
        var icu = Icu.Instance;
        var caseless = icu.NfkcCasefold(Plain(icu, icu.Skeleton(icu.NfkcCasefold(name))));
        var cased = Plain(icu, icu.Skeleton(icu.Nfkc(name)));
        return new NameKey(caseless, cased);
    }

    /// <summary>
    /// Loads ICU now, so that a host can refuse to start without it rather than fail every join;
    /// throws <see cref="InvalidOperationException"/> with a one-line explanation when it is missing.
    /// </summary>
    public static void EnsureAvailable() => _ = Icu.Instance;

    /// <summary>
    /// Drops default-ignorable code points and the nonspacing and enclosing marks that follow a Latin,
    /// Greek or Cyrillic letter (the skeleton is in NFD, so every accent is a separate mark here), and
    /// makes each run of white space one space ("al  ice" reads like "al ice").
    /// </summary>
    private static string Plain(Icu icu, string skeleton)
    {
        var plain = new StringBuilder(skeleton.Length);
        var onMarkableLetter = false;
        var inSpace = false;
        foreach (var rune in skeleton.EnumerateRunes())
        {
            // UTS #39 removes these from the skeleton; ICU 72 keeps some (U+FE0F).
            if (icu.IsDefaultIgnorable(rune.Value))
            {
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark)
            {
                if (!onMarkableLetter)
                {
                    Append(plain, rune);
                }

                continue;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                if (!inSpace)
                {
                    plain.Append(' ');
                }

                inSpace = true;
                onMarkableLetter = false;
                continue;
            }

            inSpace = false;
            onMarkableLetter = icu.Script(rune.Value) is LatinScript or GreekScript or CyrillicScript;
            Append(plain, rune);
        }

        return plain.ToString();
    }

    private static void Append(StringBuilder builder, Rune rune)
    {
        Span<char> utf16 = stackalloc char[2];
        builder.Append(utf16[..rune.EncodeToUtf16(utf16)]);
    }
}
