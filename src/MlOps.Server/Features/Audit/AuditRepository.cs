using Dapper;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Audit;

/// <summary>Reads `audit_events` (written by <see cref="Infrastructure.Audit.AuditLog"/>), newest first.</summary>
public sealed class AuditRepository(NpgsqlDataSource dataSource)
{
    public Task<IReadOnlyList<AuditEventResponse>> AllAsync(PageRequest page, CancellationToken cancellationToken) =>
        ListAsync("TRUE", 0, page, cancellationToken);

    public Task<IReadOnlyList<AuditEventResponse>> OfNamespaceAsync(long namespaceId, PageRequest page, CancellationToken cancellationToken) =>
        ListAsync("namespace_id = @scope", namespaceId, page, cancellationToken);

    public Task<IReadOnlyList<AuditEventResponse>> OfProjectAsync(long projectId, PageRequest page, CancellationToken cancellationToken) =>
        ListAsync("project_id = @scope", projectId, page, cancellationToken);

    // `filter` is one of the literals above, never input.
    private async Task<IReadOnlyList<AuditEventResponse>> ListAsync(string filter, long scope, PageRequest page,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditEventResponse>(new CommandDefinition(
            $"""
            SELECT id, at, actor_username, action, target_type, target_path, details::text AS details_json, ip_address
            FROM audit_events WHERE {filter} AND id < @before ORDER BY id DESC LIMIT @limit
            """,
            new { scope, before = page.After ?? long.MaxValue, limit = page.FetchLimit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
