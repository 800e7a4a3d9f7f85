using Dapper;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Billing;

/// <summary>Statements and the ledger, for a client's owners and admins.</summary>
public sealed class StatementHandler(ClientResolver clients, BillingRepository billing, NpgsqlDataSource dataSource,
    IOptions<BillingOptions> options, TimeProvider clock)
{
    public async Task<Statement> StatementAsync(Caller? caller, string path, string? month, string? from, string? to,
        CancellationToken cancellationToken)
    {
        var client = await clients.OwnedAsync(caller, path, cancellationToken);
        var period = StatementPeriod.Parse(month, from, to, clock.GetUtcNow());
        var rows = await billing.DailyAsync(client.ClientId, period, cancellationToken);
        var prices = await billing.PricesAsync(client.ClientId, period.Until, cancellationToken);
        return StatementCalculator.Build(client.FullPath, client.ClientId, period, rows, prices, options.Value.Currency);
    }

    /// <summary>The ledger entries of a period, newest first, keyset-paged by id.</summary>
    public async Task<Page<LedgerEntryResponse>> LedgerAsync(Caller? caller, string path, string? month, string? from, string? to,
        PageRequest page, CancellationToken cancellationToken)
    {
        var client = await clients.OwnedAsync(caller, path, cancellationToken);
        var period = StatementPeriod.Parse(month, from, to, clock.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<LedgerEntryResponse>(new CommandDefinition(
            """
            SELECT id, source, kind, project_id, job_id, attempt, user_id, pipeline, resource, detail, quantity, day,
                   corrects, note, recorded_by, recorded_at, measured::text AS measured_json
            FROM usage_entries
            WHERE client_id = @clientId AND day >= @from AND day < @until AND id < @before
            ORDER BY id DESC LIMIT @limit
            """,
            new { clientId = client.ClientId, from = period.From, until = period.Until, before = page.After ?? long.MaxValue, limit = page.FetchLimit },
            cancellationToken: cancellationToken))).AsList();
        return page.ToPage(rows, r => r.Id, r => r);
    }
}
