using Dapper;
using MlOps.Server.Namespaces;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Groups;

public sealed class GroupRepository(NpgsqlDataSource dataSource)
{
    public async Task<NamespaceRow> InsertAsync(NpgsqlTransaction transaction, string path, string fullPath, string name,
        string description, string visibility, long? parentId, CancellationToken cancellationToken) =>
        await transaction.Connection!.QuerySingleAsync<NamespaceRow>(new CommandDefinition(
            $"""
            INSERT INTO namespaces AS n (kind, path, full_path, name, description, visibility, parent_id)
            VALUES ('group', @path, @fullPath, @name, @description, @visibility, @parentId)
            RETURNING {NamespaceRepository.Columns}
            """,
            new { path, fullPath, name, description, visibility, parentId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Groups the caller may see, by id (keyset).</summary>
    public async Task<IReadOnlyList<NamespaceRow>> ListVisibleAsync(long? userId, bool isAdmin, PageRequest page,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<NamespaceRow>(new CommandDefinition(
            $"""
            SELECT * FROM (
                SELECT {NamespaceRepository.Columns}, {NamespaceRepository.LevelSql} AS access_level
                FROM namespaces n WHERE n.kind = 'group' AND n.id > @after
            ) g
            WHERE @isAdmin OR g.access_level > 0 OR g.visibility = 'public' OR (g.visibility = 'internal' AND @userId > 0)
            ORDER BY g.id LIMIT @limit
            """,
            new { userId = userId ?? 0, isAdmin, after = page.After ?? 0, limit = page.FetchLimit },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<NamespaceRow> UpdateAsync(NpgsqlTransaction transaction, long id, string name, string description,
        string visibility, CancellationToken cancellationToken) =>
        await transaction.Connection!.QuerySingleAsync<NamespaceRow>(new CommandDefinition(
            $"""
            UPDATE namespaces AS n SET name = @name, description = @description, visibility = @visibility
            WHERE n.id = @id RETURNING {NamespaceRepository.Columns}
            """,
            new { id, name, description, visibility }, transaction, cancellationToken: cancellationToken));

    public async Task DeleteAsync(NpgsqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "DELETE FROM namespaces WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
}
