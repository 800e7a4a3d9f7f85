using MlOps.Contracts.Runner;

namespace MlOps.Runner.Usage;

/// <summary>
/// What one job attempt has used so far, fed by the executor's samplers and read at every
/// heartbeat. CPU, disk and network are cumulative counters (the largest seen wins); memory is
/// integrated over time (GiB-seconds, 2^30 bytes) and its peak kept; GPUs are charged for the whole
/// time they are held, with the utilization and memory nvidia-smi reports.
/// </summary>
public sealed class UsageMeter(TimeProvider clock)
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private readonly Lock gate = new();
    private readonly DateTimeOffset started = clock.GetUtcNow();
    private readonly Dictionary<string, GpuTally> gpus = new(StringComparer.Ordinal);
    private DateTimeOffset? ended;
    private double cpuSeconds;
    private long memoryPeak, lastMemory, diskRead, diskWrite, netRx, netTx, artifactBytes;
    private DateTimeOffset lastMemoryAt = clock.GetUtcNow();
    private double memoryGiBSeconds;

    public void Cpu(double cumulativeCoreSeconds)
    {
        lock (gate) cpuSeconds = Math.Max(cpuSeconds, cumulativeCoreSeconds);
    }

    public void Memory(long bytes)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            memoryGiBSeconds += lastMemory / GiB * (now - lastMemoryAt).TotalSeconds;
            lastMemory = bytes;
            lastMemoryAt = now;
            memoryPeak = Math.Max(memoryPeak, bytes);
        }
    }

    /// <summary>A peak measured by the kernel (cgroup max_usage, VmHWM) that sampling may have missed.</summary>
    public void MemoryPeak(long bytes)
    {
        lock (gate) memoryPeak = Math.Max(memoryPeak, bytes);
    }

    public void Io(long? readBytes = null, long? writeBytes = null, long? rxBytes = null, long? txBytes = null)
    {
        lock (gate)
        {
            diskRead = Math.Max(diskRead, readBytes ?? 0);
            diskWrite = Math.Max(diskWrite, writeBytes ?? 0);
            netRx = Math.Max(netRx, rxBytes ?? 0);
            netTx = Math.Max(netTx, txBytes ?? 0);
        }
    }

    public void Artifact(long bytes)
    {
        lock (gate) artifactBytes += bytes;
    }

    /// <summary>A GPU held by the job, with one nvidia-smi reading of it.</summary>
    public void Gpu(string uuid, string model, double utilizationPercent, long memoryUsedBytes)
    {
        lock (gate)
        {
            if (!gpus.TryGetValue(uuid, out var tally))
            {
                gpus[uuid] = tally = new GpuTally(model);
            }
            tally.Samples++;
            tally.UtilizationSum += utilizationPercent;
            tally.PeakMemory = Math.Max(tally.PeakMemory, memoryUsedBytes);
        }
    }

    /// <summary>Stops the clock: wall time and memory integration end here.</summary>
    public void End()
    {
        lock (gate)
        {
            if (ended is null)
            {
                Memory(lastMemory);
                ended = clock.GetUtcNow();
            }
        }
    }

    public JobUsageReport Snapshot()
    {
        lock (gate)
        {
            var now = ended ?? clock.GetUtcNow();
            var wall = (now - started).TotalSeconds;
            var memory = memoryGiBSeconds + (ended is null ? lastMemory / GiB * (now - lastMemoryAt).TotalSeconds : 0);
            return new JobUsageReport(wall, cpuSeconds, memoryPeak, memory, diskRead, diskWrite, netRx, netTx, artifactBytes,
                gpus.Select(g => new GpuUsageReport(g.Key, g.Value.Model, wall, g.Value.Samples == 0 ? 0 : g.Value.UtilizationSum / g.Value.Samples,
                    g.Value.PeakMemory)).ToList());
        }
    }

    private sealed class GpuTally(string model)
    {
        public string Model { get; } = model;
        public int Samples { get; set; }
        public double UtilizationSum { get; set; }
        public long PeakMemory { get; set; }
    }
}
