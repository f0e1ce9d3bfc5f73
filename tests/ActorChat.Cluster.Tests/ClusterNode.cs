using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ActorChat.Cluster.Tests;

/// <summary>
/// One ActorChat node run as an OS process (<c>dotnet ActorChat.Host.dll …</c>, the way README
/// starts one), its output collected with the time each line arrived. It learns the node's chat URL
/// from the "Listening on http://127.0.0.1:PORT" line (log 1001), its management URL from log 1030
/// "Management endpoints (…) on http://127.0.0.1:PORT only" when it has a listener of its own (a
/// <c>--ActorChat:ManagementUrls</c> argument), its cluster address from log 1070
/// "Cluster node {Address} started", and is ready once <c>/readyz</c> answers 200. It can send the
/// process SIGTERM (a graceful leave) or SIGKILL (a crash); disposing it kills whatever still runs.
/// </summary>
public sealed partial class ClusterNode : IAsyncDisposable
{
    private readonly ConcurrentQueue<LogLine> _log = new();
    private readonly Stopwatch _clock;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _managementPort = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TestTime.Timeout };
    private TaskCompletionSource _lineAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private ClusterNode(string name, Process process, Stopwatch clock)
    {
        Name = name;
        Process = process;
        _clock = clock;
    }

    /// <summary>A name for messages and logs ("node1").</summary>
    public string Name { get; }

    public Process Process { get; }

    /// <summary>The chat (and, by default, management) URL: http://127.0.0.1:PORT.</summary>
    public Uri Http { get; private set; } = null!;

    /// <summary>Where <c>/readyz</c>, <c>/metrics</c> and the server API are: the management listener when the node has one, else <see cref="Http"/>.</summary>
    public Uri Management { get; private set; } = null!;

    /// <summary>The chat WebSocket URL: ws://127.0.0.1:PORT/.</summary>
    public Uri WebSocket { get; private set; } = null!;

    /// <summary>The node's cluster address (<c>akka.tcp://actorchat@127.0.0.1:PORT</c>); null for a node without the cluster.</summary>
    public string? Address { get; private set; }

    /// <summary>Every line the process wrote so far (stdout and stderr), in arrival order.</summary>
    public IReadOnlyList<LogLine> Log => [.. _log];

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>
    /// Starts a node with <paramref name="args"/> and waits, within <paramref name="bound"/>, until it
    /// listens, reports its cluster address (when <paramref name="cluster"/>) and is ready. A node
    /// that exits or misses the bound fails the start with its output; its process is killed.
    /// </summary>
    /// <param name="clock">The clock log lines are stamped with, shared by the nodes of one cluster.</param>
    public static async Task<ClusterNode> StartAsync(string name, IEnumerable<string> args, bool cluster, TimeSpan bound, Stopwatch clock)
    {
        var start = ServerProcess.StartInfo([.. args]);
        // The history provider is given on the command line; the memory default the shared start
        // info sets for single-process tests has no place here.
        start.Environment.Remove(ServerProcess.HistoryProviderVariable);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new ClusterNode(name, process, clock);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.Exited += (_, _) => node.OnExited();
        Assert.True(process.Start(), $"{name}: the process did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = Stopwatch.StartNew();
            var port = await node.UntilAsync(node._port.Task, "to say where it listens (log 1001)", bound);
            node.Http = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            node.WebSocket = new Uri($"ws://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            node.Management = node.Http;
            if (start.ArgumentList.Any(a => a.StartsWith("--ActorChat:ManagementUrls", StringComparison.Ordinal)))
            {
                // Logged right after 1001, by the same start callback.
                var management = await node.UntilAsync(node._managementPort.Task, "to say where its management listener is (log 1030)", bound - deadline.Elapsed);
                node.Management = new Uri($"http://127.0.0.1:{management.ToString(CultureInfo.InvariantCulture)}/");
            }

            if (cluster)
            {
                node.Address = await node.UntilAsync(node._address.Task, "to report its cluster address (log 1070)", bound - deadline.Elapsed);
            }

            await node.WaitReadyAsync(bound - deadline.Elapsed);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether <c>/readyz</c> answers 200 now.</summary>
    public async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(Management, "readyz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200; fails with the node's output after <paramref name="bound"/> or when the process ends.</summary>
    public async Task WaitReadyAsync(TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (!await IsReadyAsync())
        {
            if (HasExited)
            {
                Assert.Fail($"{Name} exited (code {Process.ExitCode}) before it was ready. Its output:\n{Tail(80)}");
            }

            if (deadline.Elapsed > bound)
            {
                Assert.Fail($"{Name}: /readyz did not answer 200 within {bound}. Its output:\n{Tail(80)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The node's <c>/metrics</c> (Prometheus text).</summary>
    public async Task<PrometheusText> MetricsAsync()
    {
        using var response = await _http.GetAsync(new Uri(Management, "metrics"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{Name}: /metrics answered {(int)response.StatusCode}");
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>SIGTERM: the node drains, leaves the cluster and exits. Returns at once.</summary>
    public async Task TerminateAsync()
    {
        // Process.Kill is SIGKILL on Linux; a graceful stop needs SIGTERM, which /bin/kill sends.
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(TestTime.Timeout);
        Assert.True(kill.ExitCode == 0, $"{Name}: kill -TERM {Process.Id} failed with {kill.ExitCode}");
    }

    /// <summary>SIGKILL: the node dies at once, no drain and no leave. Returns at once.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Waits until the process has ended and returns its exit code; fails with its output after <paramref name="bound"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        try
        {
            await _exited.Task.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Name} did not exit within {bound}. Its output:\n{Tail(80)}");
        }

        // Waiting without a timeout also waits for the redirected output to be read to its end.
        await Process.WaitForExitAsync();
        return Process.ExitCode;
    }

    /// <summary>The first log line, from <paramref name="from"/> on, that <paramref name="match"/> accepts; waits for it up to <paramref name="bound"/>.</summary>
    public async Task<LogLine> WaitForLogAsync(Func<string, bool> match, string what, TimeSpan bound, int from = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task added;
            lock (_log)
            {
                added = _lineAdded.Task;
            }

            if (FindLog(match, from) is { } found)
            {
                return found;
            }

            var left = bound - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"{Name}: no log line {what} within {bound}. Its output:\n{Tail(80)}");
            }

            try
            {
                await added.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Looked at once more above, then failed.
            }
        }
    }

    /// <summary>The first log line, from index <paramref name="from"/> on, that <paramref name="match"/> accepts, or null.</summary>
    public LogLine? FindLog(Func<string, bool> match, int from = 0) =>
        Log.Skip(from).Cast<LogLine?>().FirstOrDefault(l => match(l!.Value.Text));

    /// <summary>The last <paramref name="lines"/> lines of output from index <paramref name="from"/> on, for failure messages and test output.</summary>
    public string Tail(int lines = 200, int from = 0)
    {
        var log = Log.Skip(from).ToList();
        var shown = log.TakeLast(lines).Select(l => $"[{Name} {l.At.TotalSeconds,8:F3}] {l.Text}");
        return (log.Count > lines ? $"[{Name}] … {log.Count - lines} earlier lines\n" : "") + string.Join('\n', shown);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }

        // Waiting without a timeout also waits for the redirected output to be read to its end;
        // a killed process always ends.
        await Process.WaitForExitAsync();
        Process.Dispose();
        _http.Dispose();
    }

    private async Task<T> UntilAsync<T>(Task<T> task, string what, TimeSpan bound)
    {
        var first = await Task.WhenAny(task, _exited.Task, Task.Delay(bound > TimeSpan.Zero ? bound : TimeSpan.Zero));
        if (first == task)
        {
            return await task;
        }

        if (first == _exited.Task)
        {
            await Process.WaitForExitAsync();
            Assert.Fail($"{Name} exited (code {Process.ExitCode}) before it was going to {what}. Its output:\n{Tail(80)}");
        }

        Assert.Fail($"{Name} did not {what} within {bound}. Its output:\n{Tail(80)}");
        throw new UnreachableException();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource added;
        lock (_log)
        {
            _log.Enqueue(new LogLine(_clock.Elapsed, line));
            added = _lineAdded;
            _lineAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.SetResult();
        if (ListeningOn().Match(line) is { Success: true } listening)
        {
            _port.TrySetResult(int.Parse(listening.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        if (ManagementOn().Match(line) is { Success: true } management)
        {
            _managementPort.TrySetResult(int.Parse(management.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        if (ClusterStarted().Match(line) is { Success: true } started)
        {
            _address.TrySetResult(started.Groups[1].Value);
        }
    }

    private void OnExited() => _exited.TrySetResult();

    // Log 1001, "Listening on {Addresses}. Point your web browser to: {Url}": the chat listener
    // only (Kestrel's own "Now listening on:" lines name the management listener too).
    [GeneratedRegex(@"(?<!Now )Listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningOn();

    // Log 1030, "Management endpoints ({Paths}) on {Addresses} only".
    [GeneratedRegex(@"Management endpoints \(.*\) on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ManagementOn();

    // Log 1070, "Cluster node {Address} started".
    [GeneratedRegex(@"Cluster node (akka\.tcp://actorchat@[^\s]+:\d+) started")]
    private static partial Regex ClusterStarted();
}

/// <summary>One line of a node's output and when it arrived (on the cluster's clock).</summary>
public readonly record struct LogLine(TimeSpan At, string Text);
