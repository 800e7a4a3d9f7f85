using Microsoft.Extensions.Options;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>
/// Looks for running jobs whose runner stopped heartbeating and queues them again (or fails them).
/// A plain loop rather than a Hangfire job: leases are seconds long and Hangfire's recurring jobs
/// are minutes apart; every replica may run it, SKIP LOCKED keeps them from reaping a job twice.
/// </summary>
public sealed class LeaseReaper(JobLeaseRepository leases, IOptions<RunnerJobOptions> options, Infrastructure.Database.DatabaseOutage outage,
    ILogger<LeaseReaper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReapIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var reaped = await leases.ReapLapsedAsync(stoppingToken);
                if (reaped > 0)
                {
                    logger.LogWarning("{Count} running job(s) lost their runner (lease lapsed): retried or failed", reaped);
                }
            }
            catch (Exception e) when (Infrastructure.Database.DatabaseOutage.Matches(e))
            {
                outage.Report(e);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Reaping lapsed job leases failed ({Error}); trying again", e.Message);
            }
        }
    }
}
