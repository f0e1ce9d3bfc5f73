using System.Diagnostics;

namespace ActorChat.Host.Tests;

/// <summary>
/// README: the server compares names with the platform's ICU and exits with code 3 when ICU cannot
/// be loaded. The built server runs in a mount namespace of its own (util-linux <c>unshare</c>, as
/// root or in a user namespace) in which every <c>libicu*.so.N</c> of the system library folders is
/// covered by an empty file, so the dynamic loader finds none; the rest of the machine is untouched.
/// </summary>
public sealed class IcuMissingTests
{
    private static readonly TimeSpan ProcessBound = TestTime.Seconds(60);

    /// <summary>Covers each ICU library file with /dev/null, then runs the command given after it.</summary>
    private const string HideIcu =
        "for f in /lib/libicu*.so.[0-9]* /usr/lib/libicu*.so.[0-9]* /lib/*/libicu*.so.[0-9]* /usr/lib/*/libicu*.so.[0-9]* /usr/local/lib/libicu*.so.[0-9]*; do " +
        "if [ -e \"$f\" ]; then mount --bind /dev/null \"$f\" || exit 97; fi; done; exec \"$@\"";

    [Fact]
    public async Task Without_ICU_the_server_says_what_to_install_on_one_line_and_exits_3()
    {
        var (code, stdout, stderr) = await RunWithoutIcuAsync("--urls", "http://127.0.0.1:0");

        Assert.True(code != 97, $"Could not cover the ICU libraries in a mount namespace (unshare -rm needs root or user namespaces): {stderr}");
        Assert.True(code == 3, $"exit code {code}; stdout:\n{stdout}\nstderr:\n{stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ActorChat compares chat names with the platform's ICU library (libicuuc and libicui18n, version 62 or later), which could not be loaded.", line, StringComparison.Ordinal);
        Assert.Contains("libicu72", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening on", stdout, StringComparison.Ordinal);
    }

    /// <summary>The test above can fail: the same command with ICU left in place starts the server.</summary>
    [Fact]
    public async Task With_ICU_the_same_command_starts_the_server()
    {
        var start = Command(hide: false, "--urls", "http://127.0.0.1:0");
        await using var running = await RunningServer.StartAsync(start, ProcessBound, new NullOutput());
        Assert.True(running.Port > 0);
    }

    private static ProcessStartInfo Command(bool hide, params string[] args)
    {
        var server = ServerProcess.StartInfo(args);
        var start = new ProcessStartInfo("unshare")
        {
            WorkingDirectory = server.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in server.Environment)
        {
            start.Environment[name] = value;
        }

        // The runtime itself needs no ICU (the server runs with invariant globalization): exit 3 is
        // the server's own check, not the runtime failing to start.
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        foreach (var arg in (string[])["-rm", "sh", "-c", hide ? HideIcu : "exec \"$@\"", "sh", server.FileName, .. server.ArgumentList])
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunWithoutIcuAsync(params string[] args)
    {
        using var process = new Process { StartInfo = Command(hide: true, args) };
        Assert.True(process.Start());
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(ProcessBound);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The server did not exit within {ProcessBound}; its output:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private sealed class NullOutput : Xunit.Abstractions.ITestOutputHelper
    {
        public void WriteLine(string message)
        {
        }

        public void WriteLine(string format, params object[] args)
        {
        }
    }
}
