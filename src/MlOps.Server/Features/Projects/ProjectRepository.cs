using Dapper;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Projects;

public sealed class ProjectRepository(NpgsqlDataSource dataSource)
{
    private const string Select = $"""
        SELECT p.id, p.namespace_id, n.full_path AS namespace_full_path, n.kind AS namespace_kind,
               n.visibility AS namespace_visibility, p.path, p.name, p.description, p.visibility, p.topics,
               p.default_branch, p.created_at, p.updated_at, p.git_backend, p.repository_size, p.lfs_size,
               {AccessGate.ProjectLevelSql} AS access_level
        FROM projects p JOIN namespaces n ON n.id = p.namespace_id
        """;

    public async Task<ProjectRow?> FindByIdAsync(long id, long? userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectRow>(new CommandDefinition(
            $"{Select} WHERE p.id = @id", new { id, userId = userId ?? 0 }, cancellationToken: cancellationToken));
    }

    /// <summary>Projects the caller may see, newest id last (keyset), optionally filtered.</summary>
    public async Task<IReadOnlyList<ProjectRow>> ListVisibleAsync(long? userId, bool isAdmin, string? namespacePath, string? search,
        string? topic, PageRequest page, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ProjectRow>(new CommandDefinition(
            $"""
            SELECT * FROM ({Select}
                WHERE p.id > @after
                  AND (@namespacePath::text IS NULL OR lower(n.full_path) = lower(@namespacePath))
                  AND (@search::text IS NULL OR p.path ILIKE @pattern OR p.name ILIKE @pattern OR p.description ILIKE @pattern)
                  AND (@topic::text IS NULL OR @topic = ANY (p.topics))) v
            WHERE @isAdmin OR v.access_level > 0 OR v.visibility = 'public' OR (v.visibility = 'internal' AND @userId > 0)
            ORDER BY v.id LIMIT @limit
            """,
            new
            {
                userId = userId ?? 0, isAdmin, namespacePath, search, topic, after = page.After ?? 0, limit = page.FetchLimit,
                pattern = search is null ? null : "%" + search.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%",
            },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task<long> InsertAsync(NpgsqlTransaction transaction, long namespaceId, string path, string name, string description,
        string visibility, string[] topics, string defaultBranch, long createdBy, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO projects (namespace_id, path, name, description, visibility, topics, default_branch, created_by)
            VALUES (@namespaceId, @path, @name, @description, @visibility, @topics, @defaultBranch, @createdBy)
            RETURNING id
            """,
            new { namespaceId, path, name, description, visibility, topics, defaultBranch, createdBy }, transaction,
            cancellationToken: cancellationToken));

    public static Task UpdateAsync(NpgsqlTransaction transaction, long id, string path, string name, string description,
        string visibility, string[] topics, string defaultBranch, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE projects SET path = @path, name = @name, description = @description, visibility = @visibility,
                                topics = @topics, default_branch = @defaultBranch, updated_at = now()
            WHERE id = @id
            """,
            new { id, path, name, description, visibility, topics, defaultBranch }, transaction, cancellationToken: cancellationToken));

    public static Task DeleteAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "DELETE FROM projects WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
}
