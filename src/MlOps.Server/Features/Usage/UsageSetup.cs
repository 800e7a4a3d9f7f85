using Hangfire;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.BackgroundJobs;

namespace MlOps.Server.Features.Usage;

public static class UsageSetup
{
    /// <summary>
    /// The ingestor and snapshots are stateless over the data source (singletons); the listener
    /// and the metrics cache are hosted services, one per replica; the housekeeping job is a
    /// Hangfire recurring job, run by one replica at a time.
    /// </summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.Section);
        services.AddSingleton<UsageIngestor>();
        services.AddSingleton<StorageSnapshots>();
        services.AddTransient<UsageHousekeepingJob>();
        services.AddHostedService<UsageIngestionListener>();
        services.AddSingleton<UsageMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageMetrics>());
        services.AddHostedService<UsageJobScheduler>();
        return services;
    }

    private sealed class UsageJobScheduler(IServiceProvider services, IOptions<HangfireOptions> hangfire) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (hangfire.Value.ServerEnabled)
            {
                services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<UsageHousekeepingJob>(
                    UsageHousekeepingJob.Id, job => job.ExecuteAsync(CancellationToken.None), UsageHousekeepingJob.Schedule);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
