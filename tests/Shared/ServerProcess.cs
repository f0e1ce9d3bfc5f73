using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorChat.Tests;

/// <summary>The built server (ActorChat.Host.dll next to the tests) run as a child process, the way a user starts it.</summary>
public static class ServerProcess
{
    /// <summary>The environment variable for <c>ActorChat:History:Provider</c>.</summary>
    public const string HistoryProviderVariable = "ActorChat__History__Provider";

    /// <summary>The server's entry assembly, copied next to the tests.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "ActorChat.Host.dll");

    /// <summary>How to start the server with <paramref name="args"/>, output redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // History in memory, so no test writes data/actorchat.db next to the tests. A setting on the
        // command line wins over the environment; a test may also remove this.
        start.Environment[HistoryProviderVariable] = "memory";
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>
    /// Runs the server with <paramref name="args"/> until it exits by itself, as it must when it
    /// refuses to start; a server still running after <paramref name="bound"/> is killed and the
    /// test fails.
    /// </summary>
    public static async Task<Exited> RunToExitAsync(TimeSpan bound, params string[] args)
    {
        var stdout = new ConcurrentQueue<string>();
        var stderr = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = StartInfo(args) };
        process.OutputDataReceived += (_, e) => Add(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Add(stderr, e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The server did not exit within {bound}; its output:\n{string.Join('\n', stdout.Concat(stderr))}");
        }

        // Waiting without a timeout also waits for the redirected output to be read to its end.
        process.WaitForExit();
        return new Exited(process.ExitCode, [.. stdout], [.. stderr]);

        static void Add(ConcurrentQueue<string> lines, string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }
    }

    /// <summary>The dotnet host running this test, so the child uses the same runtime.</summary>
    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }

    /// <summary>How a server process ended: its exit code and every line it wrote.</summary>
    public sealed record Exited(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)
    {
        public override string ToString() =>
            $"exit code {ExitCode}\nstdout:\n{string.Join('\n', Stdout)}\nstderr:\n{string.Join('\n', Stderr)}";
    }
}
