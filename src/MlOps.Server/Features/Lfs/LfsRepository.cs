using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Lfs;

/// <summary>`lfs_objects` (what is stored) and `project_lfs_objects` (who may read it).</summary>
public sealed class LfsRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Which of <paramref name="oids"/> are linked to the project, with their sizes.</summary>
    public async Task<Dictionary<string, long>> LinkedAsync(long projectId, IReadOnlyCollection<string> oids,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Oid, long Size)>(new CommandDefinition(
            """
            SELECT o.oid, o.size FROM project_lfs_objects p JOIN lfs_objects o ON o.oid = p.oid
            WHERE p.project_id = @projectId AND p.oid = ANY (@oids)
            """, new { projectId, oids = oids.ToArray() }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Oid, r => r.Size, StringComparer.Ordinal);
    }

    /// <summary>Records a verified object, links it to the project and returns the project's new LFS total.</summary>
    public async Task<long> LinkAsync(long projectId, string oid, long size, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Concurrent uploads to one project serialise here, so each total below sees the others'
        // links (every statement takes a fresh snapshot under READ COMMITTED).
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM projects WHERE id = @projectId FOR UPDATE", new { projectId }, transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO lfs_objects (oid, size) VALUES (@oid, @size) ON CONFLICT (oid) DO NOTHING",
            new { oid, size }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO project_lfs_objects (project_id, oid) VALUES (@projectId, @oid) ON CONFLICT DO NOTHING",
            new { projectId, oid }, transaction, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            UPDATE projects SET lfs_size = (SELECT COALESCE(sum(o.size), 0) FROM project_lfs_objects p
                                            JOIN lfs_objects o ON o.oid = p.oid WHERE p.project_id = @projectId)
            WHERE id = @projectId RETURNING lfs_size
            """, new { projectId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return total;
    }

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

    /// <summary>LFS bytes a client (top-level namespace) stores, each object counted once.</summary>
    public async Task<long> NamespaceBytesAsync(long topLevelNamespaceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT lfs_bytes FROM namespace_lfs_storage WHERE namespace_id = @topLevelNamespaceId",
            new { topLevelNamespaceId }, cancellationToken: cancellationToken));
    }
}
