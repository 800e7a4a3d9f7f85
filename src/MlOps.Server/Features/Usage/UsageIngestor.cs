using Dapper;
using MlOps.Server.Quotas;
using Npgsql;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// Books job usage into the ledger. Final `job_usage` rows are queued by a trigger; this drains
/// the queue in batches under FOR UPDATE SKIP LOCKED, so replicas share the work, and writes one
/// entry per (attempt, resource, GPU model) with ON CONFLICT DO NOTHING on the entry's unique key,
/// so that a retried report, a replayed notification or a second replica never books twice.
/// </summary>
public sealed class UsageIngestor(NpgsqlDataSource dataSource, QuotaWarnings warnings, ILogger<UsageIngestor> logger)
{
    public const int BatchSize = 500;

    /// <summary>Ingests everything queued; returns how many job attempts were taken off the queue.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var (taken, clients) = await IngestBatchAsync(cancellationToken);
            total += taken;
            if (clients.Count > 0)
            {
                await WarnAsync(clients, cancellationToken);
            }
            if (taken < BatchSize)
            {
                return total;
            }
        }
    }

    private async Task<(int Taken, IReadOnlyList<long> Clients)> IngestBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = (await connection.QueryAsync<(long JobId, int Attempt)>(new CommandDefinition(
            """
            SELECT job_id, attempt FROM usage_ingest_queue ORDER BY queued_at, job_id, attempt
            LIMIT @BatchSize FOR UPDATE SKIP LOCKED
            """, new { BatchSize }, transaction, cancellationToken: cancellationToken))).AsList();
        if (batch.Count == 0)
        {
            return (0, []);
        }
        var keys = new { jobIds = batch.Select(b => b.JobId).ToArray(), attempts = batch.Select(b => b.Attempt).ToArray() };
        var clients = (await connection.QueryAsync<long>(new CommandDefinition(IngestSql, keys, transaction,
            cancellationToken: cancellationToken))).Distinct().ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM usage_ingest_queue q USING unnest(@jobIds, @attempts) AS b (job_id, attempt)
            WHERE q.job_id = b.job_id AND q.attempt = b.attempt
            """, keys, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Booked usage of {Attempts} job attempts for {Clients} clients", batch.Count, clients.Count);
        return (batch.Count, clients);
    }

    // A job's usage counts on the UTC day it finished. CPU and memory entries are written even
    // when zero, so that every booked attempt is visible in the ledger; GPU entries per model.
    private const string IngestSql = """
        WITH attempts AS (
            SELECT u.*, j.client_id, j.project_id, j.pipeline, j.triggered_by, j.name AS job_name, j.run_id,
                   'job:' || u.job_id || ':' || u.attempt AS source,
                   (COALESCE(u.finished_at, u.reported_at) AT TIME ZONE 'UTC')::date AS day,
                   jsonb_build_object(
                       'run_id', j.run_id, 'job_name', j.name, 'runner_id', u.runner_id, 'final', u.final,
                       'started_at', u.started_at, 'finished_at', u.finished_at, 'wall_seconds', u.wall_seconds,
                       'cpu_core_seconds', u.cpu_core_seconds, 'memory_peak_bytes', u.memory_peak_bytes,
                       'memory_gb_seconds', u.memory_gb_seconds, 'disk_read_bytes', u.disk_read_bytes,
                       'disk_write_bytes', u.disk_write_bytes, 'network_rx_bytes', u.network_rx_bytes,
                       'network_tx_bytes', u.network_tx_bytes, 'artifact_bytes', u.artifact_bytes) AS measured
            FROM unnest(@jobIds, @attempts) AS b (job_id, attempt)
            JOIN job_usage u ON u.job_id = b.job_id AND u.attempt = b.attempt
            JOIN jobs j ON j.id = u.job_id
        ), entries AS (
            SELECT a.source, a.client_id, a.project_id, a.job_id, a.attempt, a.triggered_by, a.pipeline,
                   r.resource, ''::text AS detail, r.quantity, a.day, a.measured
            FROM attempts a
            CROSS JOIN LATERAL (VALUES ('cpu', a.cpu_core_seconds::numeric), ('memory', a.memory_gb_seconds::numeric)) r (resource, quantity)
            UNION ALL
            SELECT a.source, a.client_id, a.project_id, a.job_id, a.attempt, a.triggered_by, a.pipeline,
                   'gpu', g.gpu_model, sum(g.gpu_seconds)::numeric, a.day,
                   a.measured || jsonb_build_object('gpus', jsonb_agg(jsonb_build_object(
                       'uuid', g.gpu_uuid, 'gpu_seconds', g.gpu_seconds, 'avg_utilization', g.avg_utilization,
                       'peak_memory_bytes', g.peak_memory_bytes) ORDER BY g.gpu_uuid))
            FROM attempts a JOIN job_gpu_usage g ON g.job_id = a.job_id AND g.attempt = a.attempt
            GROUP BY a.source, a.client_id, a.project_id, a.job_id, a.attempt, a.triggered_by, a.pipeline, g.gpu_model, a.day, a.measured
        )
        INSERT INTO usage_entries (source, kind, client_id, project_id, job_id, attempt, user_id, pipeline,
                                   resource, detail, quantity, day, measured)
        SELECT source, 'job', client_id, project_id, job_id, attempt, triggered_by, pipeline,
               resource, detail, GREATEST(quantity, 0), day, measured
        FROM entries ORDER BY source, resource, detail
        ON CONFLICT (source, resource, detail) DO NOTHING
        RETURNING client_id
        """;

    /// <summary>
    /// Queues attempts that will never report a final figure (the runner died; the job was
    /// retried or failed), so that their usage up to the last heartbeat is booked too.
    /// </summary>
    public async Task<int> QueueAbandonedAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO usage_ingest_queue (job_id, attempt)
            SELECT u.job_id, u.attempt FROM job_usage u JOIN jobs j ON j.id = u.job_id
            WHERE NOT u.final AND u.reported_at < now() - @grace
              AND (u.attempt < j.attempt OR j.status NOT IN ('pending', 'running'))
              AND NOT EXISTS (SELECT 1 FROM usage_entries e WHERE e.source = 'job:' || u.job_id || ':' || u.attempt)
            ON CONFLICT DO NOTHING
            """, new { grace }, cancellationToken: cancellationToken));
    }

    private async Task WarnAsync(IReadOnlyList<long> clients, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long ClientId, decimal Used, decimal Limit)>(new CommandDefinition(
            """
            SELECT client_id, client_gpu_seconds_this_month(client_id) / 3600, gpu_hours_per_month
            FROM client_quotas WHERE client_id = ANY (@clients) AND gpu_hours_per_month IS NOT NULL
            """, new { clients = clients.ToArray() }, cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            await warnings.RecordAsync(row.ClientId, QuotaNames.GpuHours, row.Used, row.Limit, cancellationToken);
        }
    }
}
