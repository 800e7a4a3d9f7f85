using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>
/// Wakes waiting job requests when jobs become pending. The process's <see cref="NotificationHub"/>
/// follows `mlops_jobs_pending` (sent by advance_run and by requeues), so a queued job reaches an idle
/// runner in milliseconds instead of at its next poll; every waiter then races to claim with
/// SKIP LOCKED, and the losers go back to waiting.
/// </summary>
public sealed class JobQueueSignal(NotificationHub hub) : IHostedService
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

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Jobs may have become pending while nobody listened, or while the connection is away: every waiter looks again.
        hub.Subscribe(Channel, Pulse, _ => Pulse());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
