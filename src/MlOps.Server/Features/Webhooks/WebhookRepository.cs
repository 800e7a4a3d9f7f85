using System.Data.Common;
using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Webhooks;

public sealed class DeliveryRow
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string Source { get; init; } = "";
    public string Event { get; init; } = "";
    public string DeliveryKey { get; init; } = "";
    public string Payload { get; init; } = "{}";
    public DateTime ReceivedAt { get; init; }
    public DateTime? ProcessedAt { get; init; }
    public string? Outcome { get; init; }
    public int Attempts { get; init; }
    public long[] RunIds { get; init; } = [];
    public string? EventOutcome { get; init; }
}

/// <summary>A link's webhook secret as stored (encrypted).</summary>
public sealed record StoredHookTarget(long ProjectId, byte[] SecretEncrypted);

/// <summary>The webhook_deliveries table, and the lookups that find which project a delivery is for.</summary>
public sealed class WebhookRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, project_id, source, event, delivery_key, payload::text AS payload, received_at, processed_at, outcome, attempts";

    public async Task<IReadOnlyList<StoredHookTarget>> GitLabTargetsAsync(long gitlabProjectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredHookTarget>(new CommandDefinition(
            "SELECT project_id, hook_secret_encrypted AS secret_encrypted FROM gitlab_links WHERE gitlab_project_id = @gitlabProjectId",
            new { gitlabProjectId }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Projects linked to a GitHub repository (owner/name, compared as GitHub does: without case).</summary>
    public async Task<IReadOnlyList<StoredHookTarget>> GitHubTargetsAsync(string repository, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredHookTarget>(new CommandDefinition(
            "SELECT project_id, webhook_secret_encrypted AS secret_encrypted FROM github_links WHERE lower(repository) = lower(@repository)",
            new { repository }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Stores deliveries once per (project, source, key) in one statement and wakes the processors;
    /// for each, in order, whether it was stored (false: a repeat, also of an earlier one in the list).
    /// </summary>
    public async Task<bool[]> InsertManyAsync(IReadOnlyList<NewDelivery> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stored = await connection.QueryAsync<long>(new CommandDefinition(
            """
            WITH input AS (
                SELECT * FROM unnest(@projectIds, @sources, @events, @keys, @payloads) WITH ORDINALITY
                    AS t(project_id, source, event, delivery_key, payload, ord)),
            first AS (
                SELECT DISTINCT ON (project_id, source, delivery_key) * FROM input ORDER BY project_id, source, delivery_key, ord),
            inserted AS (
                INSERT INTO webhook_deliveries (project_id, source, event, delivery_key, payload)
                SELECT project_id, source, event, delivery_key, payload::json FROM first ORDER BY ord
                ON CONFLICT (project_id, source, delivery_key) DO NOTHING
                RETURNING id, project_id, source, delivery_key),
            woken AS (
                SELECT pg_notify('mlops_webhook_deliveries', max(id)::text) FROM inserted HAVING count(*) > 0)
            SELECT f.ord FROM first f JOIN inserted i USING (project_id, source, delivery_key)
            WHERE (SELECT count(*) FROM woken) >= 0
            """,
            new
            {
                projectIds = batch.Select(d => d.ProjectId).ToArray(), sources = batch.Select(d => d.Source).ToArray(),
                events = batch.Select(d => d.Event).ToArray(), keys = batch.Select(d => d.DeliveryKey).ToArray(),
                payloads = batch.Select(d => d.Payload).ToArray(),
            }, cancellationToken: cancellationToken));
        var result = new bool[batch.Count];
        foreach (var ord in stored)
        {
            result[ord - 1] = true;
        }
        return result;
    }

    /// <summary>Up to <paramref name="limit"/> deliveries due, oldest first, locked for the caller's transaction.</summary>
    public static async Task<IReadOnlyList<DeliveryRow>> ClaimBatchAsync(DbConnection connection, DbTransaction transaction, int limit,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM webhook_deliveries
            WHERE processed_at IS NULL AND (retry_after IS NULL OR retry_after <= now())
            ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { limit }, transaction, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Marks many deliveries processed in one statement, each with its outcome.</summary>
    public static Task MarkProcessedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(long Id, string Outcome)> done,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE webhook_deliveries d SET processed_at = now(), outcome = v.outcome, attempts = d.attempts + 1
            FROM unnest(@ids, @outcomes) AS v(id, outcome) WHERE d.id = v.id
            """, new { ids = done.Select(d => d.Id).ToArray(), outcomes = done.Select(d => d.Outcome).ToArray() }, transaction,
            cancellationToken: cancellationToken));

    public async Task RecordFailureAsync(long id, string reason, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE webhook_deliveries SET attempts = attempts + 1, outcome = 'failed: ' || @reason,
                retry_after = now() + make_interval(secs => least(power(2, attempts + 1), 300)),
                processed_at = CASE WHEN attempts + 1 >= @maxAttempts THEN now() END
            WHERE id = @id
            """, new { id, reason, maxAttempts }, cancellationToken: cancellationToken));
    }

    /// <summary>A project's deliveries, newest first, with the runs each made (directly or through its push event).</summary>
    public async Task<IReadOnlyList<DeliveryRow>> ListAsync(long projectId, long? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"""
            SELECT {Columns},
                   ARRAY(SELECT r.id FROM runs r WHERE r.delivery_id = d.id ORDER BY r.id) AS run_ids,
                   (SELECT string_agg(pe.outcome, '; ') FROM push_events pe WHERE pe.delivery_id = d.id) AS event_outcome
            FROM webhook_deliveries d
            WHERE project_id = @projectId AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """, new { projectId, before, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Queues a delivery whose processing failed for another attempt; false when it did not fail.</summary>
    public async Task<bool> RedeliverAsync(long projectId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE webhook_deliveries SET processed_at = NULL, retry_after = NULL, attempts = 0
            WHERE id = @id AND project_id = @projectId AND outcome LIKE 'failed:%';
            UPDATE push_events SET processed_at = NULL, retry_after = NULL, attempts = 0
            WHERE delivery_id = @id AND project_id = @projectId AND outcome LIKE 'failed:%';
            SELECT pg_notify('mlops_webhook_deliveries', @id::text), pg_notify('mlops_push_events', @id::text);
            """, new { id, projectId }, cancellationToken: cancellationToken));
        return updated > 0;
    }

    public async Task<bool> ExistsAsync(long projectId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = @id AND project_id = @projectId)", new { id, projectId },
            cancellationToken: cancellationToken));
    }
}
