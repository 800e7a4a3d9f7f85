using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// Runs a job in a container on the local Docker engine: image (local first), create with the
/// job's limits (CPU, memory, its own GPUs by device request, no network unless asked and allowed,
/// never privileged), attach, start, stream output, wait; on timeout or cancel stop it (SIGTERM,
/// SIGKILL two seconds later). The container is always removed, whatever happened, after the
/// result is returned (see RemoveLater).
/// </summary>
public sealed class DockerExecutor(IDockerClient docker, ImagePuller images, IOptions<RunnerSettings> settings,
    ILogger<DockerExecutor> logger) : IExecutor, IAsyncDisposable
{
    private static readonly TimeSpan CpuSampleInterval = TimeSpan.FromMilliseconds(100);
    private readonly HashSet<Task> removals = [];

    public string Name => "docker";

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, Func<ReadOnlyMemory<byte>, ValueTask> output, UsageMeter usage,
        CancellationToken stop)
    {
        ValueTask Say(string line) => output(System.Text.Encoding.UTF8.GetBytes($"\u001b[1m$ {line}\u001b[0m\n"));
        string id;
        try
        {
            // Created straight away: the engine answers 404 when the image is missing, so the
            // common case (the image is there) costs no inspect call first.
            try
            {
                id = (await docker.Containers.CreateContainerAsync(Parameters(request), CancellationToken.None)).ID;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                if (await images.EnsureAsync(request.Image, Say, stop) is { } imageError)
                {
                    return new ExecutionResult(null, imageError);
                }
                id = (await docker.Containers.CreateContainerAsync(Parameters(request), CancellationToken.None)).ID;
            }
        }
        catch (DockerApiException e)
        {
            return new ExecutionResult(null, $"The container could not be created: {e.ResponseBody}");
        }
        request.Phases?.Mark("create");
        try
        {
            await request.Ready;
            using var stream = await docker.Containers.AttachContainerAsync(id,
                new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, CancellationToken.None);
            await docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), CancellationToken.None);
            request.Phases?.Mark("start");
            var pump = LogStreamer.PumpAsync(stream, output, CancellationToken.None);
            var wait = docker.Containers.WaitContainerAsync(id, CancellationToken.None);
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(id, usage, sampling.Token);
            var stopped = false;
            if (await Task.WhenAny(wait, Task.Delay(Timeout.Infinite, stop)) != wait)
            {
                stopped = true;
                await docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = 2 }, CancellationToken.None);
            }
            var exit = await wait;
            request.Phases?.Mark("wait");
            await sampling.CancelAsync();
            await sampler;
            await pump;
            request.Phases?.Mark("output");
            return stopped ? new ExecutionResult(null) : new ExecutionResult((int)exit.StatusCode);
        }
        catch (DockerApiException e)
        {
            return new ExecutionResult(null, $"The container failed: {e.ResponseBody}");
        }
        finally
        {
            RemoveLater(id);
        }
    }

    /// <summary>Waits for the containers still being removed: the runner never stops with one left behind.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] left;
        lock (removals)
        {
            left = [.. removals];
        }
        await Task.WhenAll(left);
    }

    // The job's end is reported without waiting for its container to go (removal takes the engine
    // tens of milliseconds); the removal still always happens, and the runner waits for it when it stops.
    private void RemoveLater(string id)
    {
        var removal = Task.Run(() => RemoveAsync(id));
        lock (removals)
        {
            removals.Add(removal);
        }
        removal.ContinueWith(done => { lock (removals) removals.Remove(done); }, TaskScheduler.Default);
    }

    public async Task CleanUpLeftoversAsync(CancellationToken cancellationToken)
    {
        var leftovers = await docker.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = ContainerLabels.OfRunner(settings.Value.Name) }, cancellationToken);
        foreach (var container in leftovers)
        {
            logger.LogWarning("Removing container {Container} of job {JobId} left by an earlier run of this runner",
                container.ID[..12], container.Labels?.TryGetValue(ContainerLabels.JobId, out var job) == true ? job : "?");
            await RemoveAsync(container.ID);
        }
    }

    private CreateContainerParameters Parameters(ExecutionRequest request)
    {
        var host = new HostConfig
        {
            Binds = Mounts.For(request.Workspace),
            NetworkMode = request.Network && settings.Value.AllowNetwork ? "bridge" : "none",
            Privileged = false,
            SecurityOpt = ["no-new-privileges"],
            Init = true,
        };
        if (request.Cpus > 0)
        {
            host.NanoCPUs = (long)(request.Cpus * 1e9);
        }
        if (request.MemoryBytes > 0)
        {
            host.Memory = request.MemoryBytes;
            host.MemorySwap = request.MemoryBytes;
        }
        if (request.GpuUuids.Count > 0)
        {
            host.DeviceRequests = [new DeviceRequest { Driver = "nvidia", DeviceIDs = request.GpuUuids.ToList(), Capabilities = [["gpu"]] }];
        }
        return new CreateContainerParameters
        {
            Image = request.Image,
            Cmd = request.Argv.ToList(),
            Env = request.Env.Select(e => $"{e.Key}={e.Value}").ToList(),
            WorkingDir = Mounts.WorkspacePath,
            Labels = ContainerLabels.For(request.JobId, settings.Value.Name),
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            HostConfig = host,
        };
    }

    private async Task SampleAsync(string id, UsageMeter usage, CancellationToken stop)
    {
        ContainerSampler? sampler = null;
        var tick = 0;
        using var timer = new PeriodicTimer(CpuSampleInterval);
        var every = Math.Max(1, (int)(settings.Value.SampleInterval / CpuSampleInterval));
        do
        {
            if (sampler is null)
            {
                try
                {
                    var pid = (await docker.Containers.InspectContainerAsync(id, CancellationToken.None)).State?.Pid ?? 0;
                    sampler = pid > 0 ? ContainerSampler.Locate((int)pid) : null;
                    if (sampler is { Found: false })
                    {
                        logger.LogWarning("No cgroup found for container {Container}: its CPU and memory are not measured", id[..12]);
                    }
                }
                catch (DockerApiException)
                {
                    return;
                }
            }
            sampler?.SampleCpu(usage);
            if (tick++ % every == 0)
            {
                sampler?.SampleRest(usage);
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

    private async Task RemoveAsync(string id)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException e)
        {
            logger.LogWarning("Removing container {Container} failed: {Error}", id[..12], e.Message);
        }
    }
}
