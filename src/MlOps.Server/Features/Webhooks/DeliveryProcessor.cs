using System.Text.Json;
using Microsoft.Extensions.Options;
using MlOps.Server.Git;
using Npgsql;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// Claims stored deliveries (SKIP LOCKED, so replicas share them) and turns each into a push event
/// of the shared log, in the transaction that marks it processed; the push processor then fetches
/// the mirror and creates the runs. Woken by NOTIFY `mlops_webhook_deliveries`, with a sweep for
/// retries and missed notifications.
/// </summary>
public sealed class DeliveryProcessor(NpgsqlDataSource dataSource, WebhookRepository deliveries, IOptions<WebhookOptions> options,
    Infrastructure.Database.NotificationHub hub, Infrastructure.Database.DatabaseOutage outage, ILogger<DeliveryProcessor> logger)
    : Infrastructure.Database.NotifiedLoop(hub, outage, logger, "mlops_webhook_deliveries", TimeSpan.FromSeconds(5), BatchInterval)
{
    protected override bool Enabled => options.Value.ProcessDeliveries;

    protected override string FailureMessage => "Webhook delivery processing failed; retrying at the next sweep";

    protected override async Task PassAsync(CancellationToken stoppingToken)
    {
        while (await ProcessBatchAsync(stoppingToken))
        {
            await PaceAsync(stoppingToken);
        }
    }

    /// <summary>
    /// Under a stream of deliveries, batches start at most this often, so that each one takes what
    /// arrived meanwhile instead of one transaction per stored group. A delivery after a quiet spell
    /// is processed at once.
    /// </summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Deliveries claimed per transaction: a burst is turned into push events in a few round trips per batch, not six per delivery.</summary>
    public const int BatchSize = 64;

    /// <summary>
    /// Claims a batch and turns every delivery into its push event in one transaction. Anything
    /// unusual (a payload that does not translate, a database error) rolls the batch back and
    /// processes those deliveries one by one, where each failure is recorded on its own delivery.
    /// </summary>
    private async Task<bool> ProcessBatchAsync(CancellationToken cancellationToken)
    {
        int claimed;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var batch = await WebhookRepository.ClaimBatchAsync(connection, transaction, BatchSize, cancellationToken);
            if (batch.Count == 0)
            {
                return false;
            }
            claimed = batch.Count;
            try
            {
                var outcomes = await OutcomesAsync(connection, transaction, batch, cancellationToken);
                await WebhookRepository.MarkProcessedAsync(connection, transaction,
                    batch.Select((d, i) => (d.Id, outcomes[i])).ToList(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return true;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !Infrastructure.Database.DatabaseOutage.Matches(e))
            {
                await transaction.RollbackAsync(CancellationToken.None);
                Logger.LogDebug(e, "A batch of {Count} webhook deliveries failed; processing them one by one", claimed);
            }
        }
        for (var i = 0; i < claimed && await ProcessOneAsync(cancellationToken); i++)
        {
        }
        return true;
    }

    /// <summary>Translates each delivery and records the push events they carry in one statement; each delivery's outcome, in order.</summary>
    private static async Task<string[]> OutcomesAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        IReadOnlyList<DeliveryRow> batch, CancellationToken cancellationToken)
    {
        var translated = batch.Select(Translate).ToArray();
        var events = translated.OfType<WebhookPushEvent>().ToList();
        var ids = events.Count > 0 ? await PushEventRepository.InsertFromWebhooksAsync(connection, transaction, events, cancellationToken) : [];
        var outcomes = new string[batch.Count];
        for (int i = 0, e = 0; i < batch.Count; i++)
        {
            outcomes[i] = translated[i] is null ? "ignored: " + batch[i].Event
                : ids[e++] is { } id ? "push_event: " + id
                : "duplicate_event";
        }
        return outcomes;
    }

    private static WebhookPushEvent? Translate(DeliveryRow delivery)
    {
        if (delivery.Source == "github")
        {
            return GitHubDeliveryTranslator.Translate(delivery.Event, delivery.Payload, delivery.ProjectId, delivery.Id);
        }
        using var payload = JsonDocument.Parse(delivery.Payload);
        return GitLabDeliveryTranslator.Translate(payload.RootElement, delivery.ProjectId, delivery.Id);
    }

    private async Task<bool> ProcessOneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if ((await WebhookRepository.ClaimBatchAsync(connection, transaction, 1, cancellationToken)).SingleOrDefault() is not { } delivery)
        {
            return false;
        }
        try
        {
            var outcome = (await OutcomesAsync(connection, transaction, [delivery], cancellationToken))[0];
            await WebhookRepository.MarkProcessedAsync(connection, transaction, [(delivery.Id, outcome)], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && !Infrastructure.Database.DatabaseOutage.Matches(e))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            Logger.LogWarning(e, "Webhook delivery {DeliveryId} could not be processed", delivery.Id);
            await deliveries.RecordFailureAsync(delivery.Id, e.Message, options.Value.MaxAttempts, CancellationToken.None);
        }
        return true;
    }
}
