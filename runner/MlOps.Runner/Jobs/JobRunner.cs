using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Executors;
using MlOps.Runner.Logs;
using MlOps.Runner.Network;
using MlOps.Runner.Staging;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Jobs;

/// <summary>
/// One claimed job from start to end: stage the workspace, run it with the executor while
/// heartbeating (which renews the lease, carries usage, and learns of a cancel), stop it at its
/// timeout, upload outputs, report the end with final usage. When the runner shuts down, a job
/// that does not finish within the grace period is stopped and handed back.
/// </summary>
public sealed class JobRunner(IExecutor executor, Workspace workspace, GpuSampler gpus, IOptions<RunnerSettings> settings,
    TimeProvider clock, ILogger<JobRunner> logger, IImageBuilder? images = null)
{
    private enum StopReason { None, Timeout, Canceled, Lost, Shutdown }

    public async Task RunAsync(JobPayload job, JobChannel channel, CancellationToken shutdown)
    {
        var usage = new UsageMeter(clock);
        var phases = new JobPhases();
        var masker = new SecretMasker(job.Secrets.Values);
        var directory = Path.Combine(settings.Value.BuildsDir, $"job-{job.Id}-{job.Attempt}");
        var reason = StopReason.None;
        using var stop = new CancellationTokenSource();
        void Stop(StopReason why)
        {
            if (reason == StopReason.None)
            {
                reason = why;
            }
            stop.Cancel();
        }

        await using var log = new LogUploader(channel, masker, job.LogOffset, logger);
        ValueTask Say(string line) => log.WriteLineAsync($"\u001b[1m$ {line}\u001b[0m");
        await Say(job.Attempt > 1 ? $"Attempt {job.Attempt} of job {job.Name} on runner {settings.Value.Name}" : $"Job {job.Name} on runner {settings.Value.Name}");

        using var heartbeats = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(job, channel, usage, log, Stop, heartbeats.Token);
        using var onShutdown = shutdown.Register(() => _ = StopAfterGraceAsync(() => Stop(StopReason.Shutdown), stop.Token));

        ExecutionResult? result = null;
        string? failure = null;
        // What `retry: when:` matches: a command that fails is the script's, not being able to run it is the runner's.
        var failureKind = FailureKinds.Script;
        try
        {
            // The workspace is staged while the executor prepares (Docker creates the container, which
            // needs only the folder to exist); the command starts once both are done.
            Directory.CreateDirectory(directory);
            var staged = StageAsync(job, directory, channel, Say, phases, stop.Token);
            var env = new Dictionary<string, string>(job.Spec.Env, StringComparer.Ordinal);
            foreach (var (name, value) in job.Secrets)
            {
                env[name] = value;
            }
            env["MLOPS_JOB_ID"] = job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var request = new ExecutionRequest(job.Id, job.Spec.Image, job.Spec.Argv, env, directory, job.GpuUuids, job.Spec.Cpus,
                job.Spec.MemoryBytes, job.Spec.Network != "none", phases) { Ready = staged };
            stop.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, job.Spec.TimeoutSeconds)));
            using var timeout = stop.Token.Register(() => { if (reason == StopReason.None) reason = StopReason.Timeout; });
            // GPU sampling ends with the command, not with the job's stop token (which only fires on timeout or cancel).
            using var gpuSampling = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var sampling = gpus.SampleAsync(job.GpuUuids, usage, gpuSampling.Token);
            if (job.Spec.ImageBuild is not { } build)
            {
                result = await executor.RunAsync(request, log.WriteAsync, usage, stop.Token);
                await staged;
            }
            else
            {
                // A build's context is the checkout: it must be whole before the engine reads it.
                await staged;
                result = images is null ? new ExecutionResult(null, $"This runner's {executor.Name} executor cannot build images; an image build needs the Docker executor.")
                    : await images.BuildAsync(new ImageBuildRequest(job.Id, directory, build, request.Network), log.WriteAsync, stop.Token);
            }
            await gpuSampling.CancelAsync();
            usage.End();
            await sampling;
            if (reason == StopReason.None && result.ExitCode == 0)
            {
                var missing = await workspace.CollectAsync(job, directory, channel, usage, Say, CancellationToken.None);
                if (missing.Count > 0)
                {
                    failure = $"The job did not write its output(s): {string.Join(", ", missing)}.";
                }
                phases.Mark("artifacts");
            }
        }
        catch (StagingException e)
        {
            failure = "Preparing the workspace failed: " + e.Message;
            failureKind = FailureKinds.RunnerSystem;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (JobLostException)
        {
            reason = StopReason.Lost;
        }
        finally
        {
            usage.End();
            await heartbeats.CancelAsync();
            await heartbeat;
        }

        try
        {
            if (failure is null && reason == StopReason.Timeout)
            {
                failureKind = FailureKinds.StuckOrTimeout;
            }
            else if (failure is null && reason == StopReason.None && result?.Error is not null)
            {
                failureKind = FailureKinds.RunnerSystem;
            }
            failure ??= reason switch
            {
                StopReason.Timeout => $"The job passed its timeout of {job.Spec.TimeoutSeconds} s and was stopped.",
                StopReason.Canceled => "The job was canceled.",
                _ when result?.Error is { } error => error,
                _ when result?.ExitCode is { } code and not 0 => $"The command exited with code {code}.",
                _ => null,
            };
            if (failure is not null)
            {
                await log.WriteLineAsync(masker.Mask(failure));
            }
            await log.DisposeAsync();
            phases.Mark("log flushed");
            await SendMetricsAsync(channel, log);
            await ReportEndAsync(job, channel, reason, result, failure, failureKind, usage);
            phases.Mark("final status");
        }
        finally
        {
            // After the end is reported: nobody waits for the folder to go.
            workspace.Remove(directory);
        }
        logger.LogInformation("Job {JobId} phases: {Phases}", job.Id, phases);
    }

    private async Task StageAsync(JobPayload job, string directory, JobChannel channel, Func<string, ValueTask> say,
        JobPhases phases, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await workspace.StageAsync(job, directory, channel, say, cancellationToken);
        phases.Mark("stage");
    }

    private async Task ReportEndAsync(JobPayload job, JobChannel channel, StopReason reason, ExecutionResult? result, string? failure,
        string failureKind, UsageMeter usage)
    {
        if (reason == StopReason.Lost)
        {
            logger.LogWarning("Job {JobId} is no longer ours (lease lapsed or finished elsewhere); dropped", job.Id);
            return;
        }
        var update = reason == StopReason.Shutdown
            ? new JobUpdate(JobStates.HandedBack, Usage: usage.Snapshot())
            : new JobUpdate(failure is null ? JobStates.Success : JobStates.Failed, result?.ExitCode, failure, usage.Snapshot(),
                failure is null ? null : failureKind, failure is null ? result?.ImageDigest : null);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            try
            {
                var answer = await channel.UpdateAsync(update, CancellationToken.None);
                logger.LogInformation("Job {JobId} ended: {Status}", job.Id, answer.Status);
                return;
            }
            catch (JobLostException)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or CoordinatorException)
            {
                // The server is away: keep trying for a while; if it never answers, the lease lapses and the job is retried.
                logger.LogWarning("Reporting the end of job {JobId} failed ({Error}); retrying", job.Id, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)));
            }
        }
    }

    private async Task HeartbeatAsync(JobPayload job, JobChannel channel, UsageMeter usage, LogUploader log, Action<StopReason> stop,
        CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, job.HeartbeatSeconds)));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    var answer = await channel.UpdateAsync(new JobUpdate(JobStates.Running, Usage: usage.Snapshot()), cancellationToken);
                    if (answer.Status == JobStates.Canceled)
                    {
                        logger.LogInformation("Job {JobId} was canceled; stopping it", job.Id);
                        stop(StopReason.Canceled);
                    }
                    await SendMetricsAsync(channel, log);
                }
                catch (JobLostException)
                {
                    stop(StopReason.Lost);
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or CoordinatorException
                    || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // One missed heartbeat is fine: the lease is three heartbeats long.
                    logger.LogWarning("Heartbeat of job {JobId} failed: {Error}", job.Id, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendMetricsAsync(JobChannel channel, LogUploader log)
    {
        var metrics = log.TakeMetrics();
        if (metrics.Count == 0)
        {
            return;
        }
        try
        {
            await channel.ReportMetricsAsync(metrics, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or CoordinatorException or TaskCanceledException or JobLostException)
        {
            logger.LogWarning("Reporting {Count} metric values failed: {Error}", metrics.Count, e.Message);
        }
    }

    private async Task StopAfterGraceAsync(Action stopNow, CancellationToken finished)
    {
        try
        {
            await Task.Delay(settings.Value.ShutdownGrace, finished);
            stopNow();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
