using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ActorChat.LoadGen;

/// <summary>
/// <c>api-publish</c>: requests per second and latency percentiles of the server API's
/// <c>POST /api/rooms/{room}/messages</c> over loopback, from <c>--concurrency</c> callers in a
/// closed loop for <c>--seconds</c> after a warm-up (bench/api-publish.sh starts the server). The
/// key comes from <c>ACTORCHAT_API_KEY</c>, never the command line. Reported, not asserted.
/// </summary>
internal static class ApiPublish
{
    public const string Usage = "api-publish --url http://127.0.0.1:PORT [--room bench] [--seconds 10] [--warmup 2] [--concurrency 16]   (key in ACTORCHAT_API_KEY)";

    public static async Task<int> RunAsync(string[] args)
    {
        Uri? url = null;
        var room = "bench";
        var seconds = 10.0;
        var warmup = 2.0;
        var concurrency = 16;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--url": url = new Uri(value); break;
                case "--room": room = value; break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        var key = Environment.GetEnvironmentVariable("ACTORCHAT_API_KEY");
        if (url is null || string.IsNullOrEmpty(key) || concurrency < 1 || seconds <= 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        // Load goes to this machine only.
        if (!IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
        {
            Console.Error.WriteLine($"api-publish sends to loopback addresses only: {url}");
            return 2;
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var path = $"api/rooms/{room}/messages";

        await RunPhaseAsync(http, path, concurrency, TimeSpan.FromSeconds(warmup), record: false).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var results = await RunPhaseAsync(http, path, concurrency, TimeSpan.FromSeconds(seconds), record: true).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);

        var latencies = results.SelectMany(r => r.Latencies).Order().ToArray();
        var failed = results.Sum(r => r.Failed);
        string Ms(double q) => latencies.Length == 0 ? "-" : (latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)] * 1000.0 / Stopwatch.Frequency).ToString("F2", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"api-publish: {latencies.Length} posts in {elapsed.TotalSeconds:F1} s by {concurrency} callers: {latencies.Length / elapsed.TotalSeconds:F0} requests/s; latency ms p50 {Ms(0.50)} p90 {Ms(0.90)} p99 {Ms(0.99)} max {Ms(1.0)}; failed {failed}"));
        return failed == 0 ? 0 : 1;
    }

    private static async Task<Worker[]> RunPhaseAsync(HttpClient http, string path, int concurrency, TimeSpan length, bool record)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(_ => new Worker()).ToArray();
        await Task.WhenAll(workers.Select((worker, n) => Task.Run(async () =>
        {
            var i = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                using var body = new StringContent($$"""{"text":"bench {{n}}-{{i++}}"}""", Encoding.UTF8, "application/json");
                var start = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, body).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                var took = Stopwatch.GetTimestamp() - start;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    worker.Failed++;
                }
                else if (record)
                {
                    worker.Latencies.Add(took);
                }
            }
        }))).ConfigureAwait(false);
        return workers;
    }

    private sealed class Worker
    {
        public List<long> Latencies { get; } = [];

        public int Failed { get; set; }
    }
}
