using System.Threading.Channels;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// Stores webhook deliveries with group commit: requests that arrive while a write is in flight
/// are stored together by the next one, in one statement and one transaction. A lone delivery is
/// written at once (nothing waits for a group to fill); under load each request's share of the
/// database work shrinks, which is where ingest spent its time. A group PostgreSQL refuses (one
/// payload it cannot take) is written again row by row, so each request gets its own answer.
/// </summary>
public sealed class DeliveryWriter(WebhookRepository deliveries, ILogger<DeliveryWriter> logger) : IAsyncDisposable
{
    private const int MaxGroup = 128;

    private readonly Channel<PendingDelivery> queue = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private Task? loop;

    /// <summary>True when stored, false for a delivery already stored (same project, source and key).</summary>
    public Task<bool> StoreAsync(NewDelivery delivery, CancellationToken cancellationToken)
    {
        var pending = new PendingDelivery(delivery, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        EnsureStarted();
        if (!queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The server is stopping.");
        }
        // Once queued the delivery is written even if the caller goes away: it may already be.
        return pending.Stored.Task.WaitAsync(cancellationToken);
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref loop) is null)
        {
            lock (queue)
            {
                loop ??= Task.Run(WriteAsync);
            }
        }
    }

    private async Task WriteAsync()
    {
        var group = new List<PendingDelivery>(MaxGroup);
        while (await queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && queue.Reader.TryRead(out var next))
            {
                group.Add(next);
            }
            try
            {
                var stored = await deliveries.InsertManyAsync(group.Select(p => p.Delivery).ToList(), CancellationToken.None);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Stored.TrySetResult(stored[i]);
                }
            }
            catch (Exception e) when (group.Count > 1)
            {
                logger.LogDebug(e, "A group of {Count} deliveries was refused; writing them one by one", group.Count);
                foreach (var pending in group)
                {
                    await WriteOneAsync(pending);
                }
            }
            catch (Exception e)
            {
                group[0].Stored.TrySetException(e);
            }
        }
    }

    private async Task WriteOneAsync(PendingDelivery pending)
    {
        try
        {
            pending.Stored.TrySetResult((await deliveries.InsertManyAsync([pending.Delivery], CancellationToken.None))[0]);
        }
        catch (Exception e)
        {
            pending.Stored.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        if (Volatile.Read(ref loop) is { } running)
        {
            await running;
        }
    }

    private sealed record PendingDelivery(NewDelivery Delivery, TaskCompletionSource<bool> Stored);
}

/// <summary>A delivery as received, before it is stored.</summary>
public sealed record NewDelivery(long ProjectId, string Source, string Event, string DeliveryKey, string Payload);
