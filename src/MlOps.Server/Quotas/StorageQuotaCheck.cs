using Dapper;
using Npgsql;

namespace MlOps.Server.Quotas;

/// <summary>How much a client may still store: its storage quota and what it stores now.</summary>
public sealed record StorageRoom(long ClientId, string ClientPath, long Limit, long Used)
{
    public long Left => Limit - Used;

    /// <summary>The refusal every channel prints (Git's `remote:` lines, LFS errors).</summary>
    public string Refusal(string adding) =>
        $"storage quota exceeded: {adding}, and '{ClientPath}' already stores {ByteSize.Format(Used)} of its " +
        $"{ByteSize.Format(Limit)} quota. Delete data or ask an administrator to raise the quota.";
}

/// <summary>
/// The storage quota as Git pushes and LFS uploads meet it. Lives in the core, not in the billing
/// feature, so that Git HTTP and LFS ask it without depending on billing. Counts what
/// `client_stored_bytes` counts: embedded repositories, LFS objects once per client, artifacts, logs.
/// </summary>
public sealed class StorageQuotaCheck(NpgsqlDataSource dataSource, QuotaWarnings warnings)
{
    /// <summary>The room left to the client billed for the project, or null when it has no storage quota.</summary>
    public async Task<StorageRoom?> RoomAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var room = await connection.QuerySingleOrDefaultAsync<StorageRoom>(new CommandDefinition(
            """
            SELECT root.id AS client_id, root.full_path AS client_path, q.storage_bytes AS "limit",
                   s.repository + s.lfs + s.artifacts + s.logs AS used
            FROM projects p
            JOIN namespaces n ON n.id = p.namespace_id
            JOIN namespaces root ON root.id = COALESCE(n.parent_id, n.id)
            JOIN client_quotas q ON q.client_id = root.id AND q.storage_bytes IS NOT NULL
            CROSS JOIN LATERAL client_stored_bytes(root.id) s
            WHERE p.id = @projectId
            """, new { projectId }, cancellationToken: cancellationToken));
        if (room is not null)
        {
            await warnings.RecordAsync(room.ClientId, QuotaNames.Storage, room.Used, room.Limit, cancellationToken);
        }
        return room;
    }

    /// <summary>
    /// Why uploading these LFS objects to the project would exceed its client's quota, or null.
    /// Objects that any project of the same client already references add nothing: each object
    /// counts once per client.
    /// </summary>
    public async Task<string?> RefuseLfsUploadAsync(long projectId, IReadOnlyCollection<(string Oid, long Size)> objects,
        CancellationToken cancellationToken)
    {
        if (objects.Count == 0 || await RoomAsync(projectId, cancellationToken) is not { } room)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var adding = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT COALESCE(sum(o.size), 0)::bigint FROM unnest(@oids, @sizes) AS o (oid, size)
            WHERE NOT EXISTS (
                SELECT 1 FROM project_lfs_objects plo JOIN projects p ON p.id = plo.project_id
                WHERE plo.oid = o.oid
                  AND p.namespace_id IN (SELECT id FROM namespaces WHERE id = @clientId OR parent_id = @clientId))
            """,
            new { oids = objects.Select(o => o.Oid).ToArray(), sizes = objects.Select(o => o.Size).ToArray(), clientId = room.ClientId },
            cancellationToken: cancellationToken));
        return adding > 0 && adding > room.Left
            ? room.Refusal($"these LFS objects add {ByteSize.Format(adding)}")
            : null;
    }
}
