using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Usage;

/// <summary>
/// The GPUs of this host and their use, from `nvidia-smi`. A GPU split into MIG devices is offered
/// as its MIG devices only (each a schedulable unit, named "&lt;GPU name&gt; MIG &lt;profile&gt;"); a
/// host without nvidia-smi has no GPUs.
/// </summary>
public sealed partial class NvidiaSmi(IOptions<RunnerSettings> settings, ILogger<NvidiaSmi> logger)
{
    public sealed record Reading(string Uuid, double UtilizationPercent, long MemoryUsedBytes);

    private readonly Dictionary<string, string> migParents = new(StringComparer.Ordinal);

    /// <summary>The whole GPU a MIG device is part of (for its utilization, which nvidia-smi reports per GPU).</summary>
    public string? ParentOf(string uuid) => migParents.GetValueOrDefault(uuid);

    public async Task<IReadOnlyList<GpuDevice>> InventoryAsync(CancellationToken cancellationToken)
    {
        var list = await RunAsync(["-L"], cancellationToken);
        if (list is null)
        {
            return [];
        }
        var memory = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in Csv(await RunAsync(["--query-gpu=uuid,memory.total", "--format=csv,noheader,nounits"], cancellationToken)))
        {
            if (row.Length >= 2 && long.TryParse(row[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib))
            {
                memory[row[0]] = mib;
            }
        }
        var devices = new List<GpuDevice>();
        GpuDevice? parent = null;
        var parentHasMig = false;
        foreach (var line in list.Split('\n'))
        {
            if (GpuLine().Match(line) is { Success: true } gpu)
            {
                if (parent is not null && !parentHasMig)
                {
                    devices.Add(parent);
                }
                var uuid = gpu.Groups[3].Value;
                parent = new GpuDevice(int.Parse(gpu.Groups[1].Value, CultureInfo.InvariantCulture), uuid, gpu.Groups[2].Value.Trim(),
                    memory.GetValueOrDefault(uuid));
                parentHasMig = false;
            }
            else if (MigLine().Match(line) is { Success: true } mig && parent is not null)
            {
                parentHasMig = true;
                var profile = mig.Groups[1].Value;
                var gb = ProfileMemory().Match(profile) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 : 0;
                devices.Add(new GpuDevice(parent.Index, mig.Groups[3].Value, $"{parent.Name} MIG {profile}", gb));
                migParents[mig.Groups[3].Value] = parent.Uuid;
            }
        }
        if (parent is not null && !parentHasMig)
        {
            devices.Add(parent);
        }
        return devices;
    }

    /// <summary>Utilization and memory in use per GPU (a MIG device reads its parent's utilization and the memory of its processes).</summary>
    public async Task<IReadOnlyList<Reading>> ReadAsync(CancellationToken cancellationToken)
    {
        var readings = new List<Reading>();
        foreach (var row in Csv(await RunAsync(["--query-gpu=uuid,utilization.gpu,memory.used", "--format=csv,noheader,nounits"], cancellationToken)))
        {
            if (row.Length >= 3)
            {
                readings.Add(new Reading(row[0], Number(row[1]), (long)(Number(row[2]) * 1024 * 1024)));
            }
        }
        return readings;
    }

    /// <summary>Memory used per device by its processes (MIG devices appear with their own UUIDs here).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ProcessMemoryAsync(CancellationToken cancellationToken)
    {
        var byDevice = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in Csv(await RunAsync(["--query-compute-apps=gpu_uuid,used_gpu_memory", "--format=csv,noheader,nounits"], cancellationToken)))
        {
            if (row.Length >= 2)
            {
                byDevice[row[0]] = byDevice.GetValueOrDefault(row[0]) + (long)(Number(row[1]) * 1024 * 1024);
            }
        }
        return byDevice;
    }

    private static double Number(string text) =>
        double.TryParse(text.Replace("%", "").Replace("MiB", "").Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static IEnumerable<string[]> Csv(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',').Select(f => f.Trim()).ToArray());

    private async Task<string?> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(settings.Value.NvidiaSmi) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No nvidia-smi: no GPUs on this host.
            return null;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            logger.LogWarning("nvidia-smi failed: {Error}", e.Message);
            return null;
        }
    }

    [GeneratedRegex(@"^GPU (\d+): (.+?) \(UUID: ([^)]+)\)")]
    private static partial Regex GpuLine();

    [GeneratedRegex(@"^\s+MIG (\S+)\s+Device\s+(\d+): \(UUID: ([^)]+)\)")]
    private static partial Regex MigLine();

    [GeneratedRegex(@"\.(\d+)gb$")]
    private static partial Regex ProfileMemory();
}

/// <summary>Samples the GPUs a job holds while it runs, into its <see cref="UsageMeter"/>.</summary>
public sealed class GpuSampler(NvidiaSmi smi, IOptions<RunnerSettings> settings)
{
    private IReadOnlyList<GpuDevice>? inventory;

    public async Task<IReadOnlyList<GpuDevice>> InventoryAsync(CancellationToken cancellationToken) =>
        inventory ??= await smi.InventoryAsync(cancellationToken);

    public async Task SampleAsync(IReadOnlyList<string> uuids, UsageMeter usage, CancellationToken stop)
    {
        if (uuids.Count == 0)
        {
            return;
        }
        var devices = (await InventoryAsync(CancellationToken.None)).ToDictionary(d => d.Uuid, StringComparer.Ordinal);
        using var timer = new PeriodicTimer(settings.Value.SampleInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : settings.Value.SampleInterval);
        do
        {
            var readings = (await smi.ReadAsync(CancellationToken.None)).ToDictionary(r => r.Uuid, StringComparer.Ordinal);
            var processMemory = await smi.ProcessMemoryAsync(CancellationToken.None);
            foreach (var uuid in uuids)
            {
                var device = devices.GetValueOrDefault(uuid);
                var model = device?.Name ?? "unknown";
                var reading = readings.GetValueOrDefault(uuid) ?? (smi.ParentOf(uuid) is { } parent ? readings.GetValueOrDefault(parent) : null);
                var memory = uuid.StartsWith("MIG-", StringComparison.Ordinal) ? processMemory.GetValueOrDefault(uuid) : reading?.MemoryUsedBytes ?? 0;
                usage.Gpu(uuid, model, reading?.UtilizationPercent ?? 0, memory);
            }
        }
        while (await Next(timer, stop));
    }

    private static async Task<bool> Next(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
