using System.Globalization;

namespace ActorChat.LoadGen.Servers;

/// <summary>One reading of a process's CPU time and memory from /proc.</summary>
internal sealed record ProcSnapshot(double CpuSeconds, long RssBytes, long PeakRssBytes);

/// <summary>
/// Reads a server's /proc/&lt;pid&gt;/stat and /status. Linux only. A server of several processes
/// (the nodes of a cluster on this machine) is read as their sum: CPU-seconds and RSS added up, and
/// the peak as the sum of each process's peak. A process that has exited (a killed node) keeps
/// counting with its last reading, so a scenario's before/after difference stays meaningful.
/// </summary>
internal sealed class ProcessStats
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux

    private readonly int[] _pids;
    private readonly ProcSnapshot?[] _last;

    public ProcessStats(int pid)
        : this([pid])
    {
    }

    public ProcessStats(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            throw new ArgumentException("no process", nameof(pids));
        }

        _pids = [.. pids];
        _last = new ProcSnapshot?[_pids.Length];
    }

    /// <summary>The first process (the only one of a one-process server).</summary>
    public int Pid => _pids[0];

    public IReadOnlyList<int> Pids => _pids;

    public ProcSnapshot Read()
    {
        double cpu = 0;
        long rss = 0, peak = 0, live = 0;
        for (var i = 0; i < _pids.Length; i++)
        {
            ProcSnapshot? one;
            try
            {
                one = ReadOne(_pids[i]);
                _last[i] = one;
                live++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // exited: its CPU time stays spent; its memory is freed
                one = _last[i] is { } last ? last with { RssBytes = 0 } : null;
            }

            if (one is not null)
            {
                cpu += one.CpuSeconds;
                rss += one.RssBytes;
                peak += one.PeakRssBytes;
            }
        }

        if (live == 0)
        {
            throw new IOException($"no process of {string.Join(", ", _pids)} is running");
        }

        return new ProcSnapshot(cpu, rss, peak);
    }

    private static ProcSnapshot ReadOne(int pid)
    {
        // fields after the ")" that ends the command name: state is field 3, utime 14, stime 15
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kilobytes(line);
            }
        }

        return new ProcSnapshot(ticks / ClockTicksPerSecond, rss * 1024, hwm * 1024);
    }

    /// <summary>Resets the kernel's peak-RSS mark (VmHWM) of every process so the next peak is this scenario's; best effort.</summary>
    public bool ResetPeak()
    {
        var all = true;
        foreach (var pid in _pids)
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                all = false;
            }
        }

        return all;
    }

    /// <summary>The lowest open-files limit (soft) of the server's processes.</summary>
    public long OpenFilesLimit() => _pids.Min(OpenFilesLimit);

    /// <summary>The process's open-files limit (soft), from /proc/&lt;pid&gt;/limits.</summary>
    public static long OpenFilesLimit(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var parts = line[14..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts[0] == "unlimited" ? long.MaxValue : long.Parse(parts[0], CultureInfo.InvariantCulture);
            }
        }

        return long.MaxValue;
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>Samples a process's RSS in the background and keeps the maximum.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly ProcessStats _stats;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _max;

    public RssSampler(ProcessStats stats, TimeSpan interval)
    {
        _stats = stats;
        _loop = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    Sample();
                    await Task.Delay(interval, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        });
    }

    public long MaxRssBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _max);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private void Sample()
    {
        try
        {
            var rss = _stats.Read().RssBytes;
            long seen;
            while (rss > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, rss, seen) != seen)
            {
            }
        }
        catch (IOException)
        {
            // the process has exited
        }
    }
}
