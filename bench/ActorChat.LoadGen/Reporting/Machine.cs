using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorChat.LoadGen.Servers;

namespace ActorChat.LoadGen.Reporting;

/// <summary>Describes this machine for the report, from /proc and the tools' own versions.</summary>
internal static class Machine
{
    public static MachineInfo Describe()
    {
        var cpu = FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = FirstValue("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var os = FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        var kernel = Read("/proc/sys/kernel/osrelease") ?? "";
        return new MachineInfo(
            cpu,
            Environment.ProcessorCount,
            memKb is null ? 0 : Math.Round(long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
            os,
            kernel.Trim(),
            RuntimeInformation.FrameworkDescription,
            NodeVersion(),
            ProcessStats.OpenFilesLimit(Environment.ProcessId));
    }

    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg.</summary>
    public static string LoadAverage() =>
        Read("/proc/loadavg") is { } line ? string.Join(' ', line.Split(' ').Take(3)) : "n/a";

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (node is null)
            {
                return "n/a";
            }

            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit(5000);
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }

    private static string? FirstValue(string path, string key, char separator = ':')
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var index = line.IndexOf(separator, StringComparison.Ordinal);
            if (index > 0 && line[..index].Trim() == key)
            {
                return line[(index + 1)..].Trim();
            }
        }

        return null;
    }

    private static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
}
