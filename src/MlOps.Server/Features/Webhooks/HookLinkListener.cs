using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// LISTENs to `mlops_hook_links` (a trigger on gitlab_links and github_links) and clears
/// <see cref="HookTargetCache"/> at every change. The cache is used only while this connection
/// listens: on losing it the cache is cleared and bypassed until the LISTEN is back.
/// </summary>
public sealed class HookLinkListener(HookTargetCache cache, IOptions<DatabaseOptions> database, DatabaseOutage outage,
    ILogger<HookLinkListener> logger) : BackgroundService
{
    public const string Channel = "mlops_hook_links";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Not from the pool: a LISTEN belongs to one session for as long as it lives.
                var builder = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString) { Pooling = false, KeepAlive = 30 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Invalidate(listening: true);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Links may have changed while nobody listened.
                cache.Invalidate(listening: true);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                cache.Invalidate(listening: false);
                BackgroundFailures.Log(logger, outage, e, "Listening for webhook link changes failed; secrets are read per delivery until it is back");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
        cache.Invalidate(listening: false);
    }
}
