using System.Diagnostics;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// A background loop that the database wakes: one pass at start, one at each NOTIFY on its channel
/// and whenever its LISTEN (re)starts (through the process's <see cref="NotificationHub"/>), and
/// one after <c>sweep</c> of quiet, so a notification lost during a reconnect only delays the work.
/// With a <c>pace</c>, passes under a stream of notifications start at most that often, so each
/// takes what arrived meanwhile; a notification after a quiet spell is handled at once. A failed
/// pass is logged (an unreachable database once, by <see cref="DatabaseOutage"/>) and the next
/// wake-up tries again.
/// </summary>
public abstract class NotifiedLoop(NotificationHub hub, DatabaseOutage outage, ILogger logger, string channel, TimeSpan sweep,
    TimeSpan pace = default) : BackgroundService
{
    private readonly SemaphoreSlim signal = new(0, 1);
    private long lastPass;

    protected ILogger Logger => logger;

    /// <summary>False leaves this work to other processes (a setting, for replicas).</summary>
    protected virtual bool Enabled => true;

    /// <summary>What the log says when a pass fails.</summary>
    protected abstract string FailureMessage { get; }

    protected abstract Task PassAsync(CancellationToken cancellationToken);

    /// <summary>Returns once the pace allows the next pass, or the next batch within one (at once when the last began long enough ago).</summary>
    protected async Task PaceAsync(CancellationToken cancellationToken)
    {
        var since = Stopwatch.GetElapsedTime(lastPass);
        if (lastPass != 0 && since < pace)
        {
            await Task.Delay(pace - since, cancellationToken);
        }
        lastPass = Stopwatch.GetTimestamp();
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        hub.Subscribe(channel, Wake, _ => Wake());
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
                await signal.WaitAsync(sweep, stoppingToken);
                await PaceAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
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
