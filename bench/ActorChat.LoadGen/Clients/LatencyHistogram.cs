using System.Numerics;

namespace ActorChat.LoadGen.Clients;

/// <summary>
/// Log-linear histogram of latencies in microseconds: exact below 256 µs, then 128 buckets per
/// power of two (under 0.8 % error), up to about 35 minutes. Single writer; merge to read.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 7;
    private const int SubCount = 1 << SubBits;
    private const long MaxValue = (1L << 31) - 1;
    private const int BucketCount = (31 - SubBits + 1) * SubCount;

    private readonly int[] _counts = new int[BucketCount];

    public long Count { get; private set; }

    public long MaxMicros { get; private set; }

    public void Record(long micros)
    {
        var value = Math.Clamp(micros, 0, MaxValue);
        _counts[Index(value)]++;
        Count++;
        if (value > MaxMicros)
        {
            MaxMicros = value;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in microseconds; 0 when empty.</summary>
    public double Percentile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(Midpoint(i), MaxMicros);
            }
        }

        return MaxMicros;
    }

    private static int Index(long value)
    {
        if (value < 2 * SubCount)
        {
            return (int)value;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBits;
        return ((shift + 1) * SubCount) + (int)((value >> shift) - SubCount);
    }

    private static double Midpoint(int index)
    {
        if (index < 2 * SubCount)
        {
            return index;
        }

        var shift = (index / SubCount) - 1;
        var lower = (long)((index % SubCount) + SubCount) << shift;
        return lower + ((1L << shift) / 2.0);
    }
}
