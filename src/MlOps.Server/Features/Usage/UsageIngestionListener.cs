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
    IOptions<HangfireOptions> hangfire, DatabaseOutage outage, ILogger<UsageIngestionListener> logger)
    : NotifiedLoop(hub, outage, logger, Channel, TimeSpan.FromMinutes(1))
{
    public const string Channel = "mlops_usage_final";

    protected override bool Enabled => options.Value.IngestionListener ?? hangfire.Value.ServerEnabled;

    protected override string FailureMessage => "Usage ingestion failed; retrying at the next notification";

    protected override Task PassAsync(CancellationToken stoppingToken) => ingestor.DrainAsync(stoppingToken);
}
