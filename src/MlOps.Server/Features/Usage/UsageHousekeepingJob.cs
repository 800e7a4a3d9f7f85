using Microsoft.Extensions.Options;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// Hangfire recurring job (every 15 minutes, on whichever replica takes it): books abandoned
/// attempts and anything the listener missed, and the day's storage snapshot. Every step is
/// idempotent, so a retry or an overlap with another replica changes nothing.
/// </summary>
public sealed class UsageHousekeepingJob(UsageIngestor ingestor, StorageSnapshots storage, IOptions<UsageOptions> options,
    TimeProvider clock)
{
    public const string Id = "usage-housekeeping";
    public const string Schedule = "*/15 * * * *";

    [Hangfire.AutomaticRetry(Attempts = 3)]
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        await ingestor.QueueAbandonedAsync(TimeSpan.FromMinutes(options.Value.AbandonedAfterMinutes), cancellationToken);
        await ingestor.DrainAsync(cancellationToken);
        await storage.RecordAsync(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), cancellationToken);
    }
}
