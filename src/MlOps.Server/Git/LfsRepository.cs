using Dapper;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Git;

/// <summary>
/// `lfs_objects` (what is stored) and `project_lfs_objects` (who may read it, and whether a ref of
/// the project reaches it: only those count toward the project's storage).
/// </summary>
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

    /// <summary>
    /// Records a verified upload and links it to the project, not yet counted: the push that will
    /// refer to it comes after, and may be refused.
    /// </summary>
    public async Task LinkAsync(long projectId, string oid, long size, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Touching created_at locks the row and restarts its grace period, so housekeeping cannot
        // delete an object between this upload and its link.
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO lfs_objects (oid, size) VALUES (@oid, @size) ON CONFLICT (oid) DO UPDATE SET created_at = now()",
            new { oid, size }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO project_lfs_objects (project_id, oid) VALUES (@projectId, @oid) ON CONFLICT DO NOTHING",
            new { projectId, oid }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Counts the linked objects among <paramref name="oids"/> that a ref now reaches; returns the project's LFS total.</summary>
    public async Task<long> MarkReachableAsync(long projectId, IReadOnlyCollection<string> oids, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ProjectStore.LockAsync(transaction, projectId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE project_lfs_objects SET reachable = true WHERE project_id = @projectId AND oid = ANY (@oids) AND NOT reachable",
            new { projectId, oids = oids.ToArray() }, transaction, cancellationToken: cancellationToken));
        var total = await ProjectStore.RecountLfsAsync(transaction, projectId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return total;
    }

    /// <summary>Whether any of the project's LFS objects is still waiting for a ref to reach it.</summary>
    public async Task<bool> HasUnreachableAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM project_lfs_objects WHERE project_id = @projectId AND NOT reachable)",
            new { projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>Projects with links that no ref has reached, linked before <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<(long ProjectId, string GitBackend)>> ProjectsWithUnreachableAsync(DateTime before,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long, string)>(new CommandDefinition(
            """
            SELECT DISTINCT p.id, p.git_backend FROM project_lfs_objects l JOIN projects p ON p.id = l.project_id
            WHERE NOT l.reachable AND l.created_at < @before
            """, new { before }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The project's links that no ref has reached, made before <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<string>> UnreachableAsync(long projectId, DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT oid FROM project_lfs_objects WHERE project_id = @projectId AND NOT reachable AND created_at < @before",
            new { projectId, before }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Drops links no ref reached in time; they were never counted, so the total stays.</summary>
    public async Task UnlinkAsync(long projectId, IReadOnlyCollection<string> oids, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM project_lfs_objects WHERE project_id = @projectId AND oid = ANY (@oids) AND NOT reachable",
            new { projectId, oids = oids.ToArray() }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Deletes the rows of objects no project links any more and returns their oids, for the
    /// caller to remove the files. Objects uploaded within the grace period are kept: their link
    /// may be on its way (the row is written after the file).
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteOrphansAsync(DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            """
            DELETE FROM lfs_objects o
            WHERE o.created_at < @before AND NOT EXISTS (SELECT 1 FROM project_lfs_objects p WHERE p.oid = o.oid)
            RETURNING o.oid
            """, new { before }, cancellationToken: cancellationToken));
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
