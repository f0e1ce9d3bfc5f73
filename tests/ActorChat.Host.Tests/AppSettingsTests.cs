using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace ActorChat.Host.Tests;

/// <summary>appsettings.json lists every setting with its default, and the defaults in code are the same.</summary>
public sealed class AppSettingsTests
{
    /// <summary>The file the server reads, copied next to it (and to the tests).</summary>
    private static readonly string File = Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    [Fact]
    public void Appsettings_json_holds_every_setting_with_the_default_in_code()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(File, optional: false).Build();

        var fromFile = ChatServerSettings.Read(configuration);
        var inCode = new ChatServerOptions();

        var differences = Settings.Compare(fromFile, inCode, inCode)
            .Where(s => !Settings.Same(s.A, s.B))
            .Select(s => $"{s.Name}: appsettings.json has {Settings.Show(s.A)}, the code {Settings.Show(s.B)}")
            .ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void Appsettings_json_names_every_setting()
    {
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(File));
        var section = json.RootElement.GetProperty(ChatServerOptions.Section);

        var missing = Names(typeof(ChatServerOptions), section, ChatServerOptions.Section).ToList();

        Assert.True(missing.Count == 0, $"appsettings.json lacks {string.Join(", ", missing)}");
    }

    private static IEnumerable<string> Names(Type type, JsonElement section, string path)
    {
        foreach (var property in type.GetProperties().Where(p => p.SetMethod?.IsPublic == true))
        {
            if (!section.TryGetProperty(property.Name, out var value))
            {
                yield return $"{path}:{property.Name}";
            }
            else if (value.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in Names(property.PropertyType, value, $"{path}:{property.Name}"))
                {
                    yield return name;
                }
            }
        }
    }
}
