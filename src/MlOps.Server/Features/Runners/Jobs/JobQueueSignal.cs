using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>
/// Wakes waiting job requests when jobs become pending. One dedicated connection LISTENs to
/// `mlops_jobs_pending` (sent by advance_run and by requeues), so a queued job reaches an idle
/// runner in milliseconds instead of at its next poll; every waiter then races to claim with
/// SKIP LOCKED, and the losers go back to waiting.
/// </summary>
public sealed class JobQueueSignal(IOptions<DatabaseOptions> database, DatabaseOutage outage, ILogger<JobQueueSignal> logger) : BackgroundService
{
    public const string Channel = "mlops_jobs_pending";

    private TaskCompletionSource pulse = NewPulse();

    /// <summary>Completes at the next notification, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref pulse).Task;
        await Task.WhenAny(next, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The current generation: a waiter takes it before claiming so a notification during the claim is not lost.</summary>
    public Task Current => Volatile.Read(ref pulse).Task;

    public void Pulse() => Interlocked.Exchange(ref pulse, NewPulse()).TrySetResult();

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
                connection.Notification += (_, _) => Pulse();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Jobs may have become pending while we were not listening.
                Pulse();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException && !stoppingToken.IsCancellationRequested)
            {
                // An outage is logged once, by DatabaseOutage; anything else is worth a line of its own.
                if (DatabaseOutage.Matches(e))
                {
                    outage.Report(e);
                    logger.LogDebug("Job queue listener lost its connection ({Error}); reconnecting", e.Message);
                }
                else
                {
                    logger.LogWarning("Job queue listener lost its connection ({Error}); reconnecting", e.Message);
                }
                Pulse();
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
