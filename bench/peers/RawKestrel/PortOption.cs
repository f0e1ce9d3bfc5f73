using System.Globalization;

namespace ActorChat.Bench.RawKestrel;

/// <summary>Reads the listening port from <c>--port N</c>, else the <c>PORT</c> variable, else 3490.</summary>
internal static class PortOption
{
    public static int Parse(string[] args)
    {
        var index = Array.IndexOf(args, "--port");
        var raw = index >= 0 && index + 1 < args.Length ? args[index + 1] : Environment.GetEnvironmentVariable("PORT");
        if (raw is null)
        {
            return 3490;
        }

        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"invalid port: {raw}");
    }
}
