using Dapper;
using MlOps.Contracts.Runner;
using Npgsql;

namespace MlOps.Server.Features.JobOutputs;

public sealed record MetricRow(string Name, long? Step, double Value, int Attempt, DateTime ReportedAt);

public sealed class UsageRow
{
    public int Attempt { get; init; }
    public long? RunnerId { get; init; }
    public double WallSeconds { get; init; }
    public double CpuCoreSeconds { get; init; }
    public long MemoryPeakBytes { get; init; }
    public double MemoryGbSeconds { get; init; }
    public long DiskReadBytes { get; init; }
    public long DiskWriteBytes { get; init; }
    public long NetworkRxBytes { get; init; }
    public long NetworkTxBytes { get; init; }
    public long ArtifactBytes { get; init; }
    public bool Final { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
}

public sealed record GpuUsageRow(int Attempt, string GpuUuid, string GpuModel, double GpuSeconds, double AvgUtilization, long PeakMemoryBytes);

public sealed record GpuModelTotal(string GpuModel, double GpuSeconds, double AvgUtilization, long PeakMemoryBytes);

/// <summary>Reads of what jobs produced (usage, metrics, owners) and the metrics table this feature writes.</summary>
public sealed class JobOutputRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The project a job belongs to, for the gate; null when there is no such job.</summary>
    public async Task<long?> ProjectOfJobAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT project_id FROM jobs WHERE id = @jobId", new { jobId }, cancellationToken: cancellationToken));
    }

    public async Task<long?> ProjectOfRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT project_id FROM runs WHERE id = @runId", new { runId }, cancellationToken: cancellationToken));
    }

    /// <summary>Stores reported values under the job's current attempt; a value sent twice is overwritten, not duplicated.</summary>
    public async Task<int> SaveMetricsAsync(long jobId, IReadOnlyList<MetricPoint> metrics, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO job_metrics (job_id, attempt, name, step, value)
            SELECT @jobId, j.attempt, m.name, COALESCE(m.step, -1), m.value
            FROM jobs j, unnest(@names, @steps, @values) AS m(name, step, value)
            WHERE j.id = @jobId
            ON CONFLICT (job_id, attempt, name, step) DO UPDATE SET value = EXCLUDED.value, reported_at = now()
            """,
            new
            {
                jobId, names = metrics.Select(m => m.Name).ToArray(), steps = metrics.Select(m => m.Step).ToArray(),
                values = metrics.Select(m => m.Value).ToArray(),
            }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<MetricRow>> MetricsAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<MetricRow>(new CommandDefinition(
            """
            SELECT name, NULLIF(step, -1) AS step, value, attempt, reported_at FROM job_metrics
            WHERE job_id = @jobId AND attempt = (SELECT max(attempt) FROM job_metrics WHERE job_id = @jobId)
            ORDER BY name, step
            """, new { jobId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<(IReadOnlyList<UsageRow> Attempts, IReadOnlyList<GpuUsageRow> Gpus)> UsageAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var attempts = (await connection.QueryAsync<UsageRow>(new CommandDefinition(
            "SELECT * FROM job_usage WHERE job_id = @jobId ORDER BY attempt", new { jobId }, cancellationToken: cancellationToken))).AsList();
        var gpus = (await connection.QueryAsync<GpuUsageRow>(new CommandDefinition(
            """
            SELECT attempt, gpu_uuid, gpu_model, gpu_seconds, avg_utilization, peak_memory_bytes
            FROM job_gpu_usage WHERE job_id = @jobId ORDER BY attempt, gpu_uuid
            """, new { jobId }, cancellationToken: cancellationToken))).AsList();
        return (attempts, gpus);
    }

    /// <summary>Every attempt of every job of a run, summed (peaks are maxima), GPU-seconds per model.</summary>
    public async Task<(UsageRow Total, IReadOnlyList<GpuModelTotal> Gpus)> RunUsageAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.QuerySingleAsync<UsageRow>(new CommandDefinition(
            """
            SELECT count(*)::int AS attempt, COALESCE(sum(u.wall_seconds), 0) AS wall_seconds,
                   COALESCE(sum(u.cpu_core_seconds), 0) AS cpu_core_seconds, COALESCE(max(u.memory_peak_bytes), 0) AS memory_peak_bytes,
                   COALESCE(sum(u.memory_gb_seconds), 0) AS memory_gb_seconds, COALESCE(sum(u.disk_read_bytes), 0)::bigint AS disk_read_bytes,
                   COALESCE(sum(u.disk_write_bytes), 0)::bigint AS disk_write_bytes, COALESCE(sum(u.network_rx_bytes), 0)::bigint AS network_rx_bytes,
                   COALESCE(sum(u.network_tx_bytes), 0)::bigint AS network_tx_bytes, COALESCE(sum(u.artifact_bytes), 0)::bigint AS artifact_bytes,
                   COALESCE(bool_and(u.final), true) AS final
            FROM jobs j JOIN job_usage u ON u.job_id = j.id WHERE j.run_id = @runId
            """, new { runId }, cancellationToken: cancellationToken));
        var gpus = (await connection.QueryAsync<GpuModelTotal>(new CommandDefinition(
            """
            SELECT g.gpu_model, sum(g.gpu_seconds) AS gpu_seconds,
                   CASE WHEN sum(g.gpu_seconds) > 0 THEN sum(g.avg_utilization * g.gpu_seconds) / sum(g.gpu_seconds) ELSE 0 END AS avg_utilization,
                   max(g.peak_memory_bytes) AS peak_memory_bytes
            FROM jobs j JOIN job_gpu_usage g ON g.job_id = j.id WHERE j.run_id = @runId
            GROUP BY g.gpu_model ORDER BY g.gpu_model
            """, new { runId }, cancellationToken: cancellationToken))).AsList();
        return (total, gpus);
    }

    /// <summary>The names of the secrets a job's spec names (the log reader masks their values).</summary>
    public async Task<(long ProjectId, string[] Names)> SecretNamesAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<(long, string[])>(new CommandDefinition(
            """
            SELECT project_id, ARRAY(SELECT jsonb_array_elements_text(COALESCE(spec -> 'secrets', '[]'))) FROM jobs WHERE id = @jobId
            """, new { jobId }, cancellationToken: cancellationToken));
    }
}
