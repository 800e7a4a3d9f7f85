using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.BackgroundJobs;
using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// Books final job usage within moments: follows `mlops_usage_final` (sent by the trigger on
/// `job_usage`) through the process's <see cref="NotificationHub"/> and drains the queue on each
/// notification, and once a minute regardless, so that a notification lost during a reconnect
/// only delays booking. Every replica may run one.
/// </summary>
public sealed class UsageIngestionListener(NotificationHub hub, UsageIngestor ingestor, IOptions<UsageOptions> options,
    IOptions<HangfireOptions> hangfire, DatabaseOutage outage, ILogger<UsageIngestionListener> logger) : BackgroundService
{
    public const string Channel = "mlops_usage_final";

    private readonly NotificationWakeup wake = new(hub, Channel);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!(options.Value.IngestionListener ?? hangfire.Value.ServerEnabled))
        {
            return;
        }
        wake.Start();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ingestor.DrainAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                BackgroundFailures.Log(logger, outage, e, "Usage ingestion failed; retrying at the next notification");
            }
            try
            {
                await wake.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
