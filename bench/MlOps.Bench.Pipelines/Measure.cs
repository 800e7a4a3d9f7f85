using System.Diagnostics;

namespace MlOps.Bench.Pipelines;

/// <summary>Times and allocation of repeated runs of one action, summarised as median, p95 and min.</summary>
internal sealed class Measure(string label)
{
    private readonly List<double> _ms = [];
    private readonly List<long> _bytes = [];

    public string Label { get; } = label;

    public T Run<T>(Func<T> action)
    {
        // Allocations of this thread only: the pipeline library does no work on other threads.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var result = action();
        _ms.Add(sw.Elapsed.TotalMilliseconds);
        _bytes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        return result;
    }

    public double Median => Percentile(_ms, 0.5);
    public double P95 => Percentile(_ms, 0.95);
    public double Min => _ms.Min();
    public double MedianMiB => Percentile(_bytes.Select(b => (double)b).ToList(), 0.5) / 1024 / 1024;

    public string Summary() =>
        $"{Label,-24} median {Median,7:F2} ms  p95 {P95,7:F2} ms  min {Min,7:F2} ms  alloc {MedianMiB,6:F2} MiB/run  ({_ms.Count} runs)";

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
    }
}
