using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// What wakes a background loop: a LISTEN connection on one channel that signals on each NOTIFY,
/// and once after every (re)connection, so that whatever was recorded while nobody listened is
/// found by the next pass. The loop waits with <see cref="WaitAsync"/>, whose timeout is its sweep.
/// A lost connection is opened again after a second; an unreachable database is the outage's to report.
/// </summary>
public sealed class NotificationWakeup(NpgsqlDataSource dataSource, string channel, string what, DatabaseOutage outage, ILogger logger)
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public void Start(CancellationToken stoppingToken) => _ = Task.Run(() => ListenAsync(stoppingToken), stoppingToken);

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                Wake();
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
                BackgroundFailures.Log(logger, outage, e, $"Listening for {what} failed; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private void Wake()
    {
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the loop looks once more anyway.
        }
    }
}
