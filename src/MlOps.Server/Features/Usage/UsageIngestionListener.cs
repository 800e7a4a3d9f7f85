using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.BackgroundJobs;
using Npgsql;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// Books final job usage within moments: LISTENs on `mlops_usage_final` (sent by the trigger on
/// `job_usage`) and drains the queue on each notification, and once a minute regardless, so that
/// a notification lost during a reconnect only delays booking. Every replica may run one.
/// </summary>
public sealed class UsageIngestionListener(NpgsqlDataSource dataSource, UsageIngestor ingestor, IOptions<UsageOptions> options,
    IOptions<HangfireOptions> hangfire, ILogger<UsageIngestionListener> logger) : BackgroundService
{
    public const string Channel = "mlops_usage_final";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!(options.Value.IngestionListener ?? hangfire.Value.ServerEnabled))
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await ingestor.DrainAsync(stoppingToken);
                    // Returns at once for a notification that arrived while draining (it was buffered).
                    await connection.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Usage ingestion listener failed; reconnecting in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}
