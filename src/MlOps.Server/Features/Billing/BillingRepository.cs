using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Billing;

/// <summary>Reads the ledger's rollups and the price list; writes prices and corrections.</summary>
public sealed class BillingRepository(NpgsqlDataSource dataSource)
{

    /// <summary>The client's daily rollup rows in the period: a few per project, pipeline, resource and day, whatever the ledger's size.</summary>
    public async Task<IReadOnlyList<UsageDay>> DailyAsync(long clientId, StatementPeriod period, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UsageDay>(new CommandDefinition(
            """
            SELECT d.day, NULLIF(d.project_id, 0) AS project_id,
                   CASE WHEN d.project_id = 0 THEN NULL
                        ELSE COALESCE(n.full_path || '/' || p.path, 'deleted project ' || d.project_id) END AS project_path,
                   NULLIF(d.pipeline, '') AS pipeline, d.resource, d.detail, d.quantity
            FROM usage_daily d
            LEFT JOIN projects p ON p.id = d.project_id
            LEFT JOIN namespaces n ON n.id = p.namespace_id
            WHERE d.client_id = @clientId AND d.day >= @from AND d.day < @until
            """, new { clientId, from = period.From, until = period.Until }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The price list and the client's overrides that start before <paramref name="until"/>.</summary>
    public async Task<PriceBook> PricesAsync(long clientId, DateOnly until, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return new PriceBook(await QueryPricesAsync(connection, "(client_id IS NULL OR client_id = @clientId) AND effective_from < @until",
            new { clientId, until }, cancellationToken));
    }

    public async Task<IReadOnlyList<PriceResponse>> ListPricesAsync(long? clientId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PriceResponse>(new CommandDefinition(
            """
            SELECT p.id, n.full_path AS client, p.resource, p.gpu_model, trim_scale(p.unit_price) AS unit_price, p.effective_from, p.created_by, p.created_at
            FROM prices p LEFT JOIN namespaces n ON n.id = p.client_id
            WHERE (@clientId::bigint IS NULL OR p.client_id = @clientId)
            ORDER BY p.client_id NULLS FIRST, p.resource, p.gpu_model, p.effective_from
            """, new { clientId }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private static async Task<IEnumerable<PriceRow>> QueryPricesAsync(NpgsqlConnection connection, string filter, object parameters,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<PriceRow>(
            new CommandDefinition($"SELECT id, client_id, resource, gpu_model, trim_scale(unit_price) AS unit_price, effective_from FROM prices WHERE {filter}",
                parameters, cancellationToken: cancellationToken));
        return rows;
    }

    /// <summary>Inserts a price; null when one with the same client, resource, model and date exists (prices are never edited).</summary>
    public static async Task<long?> InsertPriceAsync(NpgsqlTransaction transaction, long? clientId, string resource, string gpuModel,
        decimal unitPrice, DateOnly effectiveFrom, string createdBy, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            INSERT INTO prices (client_id, resource, gpu_model, unit_price, effective_from, created_by)
            VALUES (@clientId, @resource, @gpuModel, @unitPrice, @effectiveFrom, @createdBy)
            ON CONFLICT DO NOTHING RETURNING id
            """, new { clientId, resource, gpuModel, unitPrice, effectiveFrom, createdBy }, transaction,
            cancellationToken: cancellationToken));
}
