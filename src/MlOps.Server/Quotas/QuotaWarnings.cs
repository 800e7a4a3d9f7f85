using Dapper;
using Npgsql;

namespace MlOps.Server.Quotas;

/// <summary>
/// Records that a client reached 80 % or 100 % of a quota, once per quota, threshold and UTC
/// month (a unique key), so that repeated checks and several replicas record each warning once.
/// </summary>
public sealed class QuotaWarnings(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<QuotaWarnings> logger)
{
    public static readonly int[] Thresholds = [80, 100];

    public async Task RecordAsync(long clientId, string quota, decimal used, decimal? limit, CancellationToken cancellationToken)
    {
        if (limit is null)
        {
            return;
        }
        var reached = Thresholds.Where(t => used * 100 >= limit * t).ToArray();
        if (reached.Length == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var added = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO quota_events (client_id, quota, threshold, period, used, quota_limit)
            SELECT @clientId, @quota, t, @period, @used, @limit FROM unnest(@reached) AS t
            ON CONFLICT (client_id, quota, threshold, period) DO NOTHING
            """,
            new { clientId, quota, reached, period = new DateOnly(now.Year, now.Month, 1), used, limit },
            cancellationToken: cancellationToken));
        if (added > 0)
        {
            logger.LogWarning("Client {ClientId} reached {Thresholds} % of its {Quota} quota ({Used} of {Limit})",
                clientId, string.Join(" and ", reached), quota, used, limit);
        }
    }
}
