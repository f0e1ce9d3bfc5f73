using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ActorChat.LoadGen.Servers;

/// <summary>A server process started by the harness on a free loopback port; killed on dispose.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private const int KeptLines = 40;
    private readonly Process _process;
    private const int SeenLines = 200;
    private readonly Queue<string> _output = new();
    private readonly List<string> _seen = []; // the first lines, for a start-up line logged before anyone waits for it
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _watches = [];
    private readonly string? _data;

    private RunningServer(Process process, int port, string? data)
    {
        _process = process;
        _data = data;
        Port = port;
        Pid = process.Id;
        Url = new Uri($"ws://127.0.0.1:{port}/");
        Stats = new ProcessStats(process.Id);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Url { get; }

    /// <summary>Where its HTTP endpoints (<c>/readyz</c>, <c>/metrics</c>) are: the chat port.</summary>
    public Uri HttpBase => new($"http://127.0.0.1:{Port}/");

    public int Port { get; }

    public int Pid { get; }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public ProcessStats Stats { get; }

    /// <summary>Bytes in the server's data folder now (its history file, WAL included); null when it keeps none.</summary>
    public long? DataBytes => _data is not null && Directory.Exists(_data)
        ? new DirectoryInfo(_data).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
        : null;

    /// <summary>The server's last lines of output, for failure reports.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static async Task<RunningServer> StartAsync(ServerSpec spec, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(spec.RequiredFile) && spec.Setup is { } setup)
        {
            await RunSetupAsync(setup, TimeSpan.FromMinutes(5), cancellationToken);
        }

        if (!File.Exists(spec.RequiredFile))
        {
            throw new InvalidOperationException($"{spec.Name} is not built: {spec.RequiredFile} is missing (bench/run.sh builds it)");
        }

        var port = FreePort();
        var data = spec.TempData ? Directory.CreateTempSubdirectory($"actorchat-bench-{spec.Name}-").FullName : null;
        var server = Launch(spec.Name, spec.StartInfo(new NodeStart(port, data, [], new Dictionary<string, string>())), port, data);
        try
        {
            await server.WaitUntilAcceptingAsync(startTimeout, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <paramref name="info"/> (listening on <paramref name="port"/>) without waiting for it; its data folder is deleted when it stops.</summary>
    public static RunningServer Launch(string name, ProcessStartInfo info, int port, string? data)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        }
        catch
        {
            DeleteData(data);
            throw;
        }

        return new RunningServer(process, port, data);
    }

    /// <summary>Kills the process at once (SIGKILL: no drain, no leaving), as a crashed node; disposing later still cleans up.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Waits for a line of the server's output matching <paramref name="pattern"/> (one seen already counts).</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var line in _seen)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match;
                }
            }

            _watches.Add((pattern, found));
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!found.Task.IsCompleted)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before logging /{pattern}/:\n{OutputTail}");
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                throw new ServerStartTimeoutException($"the server did not log /{pattern}/ within {timeout.TotalSeconds:0} s:\n{OutputTail}");
            }

            await Task.WhenAny(found.Task, Task.Delay(100, cancellationToken));
        }

        return await found.Task;
    }

    /// <summary>Polls <c>GET /readyz</c> until it answers 200 (a cluster node: Up, and its room shard region registered).</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var last = "no answer";
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode}:\n{OutputTail}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(HttpBase, "readyz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "no answer within the HTTP client's timeout";
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                throw new ServerStartTimeoutException($"/readyz on port {Port} not 200 within {timeout.TotalSeconds:0} s (last: {last}):\n{OutputTail}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Runs a setup command (e.g. <c>npm ci</c>) to completion within <paramref name="timeout"/>.</summary>
    private static async Task RunSetupAsync(ProcessStartInfo setup, TimeSpan timeout, CancellationToken cancellationToken)
    {
        setup.UseShellExecute = false;
        using var process = Process.Start(setup) ?? throw new InvalidOperationException($"could not run {setup.FileName}");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{setup.FileName} {string.Join(' ', setup.ArgumentList)} in {setup.WorkingDirectory} failed with exit code {process.ExitCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // already gone, or will be reaped by the OS
        }
        finally
        {
            _process.Dispose();
            DeleteData(_data);
        }
    }

    private static void DeleteData(string? data)
    {
        try
        {
            if (data is not null && Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
        catch (IOException)
        {
            // left in the temp folder; nothing else depends on it
        }
    }

    public async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var port = Port;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode}:\n{OutputTail}");
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new ServerStartTimeoutException($"the server did not accept on port {port} within {timeout.TotalSeconds:0} s:\n{OutputTail}", ex);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }

            if (_seen.Count < SeenLines)
            {
                _seen.Add(line);
            }

            for (var i = _watches.Count - 1; i >= 0; i--)
            {
                if (_watches[i].Pattern.Match(line) is { Success: true } match)
                {
                    _watches[i].Found.TrySetResult(match);
                    _watches.RemoveAt(i);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}

/// <summary>A server did not start (or get ready) in time; the message carries its last output.</summary>
internal sealed class ServerStartTimeoutException(string message, Exception? inner = null) : TimeoutException(message, inner);
