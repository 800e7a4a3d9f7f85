namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// What wakes a background loop: a signal at each NOTIFY on one channel (through the process's
/// <see cref="NotificationHub"/>), and once whenever its LISTEN (re)starts, so that whatever was
/// recorded while nobody listened is found by the next pass. The loop waits with
/// <see cref="WaitAsync"/>, whose timeout is its sweep.
/// </summary>
public sealed class NotificationWakeup(NotificationHub hub, string channel)
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public void Start() => hub.Subscribe(channel, Wake, _ => Wake());

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

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
