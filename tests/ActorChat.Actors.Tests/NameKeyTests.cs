using ActorChat.Actors.Protocol;

namespace ActorChat.Actors.Tests;

/// <summary>
/// The name rules and the key names are compared by (<see cref="ChatRules.TryValidateName"/>,
/// <see cref="NameKey"/>), without actors. The first cases are the impersonations issue 7 found
/// accepted next to "alice".
/// </summary>
public sealed class NameKeyTests
{
    private const int MaxLength = 32;

    private static (string Name, NameKey Key) Valid(string raw)
    {
        var ok = ChatRules.TryValidateName(raw, MaxLength, out var name, out var key, out var error);
        Assert.True(ok, $"\"{raw}\" was refused: {error}");
        return (name, key!);
    }

    private static string Invalid(string raw)
    {
        var ok = ChatRules.TryValidateName(raw, MaxLength, out var name, out var key, out var error);
        Assert.False(ok, $"\"{raw}\" was accepted as \"{name}\" with key {key}");
        return error!;
    }

    private static NameKey KeyOf(string raw) => Valid(raw).Key;

    private static readonly NameKey Alice = KeyOf("alice");

    [Fact]
    public void A_Latin_name_with_a_Cyrillic_a_is_refused_as_mixing_scripts()
    {
        var error = Invalid("\u0430lice");
        Assert.Equal("A name cannot mix Cyrillic and Latin letters: names that mix scripts can imitate other names.", error);
    }

    [Fact]
    public void A_Latin_name_with_a_Greek_letter_is_refused_as_mixing_scripts()
    {
        Assert.Contains("Greek and Latin", Invalid("\u0391lice"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_written_wholly_in_Cyrillic_lookalikes_has_the_key_of_the_Latin_name()
    {
        var (name, key) = Valid("\u0430\u0441\u0435");
        Assert.Equal("\u0430\u0441\u0435", name);
        Assert.Equal(KeyOf("ace"), key);
    }

    [Fact]
    public void Fullwidth_letters_have_the_key_of_the_plain_ones_and_are_shown_as_typed()
    {
        var (name, key) = Valid("\uFF41\uFF4C\uFF49\uFF43\uFF45");
        Assert.Equal("\uFF41\uFF4C\uFF49\uFF43\uFF45", name);
        Assert.Equal(Alice, key);
    }

    [Fact]
    public void Mathematical_bold_letters_have_the_key_of_the_plain_ones()
    {
        Assert.Equal(Alice, KeyOf("\U0001D41A\U0001D425\U0001D422\U0001D41C\U0001D41E"));
    }

    [Fact]
    public void An_accent_typed_as_a_combining_mark_and_precomposed_is_one_name_shown_precomposed()
    {
        var decomposed = Valid("alice\u0301");
        var precomposed = Valid("alic\u00E9");
        Assert.Equal("alic\u00E9", decomposed.Name);
        Assert.Equal("alic\u00E9", precomposed.Name);
        Assert.Equal(precomposed.Key, decomposed.Key);
    }

    [Fact]
    public void An_accent_on_a_Latin_letter_does_not_tell_names_apart()
    {
        Assert.Equal(Alice, KeyOf("alice\u0301"));
        Assert.Equal(Alice, KeyOf("\u1EA1lice"));
    }

    [Fact]
    public void A_capital_I_with_dot_above_folds_to_the_key_of_i()
    {
        // Its case-sensitive key is that of "ALICE", as it should be.
        Assert.Equal(Alice.Caseless, KeyOf("AL\u0130CE").Caseless);
        Assert.Equal(KeyOf("ALICE"), KeyOf("AL\u0130CE"));
    }

    [Fact]
    public void An_invisible_tag_character_from_an_astral_plane_is_refused()
    {
        Assert.Equal(
            "A name cannot contain control or invisible characters (it contains U+E0001).",
            Invalid("alice\U000E0001"));
    }

    [Fact]
    public void A_combining_grapheme_joiner_is_refused_as_invisible()
    {
        Assert.Equal(
            "A name cannot contain control or invisible characters (it contains U+034F).",
            Invalid("ali\u034Fce"));
    }

    [Theory]
    [InlineData("alice\u200B", 0x200B)]
    [InlineData("\u202Ealice", 0x202E)]
    [InlineData("ali\u00ADce", 0x00AD)]
    [InlineData("alice\u3164", 0x3164)]
    [InlineData("alice\u2800", 0x2800)]
    [InlineData("alice\uFE0F", 0xFE0F)]
    [InlineData("al\u200Dice", 0x200D)]
    [InlineData("alice\U000E0041", 0xE0041)]
    [InlineData("alice\uE000", 0xE000)]
    [InlineData("bo\u0001b", 0x0001)]
    public void Invisible_and_control_characters_are_refused_by_code_point(string raw, int codePoint)
    {
        Assert.Contains($"U+{codePoint:X4}", Invalid(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        // Built here: a lone surrogate does not survive an attribute argument (stored as UTF-8).
        Assert.Contains("U+DB40", Invalid("alice" + (char)0xDB40), StringComparison.Ordinal);
        Assert.Contains("U+DC01", Invalid((char)0xDC01 + "alice"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_dot_above_an_i_is_refused_as_a_hidden_mark()
    {
        Assert.Equal(
            "A name cannot contain a mark hidden by the letter it is on, such as a dot above \"i\".",
            Invalid("ali\u0307ce"));
    }

    [Fact]
    public void The_same_mark_twice_on_one_letter_is_refused()
    {
        Assert.Equal("A name cannot repeat the same mark on one letter.", Invalid("alice\u0301\u0301"));
    }

    [Fact]
    public void Digits_of_two_number_systems_are_refused()
    {
        Assert.Equal("A name cannot mix digits from different number systems.", Invalid("alice1\u0662"));
    }

    [Fact]
    public void Capital_I_for_small_L_shares_the_case_sensitive_key_only()
    {
        var key = KeyOf("aIice");
        Assert.Equal(Alice.Cased, key.Cased);
        Assert.NotEqual(Alice.Caseless, key.Caseless);
    }

    [Fact]
    public void Case_changes_keep_the_caseless_key()
    {
        Assert.Equal(Alice.Caseless, KeyOf("ALICE").Caseless);
        Assert.Equal(Alice.Caseless, KeyOf("Alice").Caseless);
        Assert.Equal(KeyOf("strasse").Caseless, KeyOf("Stra\u00DFe").Caseless);
    }

    [Fact]
    public void Runs_of_spaces_inside_a_name_count_as_one()
    {
        Assert.Equal(KeyOf("al ice"), KeyOf("al  \u3000ice"));
    }

    [Theory]
    [InlineData("alice", "alicia")]
    [InlineData("alice", "al ice")]
    [InlineData("Ian", "Lan")]
    [InlineData("Ana", "Anna")]
    [InlineData("\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u0414\u043C\u0438\u0442\u0440\u043E")]
    [InlineData("\u674E\u5C0F\u9F8D", "\u674E\u5C0F\u9F99")]
    public void Names_that_look_different_have_different_keys(string one, string other)
    {
        var a = KeyOf(one);
        var b = KeyOf(other);
        Assert.NotEqual(a.Caseless, b.Caseless);
        Assert.NotEqual(a.Cased, b.Cased);
    }

    [Theory]
    [InlineData("\u0414\u043C\u0438\u0442\u0440\u0438\u0439")]
    [InlineData("\u674E\u5C0F\u9F8D")]
    [InlineData("\u7530\u4E2D\u3055\u3093")]
    [InlineData("\u0395\u03BB\u03AD\u03BD\u03B7")]
    [InlineData("Zo\u00EB \U0001F98A \u540D\u524D")]
    [InlineData("Ahmed \u0623\u062D\u0645\u062F")]
    [InlineData("Sam \u2764\uFE0F")]
    [InlineData("dev \U0001F469\U0001F3FD\u200D\U0001F4BB")]
    [InlineData("keycap 1\uFE0F\u20E3")]
    public void Names_in_one_script_or_an_allowed_mix_with_emoji_are_accepted_as_typed(string raw)
    {
        Assert.Equal(raw, Valid(raw).Name);
    }

    [Fact]
    public void An_emoji_selector_does_not_tell_names_apart()
    {
        Assert.Equal(KeyOf("Sam \u2764"), KeyOf("Sam \u2764\uFE0F"));
    }

    [Fact]
    public void The_shown_name_is_the_trimmed_NFC_of_what_was_typed()
    {
        Assert.Equal("Zo\u00EB", Valid("  Zoe\u0308\t").Name);
        Assert.Equal("\uAC00", Valid("\u1100\u1161").Name);
    }

    [Fact]
    public void The_length_limit_applies_to_the_NFC_form()
    {
        Assert.Equal(new string('\u00E9', MaxLength), Valid(string.Concat(Enumerable.Repeat("e\u0301", MaxLength))).Name);
        Assert.Equal("A name can have at most 32 characters.", Invalid(string.Concat(Enumerable.Repeat("e\u0301", MaxLength + 1))));
        Assert.Equal("A name can have at most 32 characters.", Invalid(new string('n', 100_000)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t ")]
    public void An_empty_name_is_refused(string raw)
    {
        Assert.Equal("A name cannot be empty.", Invalid(raw));
    }

    [Fact]
    public void Any_text_is_either_refused_or_shown_as_a_name_that_validates_to_itself_with_the_same_key()
    {
        // Letters, marks, spaces, invisibles, surrogates (paired and lone), emoji, CJK: a seeded mix.
        int[] pool = [0x61, 0x62, 0x63, 0x49, 0x6C, 0x65, 0x6D, 0x72, 0x6E, 0x301, 0x307, 0x308, 0x20, 0x20, 0x3000, 0xFE0F, 0x200D, 0x430, 0x441, 0x3B1, 0x3BF, 0x130, 0xFF41, 0x1D41A, 0x1F98A, 0x1F469, 0x674E, 0x3055, 0x31, 0x30, 0x0662, 0x1100, 0x1161, 0x2764, 0x34F, 0xE0001, 0xD800, 0xDC00];
        var random = new Random(7);
        var accepted = 0;
        for (var i = 0; i < 3000; i++)
        {
            var text = new System.Text.StringBuilder();
            for (var n = random.Next(1, 12); n > 0; n--)
            {
                var code = pool[random.Next(pool.Length)];
                text.Append(code is >= 0xD800 and <= 0xDFFF ? ((char)code).ToString() : char.ConvertFromUtf32(code));
            }

            if (ChatRules.TryValidateName(text.ToString(), MaxLength, out var name, out var key, out _))
            {
                var again = Valid(name);
                Assert.Equal((name, key), again);
                accepted++;
            }
        }

        Assert.True(accepted > 300, $"only {accepted} of 3000 were names: the mix tests too little");
    }

    [Fact]
    public void Keys_computed_on_many_threads_at_once_match_the_ones_computed_alone()
    {
        string[] names = ["alice", "\uFF41\uFF4C\uFF49\uFF43\uFF45", "AL\u0130CE", "\u0430\u0441\u0435", "aIice", "\u674E\u5C0F\u9F8D", "Zo\u00EB \U0001F98A", "\u0414\u043C\u0438\u0442\u0440\u0438\u0439"];
        var expected = names.Select(KeyOf).ToArray();
        var mismatches = 0;
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (KeyOf(names[i % names.Length]) != expected[i % names.Length])
            {
                Interlocked.Increment(ref mismatches);
            }
        });
        Assert.Equal(0, mismatches);
    }
}
