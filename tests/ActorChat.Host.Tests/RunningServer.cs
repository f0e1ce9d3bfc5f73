using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorChat.Host.Tests;

/// <summary>
/// A server process that is up: started from <see cref="ServerProcess.StartInfo"/>, its output
/// collected, and its chat port read from its "Listening on http://127.0.0.1:PORT" line. Disposing
/// it kills the process if it is still running and writes its output to the test's log.
/// </summary>
public sealed partial class RunningServer : IAsyncDisposable
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    private RunningServer(Process process, int port, ConcurrentQueue<string> log, Xunit.Abstractions.ITestOutputHelper output)
    {
        Process = process;
        Port = port;
        Log = log;
        _output = output;
    }

    public Process Process { get; }

    /// <summary>The chat port the server reported.</summary>
    public int Port { get; }

    /// <summary>Every line the server wrote so far (stdout and stderr).</summary>
    public ConcurrentQueue<string> Log { get; }

    /// <summary>Starts the server and waits (up to <paramref name="bound"/>) until it says where it listens.</summary>
    public static async Task<RunningServer> StartAsync(ProcessStartInfo start, TimeSpan bound, Xunit.Abstractions.ITestOutputHelper output)
    {
        var log = new ConcurrentQueue<string>();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new RunningServer(process, 0, log, output);
        try
        {
            return new RunningServer(process, await port.Task.WaitAsync(bound), log, output);
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            log.Enqueue(line);
            if (ListeningOn().Match(line) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        // Waiting without a timeout also waits for the redirected output to be read to its end.
        Process.WaitForExit();
        _output.WriteLine(string.Join('\n', Log));
        Process.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"[Ll]istening on:? http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningOn();
}
