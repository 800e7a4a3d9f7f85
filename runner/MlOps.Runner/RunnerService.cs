using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Executors;
using MlOps.Runner.Jobs;
using MlOps.Runner.Network;
using MlOps.Runner.Usage;

namespace MlOps.Runner;

/// <summary>
/// Keeps this runner registered and takes jobs: one long-poll loop per concurrent slot, so at most
/// Concurrency jobs run at once and an idle slot is always waiting at the server (a queued job
/// starts in milliseconds). While the server is away every loop backs off, up to a minute. On
/// SIGTERM the loops stop asking for jobs; running jobs get the grace period to finish and are
/// then stopped and handed back.
/// </summary>
public sealed class RunnerService(CoordinatorClient coordinator, RunnerRegistration registration, IExecutor executor, JobRunner jobs,
    GpuSampler gpus, IOptions<RunnerSettings> settings, ILogger<RunnerService> logger) : BackgroundService
{
    public static readonly string Version = typeof(RunnerService).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var state = await WithBackoffAsync(registration.EnsureRegisteredAsync, stoppingToken);
        if (state is null)
        {
            return;
        }
        await executor.CleanUpLeftoversAsync(stoppingToken);
        var inventory = await gpus.InventoryAsync(stoppingToken);
        var capacity = new RunnerCapacity(
            Math.Max(1, settings.Value.Concurrency), executor.Name, settings.Value.TagList, inventory,
            settings.Value.Cpus > 0 ? settings.Value.Cpus : Environment.ProcessorCount,
            settings.Value.MemoryBytes > 0 ? settings.Value.MemoryBytes : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            settings.Value.AllowNetwork);
        logger.LogInformation("Runner {RunnerId} takes up to {Concurrency} job(s) with the {Executor} executor, {Gpus} GPU(s), tags [{Tags}]",
            state.Id, capacity.Concurrency, executor.Name, inventory.Count, string.Join(", ", capacity.Tags ?? []));

        var slots = Enumerable.Range(0, capacity.Concurrency).Select(_ => SlotAsync(state, capacity, stoppingToken)).ToList();
        slots.Add(CheckInAsync(state, inventory, stoppingToken));
        await Task.WhenAll(slots);
    }

    private async Task SlotAsync(RunnerState state, RunnerCapacity capacity, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            JobPayload? job;
            try
            {
                job = await coordinator.RequestJobAsync(new JobRequest(state.Token, capacity), stoppingToken);
                if (failures > 0)
                {
                    logger.LogInformation("Reconnected to {Url}", settings.Value.Url);
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or CoordinatorException or TaskCanceledException)
            {
                await BackOffAsync(++failures, e, stoppingToken);
                continue;
            }
            if (job is null)
            {
                continue;
            }
            logger.LogInformation("Running job {JobId} ({JobName}, attempt {Attempt})", job.Id, job.Name, job.Attempt);
            try
            {
                // Not canceled by shutdown directly: the job runner gives it the grace period first.
                await jobs.RunAsync(job, coordinator.ForJob(job), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never let one job take the slot down; its lease will lapse and it is retried.
                logger.LogError(e, "Job {JobId} broke the runner's handling of it", job.Id);
            }
        }
    }

    // The idle check-in keeps contacted_at fresh and the GPU inventory known even while no job is requested.
    private async Task CheckInAsync(RunnerState state, IReadOnlyList<GpuDevice> inventory, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.Value.HeartbeatInterval, stoppingToken);
                await coordinator.VerifyAsync(new VerifyRunnerRequest(state.Token, Version, inventory), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or CoordinatorException or TaskCanceledException)
            {
                logger.LogDebug("Check-in failed: {Error}", e.Message);
            }
        }
    }

    private async Task<T?> WithBackoffAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken stoppingToken) where T : class
    {
        for (var failures = 1; !stoppingToken.IsCancellationRequested; failures++)
        {
            try
            {
                return await action(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or CoordinatorException or TaskCanceledException)
            {
                await BackOffAsync(failures, e, stoppingToken);
            }
        }
        return null;
    }

    private async Task BackOffAsync(int failures, Exception e, CancellationToken stoppingToken)
    {
        // Exponential up to a minute, with jitter, so a restarting server is not hammered by every runner at once.
        var seconds = Math.Min(60, Math.Pow(2, Math.Min(failures, 6)) / 2) * (0.75 + Random.Shared.NextDouble() / 2);
        logger.LogWarning("Cannot reach {Url} ({Error}); retrying in {Delay:F1} s", settings.Value.Url, e.Message, seconds);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
