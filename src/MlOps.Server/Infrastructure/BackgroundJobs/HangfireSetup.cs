using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Infrastructure.BackgroundJobs;

public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    /// <summary>Run a Hangfire server in this process; several replicas may all do so safely.</summary>
    public bool ServerEnabled { get; set; } = true;

    [System.ComponentModel.DataAnnotations.Range(1, 1000, ErrorMessage = "Hangfire:WorkerCount must be between 1 and 1000.")]
    public int WorkerCount { get; set; } = Math.Max(2, Environment.ProcessorCount);
}

/// <summary>
/// The server's own background work (webhook processing, pipeline compilation, usage aggregation,
/// clean-ups) runs on Hangfire over PostgreSQL, so it survives restarts and is shared by replicas.
/// Runner jobs are not Hangfire jobs.
/// </summary>
public static class HangfireSetup
{
    public static IServiceCollection AddBackgroundJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HangfireOptions>().BindConfiguration(HangfireOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString),
                new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true }));
        if (configuration.GetValue($"{HangfireOptions.Section}:{nameof(HangfireOptions.ServerEnabled)}", true))
        {
            services.AddHangfireServer((sp, server) =>
            {
                server.WorkerCount = sp.GetRequiredService<IOptions<HangfireOptions>>().Value.WorkerCount;
                server.ServerName = $"mlops-{Environment.MachineName}-{Environment.ProcessId}";
            });
        }
        return services;
    }
}
