using Dapper;
using Npgsql;

namespace MlOps.Server.Namespaces;

public sealed class NamespaceRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The caller's level in a namespace: ownership of a personal namespace, or the highest of
    /// their memberships in the group and its parent (membership is inherited downwards).
    /// </summary>
    public const string LevelSql = """
        GREATEST(
            CASE WHEN n.owner_user_id = @userId THEN 50 ELSE 0 END,
            COALESCE((SELECT max(m.access_level) FROM namespace_members m
                      WHERE m.user_id = @userId AND m.namespace_id IN (n.id, n.parent_id)), 0))
        """;

    public const string Columns = """
        n.id, n.kind, n.path, n.full_path, n.name, n.description, n.visibility, n.parent_id, n.owner_user_id, n.created_at,
        (SELECT pn.full_path FROM namespaces pn WHERE pn.id = n.parent_id) AS parent_full_path
        """;

    public async Task<NamespaceRow?> FindAsync(string fullPath, long? userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, fullPath, userId, cancellationToken);
    }

    public static Task<NamespaceRow?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string fullPath,
        long? userId, CancellationToken cancellationToken, RowLock rowLock = RowLock.None) =>
        connection.QuerySingleOrDefaultAsync<NamespaceRow>(new CommandDefinition(
            $"""
            SELECT {Columns}, {LevelSql} AS access_level
            FROM namespaces n WHERE lower(n.full_path) = lower(@fullPath)
            {rowLock switch { RowLock.Share => "FOR SHARE OF n", RowLock.Update => "FOR UPDATE OF n", _ => "" }}
            """,
            new { fullPath, userId = userId ?? 0 }, transaction, cancellationToken: cancellationToken));

    /// <summary>The most open visibility among a group's subgroups and projects: the group may not go below it.
    /// Here, beside the namespaces, because it spans groups and projects.</summary>
    public static Task<string?> WidestChildVisibilityAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            SELECT v FROM (
                SELECT visibility AS v FROM namespaces WHERE parent_id = @id
                UNION ALL SELECT visibility FROM projects WHERE namespace_id = @id
            ) c ORDER BY CASE v WHEN 'public' THEN 0 WHEN 'internal' THEN 1 ELSE 2 END LIMIT 1
            """, new { id }, transaction, cancellationToken: cancellationToken));
}

/// <summary>
/// How a namespace row is locked while a transaction checks rules against it: a child's
/// visibility is checked under a share lock, a change of the group's own visibility under an
/// update lock, so the two can never both pass and leave a public project in a private group.
/// </summary>
public enum RowLock { None, Share, Update }
