using Dapper;
using Npgsql;

namespace MlOps.Server.Git;

public sealed class ProtectedBranchRepository(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<string>> ListAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM protected_branches WHERE project_id = @projectId ORDER BY name",
            new { projectId }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long projectId, string name,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO protected_branches (project_id, name) VALUES (@projectId, @name) ON CONFLICT DO NOTHING",
            new { projectId, name }, transaction, cancellationToken: cancellationToken));

    public async Task AddAsync(long projectId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await AddAsync(connection, null, projectId, name, cancellationToken);
    }

    public async Task<bool> RemoveAsync(long projectId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM protected_branches WHERE project_id = @projectId AND name = @name",
            new { projectId, name }, cancellationToken: cancellationToken)) > 0;
    }
}
