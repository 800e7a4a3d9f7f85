using System.Diagnostics;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// What wakes a background loop: a signal at each NOTIFY on one channel (through the process's
/// <see cref="NotificationHub"/>), and once whenever its LISTEN (re)starts, so that whatever was
/// recorded while nobody listened is found by the next pass. The loop waits with
/// <see cref="WaitAsync"/>, whose timeout is its sweep. With a <paramref name="pace"/>, passes
/// under a stream of notifications start at most that often, so each takes what arrived meanwhile
/// instead of one pass per notification; a notification after a quiet spell is handled at once.
/// </summary>
public sealed class NotificationWakeup(NotificationHub hub, string channel, TimeSpan pace = default)
{
    private readonly SemaphoreSlim signal = new(0, 1);
    private long lastPass;

    public void Start() => hub.Subscribe(channel, Wake, _ => Wake());

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var woken = await signal.WaitAsync(timeout, cancellationToken);
        await PaceAsync(cancellationToken);
        return woken;
    }

    /// <summary>Returns once the pace allows the next pass (at once when the last one began long enough ago).</summary>
    public async Task PaceAsync(CancellationToken cancellationToken)
    {
        var since = Stopwatch.GetElapsedTime(lastPass);
        if (lastPass != 0 && since < pace)
        {
            await Task.Delay(pace - since, cancellationToken);
        }
        lastPass = Stopwatch.GetTimestamp();
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
