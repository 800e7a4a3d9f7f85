using Dapper;
using MlOps.Server.Features.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Quotas;
using Npgsql;

namespace MlOps.Server.Features.Billing;

/// <summary>A client's quotas (set by admins, read by its owners), what it uses of them, and the warnings.</summary>
public sealed class QuotaHandler(ClientResolver clients, QuotaRepository quotas, NpgsqlDataSource dataSource, AuditLog audit)
{
    public async Task<QuotaResponse> GetAsync(Caller? caller, string path, CancellationToken cancellationToken)
    {
        var client = await clients.OwnedAsync(caller, path, cancellationToken);
        return await ResponseAsync(client.ClientId, client.FullPath, cancellationToken);
    }

    public async Task<QuotaResponse> SetAsync(Caller admin, string path, QuotaRequest request, CancellationToken cancellationToken)
    {
        new Validator()
            .Check(request.GpuHoursPerMonth is null or >= 0 and <= 1_000_000_000, "gpu_hours_per_month",
                "gpu_hours_per_month must be between 0 and 1000000000 (null: unlimited).")
            .Check(request.GpuHoursPerMonth is null || decimal.Round(request.GpuHoursPerMonth.Value, 2) == request.GpuHoursPerMonth,
                "gpu_hours_per_month", "gpu_hours_per_month has at most 2 decimals.")
            .Check(request.ConcurrentJobs is null or >= 0, "concurrent_jobs", "concurrent_jobs must not be negative (null: unlimited).")
            .Check(request.ConcurrentGpus is null or >= 0, "concurrent_gpus", "concurrent_gpus must not be negative (null: unlimited).")
            .Check(request.StorageBytes is null or >= 0, "storage_bytes", "storage_bytes must not be negative (null: unlimited).")
            .ThrowIfAny();
        var client = await clients.OwnedAsync(admin, path, cancellationToken);
        var quota = new ClientQuota(request.GpuHoursPerMonth, request.ConcurrentJobs, request.ConcurrentGpus, request.StorageBytes);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await quotas.SetAsync(transaction, client.ClientId, quota, admin.Username, cancellationToken);
            await audit.WriteAsync(transaction, admin, new AuditEntry("quota.update", "namespace", client.ClientId, client.FullPath,
                NamespaceId: client.ClientId, Details: quota), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return await ResponseAsync(client.ClientId, client.FullPath, cancellationToken);
    }

    public async Task<Page<QuotaEventResponse>> EventsAsync(Caller? caller, string path, PageRequest page, CancellationToken cancellationToken)
    {
        var client = await clients.OwnedAsync(caller, path, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<QuotaEventResponse>(new CommandDefinition(
            """
            SELECT id, quota, threshold, period, used, quota_limit, created_at FROM quota_events
            WHERE client_id = @clientId AND id < @before ORDER BY id DESC LIMIT @limit
            """, new { clientId = client.ClientId, before = page.After ?? long.MaxValue, limit = page.FetchLimit },
            cancellationToken: cancellationToken))).AsList();
        return page.ToPage(rows, r => r.Id, r => r);
    }

    private async Task<QuotaResponse> ResponseAsync(long clientId, string clientPath, CancellationToken cancellationToken)
    {
        var quota = await quotas.GetAsync(clientId, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var use = await connection.QuerySingleAsync<(decimal GpuHours, int Jobs, int Gpus, long Repository, long Lfs, long Artifacts, long Logs)>(
            new CommandDefinition(
                """
                SELECT round(client_gpu_seconds_this_month(@clientId) / 3600, 4),
                       (SELECT count(*)::int FROM jobs WHERE client_id = @clientId AND status = 'running'),
                       (SELECT COALESCE(sum(gpus), 0)::int FROM jobs WHERE client_id = @clientId AND status = 'running'),
                       s.repository, s.lfs, s.artifacts, s.logs
                FROM client_stored_bytes(@clientId) s
                """, new { clientId }, cancellationToken: cancellationToken));
        var byKind = new Dictionary<string, long>
        {
            ["repository"] = use.Repository, ["lfs"] = use.Lfs, ["artifacts"] = use.Artifacts, ["logs"] = use.Logs,
        };
        return new QuotaResponse(clientPath, quota.GpuHoursPerMonth, quota.ConcurrentJobs, quota.ConcurrentGpus, quota.StorageBytes,
            new QuotaUse(use.GpuHours, use.Jobs, use.Gpus, byKind.Values.Sum(), byKind));
    }
}
