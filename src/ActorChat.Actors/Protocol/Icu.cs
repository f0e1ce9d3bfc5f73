using System.Runtime.InteropServices;

namespace ActorChat.Actors.Protocol;

/// <summary>
/// The few functions of the platform's ICU library that name keys need: normalization (NFC, NFKC,
/// NFKC_Casefold), the UTS #39 spoof checker (confusable skeleton, restriction level, hidden and
/// repeated marks, mixed numbers) and two character properties .NET does not expose
/// (Default_Ignorable_Code_Point, script). The process runs with invariant globalization
/// (Directory.Build.props), where <see cref="string.Normalize()"/> silently returns non-ASCII text
/// unchanged, so the runtime's own ICU use is no help here.
/// </summary>
/// <remarks>
/// ICU's C symbols carry the major version as a suffix (<c>unorm2_normalize_72</c>) unless the
/// distribution built it without renaming, so the library is found the way the .NET runtime finds
/// it: versioned file names from high to low, each symbol with its suffix, then without. Needs ICU 62
/// or later (<c>USPOOF_HIDDEN_OVERLAY</c>). Tested on Linux (Debian 12, ICU 72); Windows'
/// <c>icu.dll</c> and macOS's <c>libicucore</c> are tried with unsuffixed names, untested.
/// <para>
/// Loaded once, on first use, and never unloaded. The normalizer instances are ICU's shared,
/// immutable singletons; the spoof checker is configured here, before the instance is published,
/// and afterwards only passed to functions taking a <c>const USpoofChecker*</c>, which ICU documents
/// as safe to call concurrently on one instance (uspoof.h, "Thread Safety").
/// </para>
/// </remarks>
internal sealed unsafe class Icu
{
    public const string Missing =
        "ActorChat compares chat names with the platform's ICU library (libicuuc and libicui18n, version 62 or later), " +
        "which could not be loaded. Install it (Debian/Ubuntu: the libicuNN package, e.g. libicu72; Alpine: icu-libs; " +
        "Fedora: libicu), or make it findable by the dynamic loader.";

    // ICU constants (unicode/utypes.h, uchar.h, uscript.h, uspoof.h).
    private const int BufferOverflowError = 15;
    private const int DefaultIgnorableCodePoint = 5;
    private const int EmojiProperty = 57;
    private const int EmojiModifierProperty = 59;
    private const int ExtendedPictographicProperty = 64;
    private const int ModeratelyRestrictive = 0x40000000;
    private const int AllChecks = 0xFFFF;

    private const int MinVersion = 62;
    private const int MaxVersion = 150;

    private static readonly Lazy<Icu> Shared = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly nint _nfc;
    private readonly nint _nfkc;
    private readonly nint _nfkcCasefold;
    private readonly nint _spoofChecker;
    private readonly delegate* unmanaged<nint, char*, int, char*, int, int*, int> _normalize;
    private readonly delegate* unmanaged<int, int, sbyte> _hasBinaryProperty;
    private readonly delegate* unmanaged<int, int*, int> _getScript;
    private readonly delegate* unmanaged<int, byte*> _getScriptName;
    private readonly delegate* unmanaged<nint, char*, int, nint, int*, int> _check;
    private readonly delegate* unmanaged<nint, uint, char*, int, char*, int, int*, int> _getSkeleton;

    private Icu(Func<string, nint> uc, Func<string, nint> i18n)
    {
        _normalize = (delegate* unmanaged<nint, char*, int, char*, int, int*, int>)uc("unorm2_normalize");
        _hasBinaryProperty = (delegate* unmanaged<int, int, sbyte>)uc("u_hasBinaryProperty");
        _getScript = (delegate* unmanaged<int, int*, int>)uc("uscript_getScript");
        _getScriptName = (delegate* unmanaged<int, byte*>)uc("uscript_getName");
        _check = (delegate* unmanaged<nint, char*, int, nint, int*, int>)i18n("uspoof_check2");
        _getSkeleton = (delegate* unmanaged<nint, uint, char*, int, char*, int, int*, int>)i18n("uspoof_getSkeleton");

        var getNfc = (delegate* unmanaged<int*, nint>)uc("unorm2_getNFCInstance");
        var getNfkc = (delegate* unmanaged<int*, nint>)uc("unorm2_getNFKCInstance");
        var getNfkcCasefold = (delegate* unmanaged<int*, nint>)uc("unorm2_getNFKCCasefoldInstance");
        var open = (delegate* unmanaged<int*, nint>)i18n("uspoof_open");
        var setChecks = (delegate* unmanaged<nint, int, int*, void>)i18n("uspoof_setChecks");
        var setRestrictionLevel = (delegate* unmanaged<nint, int, void>)i18n("uspoof_setRestrictionLevel");

        var error = 0;
        _nfc = getNfc(&error);
        _nfkc = getNfkc(&error);
        _nfkcCasefold = getNfkcCasefold(&error);
        ThrowIfFailed(error, "unorm2_get*Instance");
        _spoofChecker = open(&error);
        ThrowIfFailed(error, "uspoof_open");

        // Moderately restrictive (UTS #39 §5.2): one script, or Latin with one other script that
        // does not imitate Latin (so not Cyrillic, Greek or Cherokee), or Latin with the scripts
        // Chinese, Japanese or Korean are written in. Hidden overlays (a dot above "i"), the same
        // mark twice, and digits of two number systems are refused too.
        setRestrictionLevel(_spoofChecker, ModeratelyRestrictive);
        setChecks(_spoofChecker, (int)(SpoofChecks.RestrictionLevel | SpoofChecks.Invisible | SpoofChecks.MixedNumbers | SpoofChecks.HiddenOverlay), &error);
        ThrowIfFailed(error, "uspoof_setChecks");
    }

    /// <summary>The checks <see cref="Check"/> reports (uspoof.h <c>USpoofChecks</c>).</summary>
    [Flags]
    public enum SpoofChecks
    {
        None = 0,
        RestrictionLevel = 16,
        Invisible = 32,
        MixedNumbers = 128,
        HiddenOverlay = 256,
    }

    /// <summary>The shared instance; throws <see cref="InvalidOperationException"/> (<see cref="Missing"/>) when ICU cannot be loaded.</summary>
    public static Icu Instance => Shared.Value;

    public string Nfc(string text) => Normalize(_nfc, text);

    public string Nfkc(string text) => Normalize(_nfkc, text);

    /// <summary>NFKC, full case folding, and every Default_Ignorable_Code_Point removed (UAX #31 / UTS #39 NFKC_Casefold).</summary>
    public string NfkcCasefold(string text) => Normalize(_nfkcCasefold, text);

    public bool IsDefaultIgnorable(int codePoint) => _hasBinaryProperty(codePoint, DefaultIgnorableCodePoint) != 0;

    public bool IsEmoji(int codePoint) => _hasBinaryProperty(codePoint, EmojiProperty) != 0;

    public bool IsEmojiModifier(int codePoint) => _hasBinaryProperty(codePoint, EmojiModifierProperty) != 0;

    public bool IsExtendedPictographic(int codePoint) => _hasBinaryProperty(codePoint, ExtendedPictographicProperty) != 0;

    /// <summary>The ICU script code (<c>UScriptCode</c>) of a code point: 0 Common, 1 Inherited, 8 Cyrillic, 14 Greek, 25 Latin, …</summary>
    public int Script(int codePoint)
    {
        var error = 0;
        var script = _getScript(codePoint, &error);
        return error > 0 ? 0 : script;
    }

    /// <summary>The English name of an ICU script code, e.g. "Cyrillic", "Linear B".</summary>
    public string ScriptName(int script) =>
        Marshal.PtrToStringUTF8((nint)_getScriptName(script))?.Replace('_', ' ') ?? $"script {script}";

    /// <summary>Which of the configured UTS #39 checks <paramref name="text"/> fails.</summary>
    public SpoofChecks Check(string text)
    {
        var error = 0;
        int result;
        fixed (char* id = text)
        {
            result = _check(_spoofChecker, id, text.Length, 0, &error);
        }

        ThrowIfFailed(error, "uspoof_check2");
        return (SpoofChecks)(result & AllChecks);
    }

    /// <summary>
    /// The UTS #39 skeleton: NFD, default-ignorables removed, every character replaced by its
    /// confusables.txt prototype, NFD again. Case-sensitive; prototypes may be upper case ("0" → "O").
    /// </summary>
    public string Skeleton(string text)
    {
        Span<char> stack = stackalloc char[256];
        var error = 0;
        int length;
        fixed (char* id = text)
        {
            fixed (char* dest = stack)
            {
                length = _getSkeleton(_spoofChecker, 0, id, text.Length, dest, stack.Length, &error);
            }

            if (error == BufferOverflowError)
            {
                var heap = new char[length];
                error = 0;
                fixed (char* dest = heap)
                {
                    length = _getSkeleton(_spoofChecker, 0, id, text.Length, dest, heap.Length, &error);
                }

                ThrowIfFailed(error, "uspoof_getSkeleton");
                return new string(heap, 0, length);
            }
        }

        ThrowIfFailed(error, "uspoof_getSkeleton");
        return new string(stack[..length]);
    }

    private string Normalize(nint normalizer, string text)
    {
        Span<char> stack = stackalloc char[256];
        var error = 0;
        int length;
        fixed (char* source = text)
        {
            fixed (char* dest = stack)
            {
                length = _normalize(normalizer, source, text.Length, dest, stack.Length, &error);
            }

            if (error == BufferOverflowError)
            {
                var heap = new char[length];
                error = 0;
                fixed (char* dest = heap)
                {
                    length = _normalize(normalizer, source, text.Length, dest, heap.Length, &error);
                }

                ThrowIfFailed(error, "unorm2_normalize");
                return new string(heap, 0, length);
            }
        }

        ThrowIfFailed(error, "unorm2_normalize");
        return new string(stack[..length]);
    }

    /// <summary>ICU errors are positive; negative values are warnings (e.g. output not NUL-terminated).</summary>
    private static void ThrowIfFailed(int error, string function)
    {
        if (error > 0)
        {
            throw new InvalidOperationException($"ICU {function} failed with UErrorCode {error}.");
        }
    }

    private static Icu Load()
    {
        foreach (var (ucName, i18nName, suffix) in Candidates())
        {
            if (!NativeLibrary.TryLoad(ucName, out var uc))
            {
                continue;
            }

            if (!NativeLibrary.TryLoad(i18nName, out var i18n))
            {
                NativeLibrary.Free(uc);
                continue;
            }

            string[] suffixes = suffix is null ? [""] : [suffix, ""];
            foreach (var candidate in suffixes)
            {
                if (NativeLibrary.TryGetExport(uc, "unorm2_normalize" + candidate, out _)
                    && NativeLibrary.TryGetExport(i18n, "uspoof_check2" + candidate, out _))
                {
                    return new Icu(name => Export(uc, name + candidate), name => Export(i18n, name + candidate));
                }
            }

            // Too old (no uspoof_check2) or unusable: keep looking.
            NativeLibrary.Free(i18n);
            NativeLibrary.Free(uc);
        }

        throw new InvalidOperationException(Missing);
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new InvalidOperationException($"{Missing} (The loaded ICU has no {name}.)");

    /// <summary>(libicuuc, libicui18n, symbol suffix or null for none) in the order to try.</summary>
    private static IEnumerable<(string Uc, string I18n, string? Suffix)> Candidates()
    {
        if (OperatingSystem.IsWindows())
        {
            yield return ("icu.dll", "icu.dll", null);
            yield break;
        }

        if (OperatingSystem.IsMacOS())
        {
            yield return ("libicucore.dylib", "libicucore.dylib", null);
            yield break;
        }

        for (var version = MaxVersion; version >= MinVersion; version--)
        {
            yield return ($"libicuuc.so.{version}", $"libicui18n.so.{version}", $"_{version}");
        }
    }
}
