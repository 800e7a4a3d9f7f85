using System.Diagnostics;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Executors.Process;

/// <summary>
/// Runs a job as a plain process on this host, in its workspace (hosts without Docker, and
/// development). Same contract as Docker's: output streamed as it comes, usage sampled, stopped
/// within seconds. There is no isolation: the job runs as the runner's user, so use it only for
/// trusted projects. The image is ignored; GPUs are passed as CUDA_VISIBLE_DEVICES.
/// Network bytes: a job shares the host's network namespace, so for a job allowed network they
/// are the host's (non-loopback) traffic while it runs, an upper bound when other programs use
/// the network too; a job without network is not charged any (nor is it kept off the network:
/// the process executor isolates nothing).
/// </summary>
public sealed class ProcessExecutor(IOptions<RunnerSettings> settings, ILogger<ProcessExecutor> logger) : IExecutor
{
    // The command runs under a shell that, once it has waited for it, saves its own /proc stat:
    // cutime/cstime there hold the CPU of the whole finished tree, which sampling alone would miss
    // for the last interval. Builtins only (read, printf): a `cat` there cost every job a process start.
    private const string Wrapper = "\"$@\"; rc=$?; read -r s < /proc/$$/stat; printf '%s\\n' \"$s\" > \"$0\" 2>/dev/null; exit $rc";

    public string Name => "process";

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, Func<ReadOnlyMemory<byte>, ValueTask> output, UsageMeter usage,
        CancellationToken stop)
    {
        var statFile = Path.Combine(Path.GetTempPath(), $"mlops-job-{request.JobId}-{Guid.NewGuid():N}.stat");
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = request.Workspace,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-c", Wrapper, statFile }.Concat(request.Argv))
        {
            start.ArgumentList.Add(arg);
        }
        // The job sees only its own variables, never the runner's (which hold its tokens).
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = request.Workspace;
        start.Environment["LANG"] = "C.UTF-8";
        if (request.GpuUuids.Count > 0)
        {
            start.Environment["CUDA_VISIBLE_DEVICES"] = string.Join(',', request.GpuUuids);
        }
        foreach (var (key, value) in request.Env)
        {
            start.Environment[key] = value;
        }

        using var process = new System.Diagnostics.Process { StartInfo = start };
        await request.Ready;
        (long Rx, long Tx)? network = request.Network ? NetDev.Read(HostNetDev) : null;
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return new ExecutionResult(null, $"The process could not start: {e.Message}");
        }
        request.Phases?.Mark("start");
        process.StandardInput.Close();
        var outputLock = new SemaphoreSlim(1, 1);
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, output, outputLock),
            PumpAsync(process.StandardError.BaseStream, output, outputLock));
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(process.Id, network, usage, sampling.Token);
        try
        {
            await process.WaitForExitAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGKILL to the whole tree: a job that ignores SIGTERM must still stop within seconds.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        request.Phases?.Mark("wait");
        await sampling.CancelAsync();
        await sampler;
        // Traffic of the job's last moments, after the last sample.
        SampleNetwork(network, usage);
        await pumps;
        request.Phases?.Mark("output");
        if (File.Exists(statFile))
        {
            if (ProcTree.CpuFromStatText(await File.ReadAllTextAsync(statFile, CancellationToken.None)) is { } cpu)
            {
                usage.Cpu(cpu);
            }
            File.Delete(statFile);
        }
        return stop.IsCancellationRequested ? new ExecutionResult(null) : new ExecutionResult(process.ExitCode);
    }

    public Task CleanUpLeftoversAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task PumpAsync(Stream stream, Func<ReadOnlyMemory<byte>, ValueTask> output, SemaphoreSlim outputLock)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            await outputLock.WaitAsync();
            try
            {
                await output(buffer.AsMemory(0, n));
            }
            finally
            {
                outputLock.Release();
            }
        }
    }

    private async Task SampleAsync(int pid, (long Rx, long Tx)? network, UsageMeter usage, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.Value.SampleInterval);
        do
        {
            try
            {
                if (ProcTree.Read(pid) is { } sample)
                {
                    usage.Cpu(sample.CpuSeconds);
                    usage.Memory(sample.RssBytes);
                    usage.Io(sample.ReadBytes, sample.WriteBytes);
                }
                SampleNetwork(network, usage);
            }
            catch (Exception e) when (e is IOException or FormatException)
            {
                logger.LogDebug("Sampling process {Pid} failed: {Error}", pid, e.Message);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private const string HostNetDev = "/proc/net/dev";

    private static void SampleNetwork((long Rx, long Tx)? before, UsageMeter usage)
    {
        if (before is { } b)
        {
            var (rx, tx) = NetDev.Read(HostNetDev);
            usage.Io(rxBytes: rx - b.Rx, txBytes: tx - b.Tx);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
