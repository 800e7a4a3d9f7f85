using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Lfs;

/// <summary>Reads of a project's LFS objects for the REST listing (the protocol's writes live in the Git core).</summary>
public sealed class LfsObjectQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The project's objects with oid after <paramref name="afterOid"/>, in oid order.</summary>
    public async Task<IReadOnlyList<LfsObjectResponse>> ListAsync(long projectId, string afterOid, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LfsObjectResponse>(new CommandDefinition(
            """
            SELECT p.oid, o.size, p.created_at AS "CreatedAt" FROM project_lfs_objects p JOIN lfs_objects o ON o.oid = p.oid
            WHERE p.project_id = @projectId AND p.oid > @afterOid ORDER BY p.oid LIMIT @limit
            """, new { projectId, afterOid, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
