using System.Globalization;
using System.Reflection;

namespace ActorChat.Host;

/// <summary>
/// Reads the <c>ActorChat</c> section into <see cref="ChatServerOptions"/> once, at start, and
/// checks every value (<see cref="ChatServerOptionsValidator"/>). Anything the server cannot start
/// with becomes an <see cref="InvalidSettingsException"/> naming the setting, the value given and
/// the rule, instead of the framework binder's stack trace (a value that does not convert) or a
/// silent default (a misspelt name).
/// </summary>
/// <remarks>
/// Lists (<c>string[]</c>) take their entries as <c>Name:0</c>, <c>Name:1</c>, … or as one value
/// with entries separated by commas or semicolons; a one-value form overrides entries from other
/// sources, so <c>ActorChat__ManagementUrls=9090</c> works as expected.
/// </remarks>
public static class ChatServerSettings
{
    /// <summary>Binds and validates the <c>ActorChat</c> section of <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidSettingsException">A setting is unknown, does not convert, or breaks its rule.</exception>
    public static ChatServerOptions Read(IConfiguration configuration)
    {
        var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var section = configuration.GetSection(ChatServerOptions.Section);
        var options = (ChatServerOptions)BindSection(typeof(ChatServerOptions), section, ChatServerOptions.Section, given);
        ChatServerOptionsValidator.Validate(options, ChatListeners.ChatUrls(configuration, options), given);
        return options;
    }

    /// <summary>Settings that existed once, with what to do instead.</summary>
    private static readonly Dictionary<string, string> Retired = new(StringComparer.OrdinalIgnoreCase)
    {
        [$"{ChatServerOptions.Section}:Cluster:Enabled"] = "no longer a setting: every server is a cluster node (a cluster of one unless ActorChat:Cluster:SeedNodes names others); remove it",
    };

    /// <summary>The settable public properties of a settings class, in declaration order.</summary>
    internal static IEnumerable<PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken);

    /// <summary>True for a nested settings class such as <c>Limits</c>.</summary>
    internal static bool IsSection(Type type) => type.IsClass && type != typeof(string) && !type.IsArray;

    /// <summary>True for a list of settings classes such as <c>Auth:SigningKeys</c> or <c>Auth:ApiKeys</c> (<c>ApiKeys:0:Id</c>, <c>ApiKeys:0:Key</c>, …).</summary>
    internal static bool IsSectionList(Type type) => type.IsArray && IsSection(type.GetElementType()!);

    private static object BindSection(Type type, IConfigurationSection section, string path, Dictionary<string, string> given)
    {
        var instance = Activator.CreateInstance(type)!;
        var properties = Settings(type).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                if (Retired.TryGetValue($"{path}:{child.Key}", out var retired))
                {
                    throw new InvalidSettingsException($"{path}:{child.Key}", child.Value, retired);
                }

                throw new InvalidSettingsException(
                    $"{path}:{child.Key}",
                    child.Value,
                    $"no such setting (the settings in {path} are {string.Join(", ", properties.Values.Select(p => p.Name))})");
            }

            var setting = $"{path}:{property.Name}";
            var settingType = property.PropertyType;
            if (settingType == typeof(string[]))
            {
                property.SetValue(instance, BindList(child, setting, given));
            }
            else if (IsSectionList(settingType))
            {
                property.SetValue(instance, BindSectionList(settingType.GetElementType()!, child, setting, given));
            }
            else if (IsSection(settingType))
            {
                if (!string.IsNullOrEmpty(child.Value))
                {
                    throw new InvalidSettingsException(setting, child.Value, $"is a section: set its entries, e.g. {setting}:{Settings(settingType).First().Name}");
                }

                property.SetValue(instance, BindSection(settingType, child, setting, given));
            }
            else
            {
                if (child.GetChildren().Any())
                {
                    throw new InvalidSettingsException($"{setting}:{child.GetChildren().First().Key}", child.GetChildren().First().Value, $"{setting} takes one value, not a list or section");
                }

                // No value (e.g. null in JSON): the default stands.
                if (child.Value is { } text)
                {
                    given[setting] = text;
                    property.SetValue(instance, Convert(text, settingType, setting));
                }
            }
        }

        return instance;
    }

    private static Array BindSectionList(Type element, IConfigurationSection section, string setting, Dictionary<string, string> given)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            throw new InvalidSettingsException(setting, section.Value, $"is a list of sections: set its entries, e.g. {setting}:0:{Settings(element).First().Name}");
        }

        var indexed = new List<(int Index, object Value)>();
        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || !string.IsNullOrEmpty(child.Value))
            {
                throw new InvalidSettingsException($"{setting}:{child.Key}", child.Value, $"{setting} is a list of sections: {setting}:0:{Settings(element).First().Name}, {setting}:1:…");
            }

            indexed.Add((index, BindSection(element, child, $"{setting}:{child.Key}", given)));
        }

        var entries = indexed.OrderBy(e => e.Index).Select(e => e.Value).ToArray();
        var list = Array.CreateInstance(element, entries.Length);
        Array.Copy(entries, list, entries.Length);
        return list;
    }

    private static string[] BindList(IConfigurationSection section, string setting, Dictionary<string, string> given)
    {
        List<string> entries;
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            entries = [.. section.Value.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }
        else
        {
            var indexed = new List<(int Index, string Value)>();
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || child.GetChildren().Any())
                {
                    throw new InvalidSettingsException($"{setting}:{child.Key}", child.Value, $"{setting} is a list of values: {setting}:0, {setting}:1, …");
                }

                indexed.Add((index, child.Value ?? ""));
            }

            entries = [.. indexed.OrderBy(e => e.Index).Select(e => e.Value)];
        }

        for (var i = 0; i < entries.Count; i++)
        {
            given[$"{setting}:{i}"] = entries[i];
        }

        return [.. entries];
    }

    private static object Convert(string text, Type type, string setting)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string))
        {
            return text;
        }

        if (type == typeof(int))
        {
            return int.TryParse(text, NumberStyles.Integer, invariant, out var value)
                ? value
                : throw new InvalidSettingsException(setting, text, "must be a whole number");
        }

        if (type == typeof(long))
        {
            return long.TryParse(text, NumberStyles.Integer, invariant, out var value)
                ? value
                : throw new InvalidSettingsException(setting, text, "must be a whole number");
        }

        if (type == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, invariant, out var value) && double.IsFinite(value)
                ? value
                : throw new InvalidSettingsException(setting, text, "must be a number, e.g. 0.5");
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(text, out var value)
                ? value
                : throw new InvalidSettingsException(setting, text, "must be true or false");
        }

        if (type == typeof(TimeSpan))
        {
            return TimeSpan.TryParse(text, invariant, out var value)
                ? value
                : throw new InvalidSettingsException(setting, text, "must be a duration hh:mm:ss[.fff], e.g. 00:00:15");
        }

        // A setting of a new type needs a conversion here; the settings tests bind every one.
        throw new NotSupportedException($"{setting}: settings of type {type} are not supported.");
    }
}
