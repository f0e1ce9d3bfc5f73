using System.Globalization;

namespace ActorChat.LoadGen.Identity;

/// <summary>
/// The <c>--name value</c> arguments of the identity modes (<c>connect-rate</c>,
/// <c>moderation-fanout</c>): each name at most once, each value checked against its bounds, so a
/// typo stops the run with one line instead of measuring something else.
/// </summary>
internal sealed class ModeArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private ModeArgs()
    {
    }

    /// <summary>Reads <paramref name="args"/>, accepting only <paramref name="known"/> names.</summary>
    public static ModeArgs Parse(string[] args, IReadOnlyCollection<string> known)
    {
        var parsed = new ModeArgs();
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                throw new ArgumentException($"unknown argument {name}");
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            if (!parsed._values.TryAdd(name, args[i + 1]))
            {
                throw new ArgumentException($"{name} given twice");
            }
        }

        return parsed;
    }

    public string? String(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min, int max)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} {text}: must be an integer from {min} to {max}");
    }

    /// <summary>A ws:// loopback URL (<see cref="Clients.LoopbackConnector.RequireLoopback"/>).</summary>
    public Uri Url(string name) =>
        _values.TryGetValue(name, out var text) && Uri.TryCreate(text, UriKind.Absolute, out var url)
            ? Clients.LoopbackConnector.RequireLoopback(url)
            : throw new ArgumentException($"{name} ws://127.0.0.1:PORT/ is required");

    /// <summary>
    /// The server's process id (for its CPU time from /proc), or null when not given; its stat
    /// must be readable, so a wrong pid is refused at once.
    /// </summary>
    public int? Pid(string name)
    {
        if (!_values.ContainsKey(name))
        {
            return null;
        }

        var pid = Int(name, 0, 1, int.MaxValue);
        return File.Exists($"/proc/{pid}/stat") ? pid : throw new ArgumentException($"{name} {pid}: no such process");
    }
}
