using Dapper;
using Npgsql;

namespace MlOps.Server.Quotas;

/// <summary>`client_quotas`: read by the push and LFS checks and by the claim query's `job_quota_reason`.</summary>
public sealed class QuotaRepository(NpgsqlDataSource dataSource)
{
    public async Task<ClientQuota> GetAsync(long clientId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GetAsync(connection, clientId, cancellationToken);
    }

    public static async Task<ClientQuota> GetAsync(NpgsqlConnection connection, long clientId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<ClientQuota>(new CommandDefinition(
            """
            SELECT gpu_hours_per_month, concurrent_jobs, concurrent_gpus, storage_bytes
            FROM client_quotas WHERE client_id = @clientId
            """, new { clientId }, cancellationToken: cancellationToken)) ?? ClientQuota.Unlimited;

    /// <summary>
    /// Sets every limit at once (null lifts one) and wakes waiting runners: a job that waited for
    /// this quota may be claimable now.
    /// </summary>
    public async Task SetAsync(NpgsqlTransaction transaction, long clientId, ClientQuota quota, string updatedBy,
        CancellationToken cancellationToken)
    {
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO client_quotas (client_id, gpu_hours_per_month, concurrent_jobs, concurrent_gpus, storage_bytes, updated_by)
            VALUES (@clientId, @GpuHoursPerMonth, @ConcurrentJobs, @ConcurrentGpus, @StorageBytes, @updatedBy)
            ON CONFLICT (client_id) DO UPDATE SET
                gpu_hours_per_month = excluded.gpu_hours_per_month, concurrent_jobs = excluded.concurrent_jobs,
                concurrent_gpus = excluded.concurrent_gpus, storage_bytes = excluded.storage_bytes,
                updated_by = excluded.updated_by, updated_at = now();
            SELECT pg_notify('mlops_jobs_pending', '');
            """,
            new { clientId, quota.GpuHoursPerMonth, quota.ConcurrentJobs, quota.ConcurrentGpus, quota.StorageBytes, updatedBy },
            transaction, cancellationToken: cancellationToken));
    }
}
