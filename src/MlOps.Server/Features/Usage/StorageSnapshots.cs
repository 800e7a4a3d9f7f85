using Dapper;
using MlOps.Server.Quotas;
using Npgsql;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// One ledger entry per client, UTC day and kind of stored bytes (repository, lfs, artifacts,
/// logs): the bytes held when the day's first snapshot ran. Its source key names the client and
/// the day, so later runs that day, and other replicas, add nothing.
/// </summary>
public sealed class StorageSnapshots(NpgsqlDataSource dataSource, QuotaWarnings warnings, ILogger<StorageSnapshots> logger)
{
    public async Task<int> RecordAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO usage_entries (source, kind, client_id, resource, detail, quantity, day)
            SELECT 'storage:' || n.id || ':' || @day::text, 'storage', n.id, 'storage', k.kind, k.bytes, @day
            FROM namespaces n
            CROSS JOIN LATERAL client_stored_bytes(n.id) s
            CROSS JOIN LATERAL (VALUES ('repository', s.repository), ('lfs', s.lfs), ('artifacts', s.artifacts), ('logs', s.logs)) k (kind, bytes)
            WHERE n.parent_id IS NULL AND k.bytes > 0
            ORDER BY n.id, k.kind
            ON CONFLICT (source, resource, detail) DO NOTHING
            """, new { day }, cancellationToken: cancellationToken));
        var quotas = await connection.QueryAsync<(long ClientId, decimal Used, decimal Limit)>(new CommandDefinition(
            """
            SELECT q.client_id, (s.repository + s.lfs + s.artifacts + s.logs)::numeric, q.storage_bytes::numeric
            FROM client_quotas q CROSS JOIN LATERAL client_stored_bytes(q.client_id) s
            WHERE q.storage_bytes IS NOT NULL
            """, cancellationToken: cancellationToken));
        foreach (var quota in quotas)
        {
            await warnings.RecordAsync(quota.ClientId, QuotaNames.Storage, quota.Used, quota.Limit, cancellationToken);
        }
        if (added > 0)
        {
            logger.LogInformation("Booked {Entries} storage entries for {Day}", added, day);
        }
        return added;
    }
}
