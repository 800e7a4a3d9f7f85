using Dapper;
using Npgsql;

namespace MlOps.Server.Namespaces;

/// <summary>
/// The columns of `projects` that other features keep up to date: the bytes a project stores and
/// where its repository lives. The Projects feature owns the rest of the row; everyone else
/// changes these through here, never with their own SQL on the table.
/// </summary>
public sealed class ProjectStore(NpgsqlDataSource dataSource)
{
    public async Task SetRepositorySizeAsync(long projectId, long bytes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE projects SET repository_size = @bytes WHERE id = @projectId", new { projectId, bytes },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Takes the project's row lock: concurrent changes to one project's LFS links serialise here,
    /// so each recount afterwards sees the others' changes (READ COMMITTED takes a snapshot per statement).
    /// </summary>
    public static Task LockAsync(NpgsqlTransaction transaction, long projectId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM projects WHERE id = @projectId FOR UPDATE", new { projectId }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>Recounts the LFS bytes that refs of the project reach; returns the new total.</summary>
    public static Task<long> RecountLfsAsync(NpgsqlTransaction transaction, long projectId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            UPDATE projects SET lfs_size = (SELECT COALESCE(sum(o.size), 0) FROM project_lfs_objects p
                                            JOIN lfs_objects o ON o.oid = p.oid
                                            WHERE p.project_id = @projectId AND p.reachable)
            WHERE id = @projectId RETURNING lfs_size
            """, new { projectId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Switches the backend that holds the project's repository (`embedded` or `gitlab`).</summary>
    public static Task SetGitBackendAsync(NpgsqlTransaction transaction, long projectId, string backend,
        CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE projects SET git_backend = @backend, updated_at = now() WHERE id = @projectId",
            new { projectId, backend }, transaction, cancellationToken: cancellationToken));
}
