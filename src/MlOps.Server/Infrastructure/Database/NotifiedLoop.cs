namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// A background loop that the database wakes: one pass at start, one at each NOTIFY on its channel
/// (through the process's <see cref="NotificationHub"/>; under a stream, at most one per
/// <c>pace</c>), and one after <c>sweep</c> of quiet, so a notification lost during a reconnect
/// only delays the work. A failed pass is logged (an unreachable database once, by
/// <see cref="DatabaseOutage"/>) and the next wake-up tries again.
/// </summary>
public abstract class NotifiedLoop(NotificationHub hub, DatabaseOutage outage, ILogger logger, string channel, TimeSpan sweep,
    TimeSpan pace = default) : BackgroundService
{
    private readonly NotificationWakeup wake = new(hub, channel, pace);

    protected ILogger Logger => logger;

    /// <summary>False leaves this work to other processes (a setting, for replicas).</summary>
    protected virtual bool Enabled => true;

    /// <summary>What the log says when a pass fails.</summary>
    protected abstract string FailureMessage { get; }

    protected abstract Task PassAsync(CancellationToken cancellationToken);

    /// <summary>Within a pass that works in batches: returns once the pace allows the next one.</summary>
    protected Task PaceAsync(CancellationToken cancellationToken) => wake.PaceAsync(cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        wake.Start();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                BackgroundFailures.Log(logger, outage, e, FailureMessage);
            }
            try
            {
                await wake.WaitAsync(sweep, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
