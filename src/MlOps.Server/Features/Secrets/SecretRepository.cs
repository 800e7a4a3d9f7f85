using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Secrets;

public sealed record SecretName(string Name, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>The `secrets` table: one row per (project or namespace, name), the value encrypted.</summary>
public sealed class SecretRepository(NpgsqlDataSource dataSource)
{
    public async Task UpsertAsync(long? projectId, long? namespaceId, string name, byte[] ciphertext, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var conflict = projectId is null ? "(namespace_id, name) WHERE namespace_id IS NOT NULL" : "(project_id, name) WHERE project_id IS NOT NULL";
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO secrets (project_id, namespace_id, name, ciphertext, created_by) VALUES (@projectId, @namespaceId, @name, @ciphertext, @userId)
            ON CONFLICT {conflict} DO UPDATE SET ciphertext = EXCLUDED.ciphertext, updated_at = now()
            """, new { projectId, namespaceId, name, ciphertext, userId = userId == 0 ? (long?)null : userId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<SecretName>> ListAsync(long? projectId, long? namespaceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SecretName>(new CommandDefinition(
            """
            SELECT name, created_at, updated_at FROM secrets
            WHERE project_id IS NOT DISTINCT FROM @projectId AND namespace_id IS NOT DISTINCT FROM @namespaceId ORDER BY name
            """, new { projectId, namespaceId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> DeleteAsync(long? projectId, long? namespaceId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM secrets WHERE project_id IS NOT DISTINCT FROM @projectId AND namespace_id IS NOT DISTINCT FROM @namespaceId AND name = @name",
            new { projectId, namespaceId, name }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The encrypted values a project's job sees: the project's own, else its group's, else the parent group's.</summary>
    public async Task<IReadOnlyList<(string Name, byte[] Ciphertext)>> ForProjectAsync(long projectId, IReadOnlyList<string> names,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(string, byte[])>(new CommandDefinition(
            """
            SELECT DISTINCT ON (s.name) s.name, s.ciphertext
            FROM projects p JOIN namespaces n ON n.id = p.namespace_id
            JOIN secrets s ON s.name = ANY (@names)
                AND (s.project_id = p.id OR s.namespace_id = n.id OR s.namespace_id = n.parent_id)
            WHERE p.id = @projectId
            ORDER BY s.name, CASE WHEN s.project_id IS NOT NULL THEN 0 WHEN s.namespace_id = n.id THEN 1 ELSE 2 END
            """, new { projectId, names = names.ToArray() }, cancellationToken: cancellationToken))).AsList();
    }
}
