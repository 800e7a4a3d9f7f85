using System.Globalization;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// A running container's usage from its cgroup files (found through /proc/PID/cgroup of its first
/// process), cgroup v1 or v2: cheap enough to read CPU ten times a second, so the part of a job
/// after the last sample is at most a tenth of a second of CPU per core.
/// </summary>
public sealed class ContainerSampler
{
    private readonly string? cpu, memory, io;
    private readonly bool v2;
    private readonly int pid;

    private ContainerSampler(int pid, string? cpu, string? memory, string? io, bool v2)
    {
        this.pid = pid;
        this.cpu = cpu;
        this.memory = memory;
        this.io = io;
        this.v2 = v2;
    }

    public bool Found => cpu is not null;

    public static ContainerSampler Locate(int pid)
    {
        try
        {
            string? cpu = null, memory = null, io = null;
            var v2 = false;
            foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
            {
                var parts = line.Split(':', 3);
                if (parts.Length != 3)
                {
                    continue;
                }
                var (controllers, path) = (parts[1].Split(','), parts[2]);
                if (parts[0] == "0" && parts[1] == "")
                {
                    foreach (var root in new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" })
                    {
                        var dir = root + path;
                        if (File.Exists(Path.Combine(dir, "cpu.stat")) && cpu is null)
                        {
                            (cpu, memory, io, v2) = (dir, dir, dir, true);
                        }
                    }
                }
                else if (controllers.Contains("cpuacct"))
                {
                    cpu = Existing($"/sys/fs/cgroup/{parts[1]}{path}", "cpuacct.usage", $"/sys/fs/cgroup/cpuacct{path}") ?? cpu;
                }
                else if (controllers.Contains("memory"))
                {
                    memory = Existing($"/sys/fs/cgroup/memory{path}", "memory.usage_in_bytes");
                }
                else if (controllers.Contains("blkio"))
                {
                    io = Existing($"/sys/fs/cgroup/blkio{path}", "blkio.throttle.io_service_bytes");
                }
            }
            return new ContainerSampler(pid, cpu, memory, io, v2 && cpu is not null && memory == cpu);
        }
        catch (IOException)
        {
            return new ContainerSampler(pid, null, null, null, false);
        }
    }

    public void SampleCpu(UsageMeter usage)
    {
        if (cpu is null)
        {
            return;
        }
        try
        {
            if (v2)
            {
                var line = File.ReadLines(Path.Combine(cpu, "cpu.stat")).First(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
                usage.Cpu(long.Parse(line[11..], CultureInfo.InvariantCulture) / 1e6);
            }
            else
            {
                usage.Cpu(long.Parse(File.ReadAllText(Path.Combine(cpu, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture) / 1e9);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException)
        {
            // The container ended between two samples: its cgroup is gone.
        }
    }

    public void SampleRest(UsageMeter usage)
    {
        try
        {
            if (memory is not null)
            {
                usage.Memory(Number(Path.Combine(memory, v2 ? "memory.current" : "memory.usage_in_bytes")));
                usage.MemoryPeak(Number(Path.Combine(memory, v2 ? "memory.peak" : "memory.max_usage_in_bytes")));
            }
            if (io is not null)
            {
                long read = 0, write = 0;
                foreach (var line in File.ReadLines(Path.Combine(io, v2 ? "io.stat" : "blkio.throttle.io_service_bytes")))
                {
                    foreach (var field in line.Split(' '))
                    {
                        if (v2 && field.StartsWith("rbytes=", StringComparison.Ordinal)) read += long.Parse(field[7..], CultureInfo.InvariantCulture);
                        if (v2 && field.StartsWith("wbytes=", StringComparison.Ordinal)) write += long.Parse(field[7..], CultureInfo.InvariantCulture);
                    }
                    var parts = line.Split(' ');
                    if (!v2 && parts.Length == 3 && parts[1] == "Read") read += long.Parse(parts[2], CultureInfo.InvariantCulture);
                    if (!v2 && parts.Length == 3 && parts[1] == "Write") write += long.Parse(parts[2], CultureInfo.InvariantCulture);
                }
                usage.Io(read, write);
            }
            var (rx, tx) = Network();
            usage.Io(rxBytes: rx, txBytes: tx);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }
    }

    // The container's own network namespace, seen through its first process.
    private (long Rx, long Tx) Network() => NetDev.Read($"/proc/{pid}/net/dev");

    private static long Number(string file) =>
        File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string? Existing(string dir, string file, string? alternative = null) =>
        File.Exists(Path.Combine(dir, file)) ? dir : alternative is not null && File.Exists(Path.Combine(alternative, file)) ? alternative : null;
}
